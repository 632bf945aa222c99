import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkCircleFilled, DismissCircleFilled, SubtractCircleRegular, WarningFilled } from '@fluentui/react-icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CheckStatus, ConnectionTestResult, Integration } from '../api/types';
import { useApi } from '../app/api-context';
import { Loading } from '../app/common';
import { formatDateTime } from '../app/format';
import { useNotify } from '../app/toasts';
import { ErrorBar } from './ErrorBar';

const useStyles = makeStyles({
  surface: { maxWidth: '720px', width: 'calc(100vw - 32px)' },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  item: { display: 'grid', gridTemplateColumns: '24px 1fr', columnGap: tokens.spacingHorizontalS, alignItems: 'start' },
  body: { display: 'flex', flexDirection: 'column', gap: '2px' },
  head: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'baseline' },
  pass: { color: tokens.colorPaletteGreenForeground1, fontSize: '20px' },
  fail: { color: tokens.colorPaletteRedForeground1, fontSize: '20px' },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1, fontSize: '20px' },
  skipped: { color: tokens.colorNeutralForeground3, fontSize: '20px' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'Passed', fail: 'Failed', warning: 'Warning', skipped: 'Skipped' };

export function ConnectionTestDialog({ integration, onClose, onIntegration }: { integration: Integration; onClose: () => void; onIntegration: (i: Integration) => void }) {
  const s = useStyles();
  const api = useApi();
  const notify = useNotify();
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const live = useRef(true);

  const run = useCallback(async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.testConnection(integration.id);
      if (!live.current) return;
      setResult(r);
      if (r.integration) onIntegration(r.integration);
      notify(r.ok ? 'Connection test passed' : 'Connection test found problems', r.ok ? 'success' : 'warning');
    } catch (e) {
      if (live.current) setError(e);
    } finally {
      if (live.current) setBusy(false);
    }
  }, [api, integration.id, notify, onIntegration]);

  useEffect(() => {
    live.current = true;
    void run();
    return () => {
      live.current = false;
    };
    // run once when the dialog opens
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const icon = (st: CheckStatus) =>
    st === 'pass' ? (
      <CheckmarkCircleFilled aria-hidden className={s.pass} />
    ) : st === 'fail' ? (
      <DismissCircleFilled aria-hidden className={s.fail} />
    ) : st === 'warning' ? (
      <WarningFilled aria-hidden className={s.warning} />
    ) : (
      <SubtractCircleRegular aria-hidden className={s.skipped} />
    );

  return (
    <Dialog open modalType="modal" onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface className={s.surface}>
        <DialogBody>
          <DialogTitle>Connection test</DialogTitle>
          {/* focusable, so a keyboard can scroll a long list of checks (it has no controls of its own) */}
          <DialogContent className={s.content} tabIndex={0} role="region" aria-label="Connection test results">
            <Text>
              Checks {integration.name}'s app registration with Microsoft Entra ID and Graph, and its Kaltura partner.
            </Text>
            {busy && <Loading label="Testing connection" />}
            {error !== null && <ErrorBar error={error} onRetry={() => void run()} />}
            {result && (
              <>
                <Text weight="semibold" role="status">
                  {result.ok ? 'All checks passed' : 'Some checks found problems'} ({formatDateTime(result.checkedAt)})
                </Text>
                <ul className={s.list} aria-label="Checks">
                  {result.checks.map((c) => (
                    <li key={c.id} className={s.item}>
                      {icon(c.status)}
                      <div className={s.body}>
                        <div className={s.head}>
                          <Text weight="semibold">{c.label}</Text>
                          <Text>{STATUS_TEXT[c.status] ?? c.status}</Text>
                        </div>
                        {c.message && <Text>{c.message}</Text>}
                        {c.fix && <Text>Fix: {c.fix}</Text>}
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button disabled={busy} onClick={() => void run()}>
              Test again
            </Button>
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
