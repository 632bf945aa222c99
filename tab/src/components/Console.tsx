import { Button, Link, MessageBar, MessageBarBody, Text, makeStyles, tokens } from '@fluentui/react-components';
import { AddRegular, SignOutRegular } from '@fluentui/react-icons';
import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Integration, Me } from '../api/types';
import { useApi } from '../app/api-context';
import { Loading, PageHeading } from '../app/common';
import { useNotify } from '../app/toasts';
import type { EditorTab } from './EditorDrawer';
import { ErrorBar } from './ErrorBar';
import { IntegrationTable, type RowAction } from './IntegrationTable';

// The editor and the dialogs load on first use, so the list shows fast (and the first bundle stays small).
const AddIntegrationDialog = lazy(() => import('./AddIntegrationDialog').then((m) => ({ default: m.AddIntegrationDialog })));
const ConnectionTestDialog = lazy(() => import('./ConnectionTestDialog').then((m) => ({ default: m.ConnectionTestDialog })));
const DeleteDialog = lazy(() => import('./DeleteDialog').then((m) => ({ default: m.DeleteDialog })));
const EditorDrawer = lazy(() => import('./EditorDrawer').then((m) => ({ default: m.EditorDrawer })));
const UpdateSecretDialog = lazy(() => import('./UpdateSecretDialog').then((m) => ({ default: m.UpdateSecretDialog })));

export const TROUBLESHOOTING_URL = 'https://knowledge.kaltura.com/help/teams-integration#troubleshooting';

const useStyles = makeStyles({
  top: { display: 'flex', alignItems: 'flex-start', justifyContent: 'space-between', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  user: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  bar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  subtitle: { fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold, margin: 0 },
});

type Dialog =
  | { kind: 'secret'; integration: Integration }
  | { kind: 'test'; integration: Integration }
  | { kind: 'delete'; integration: Integration };

export function Console({ onSignOut }: { mode: 'teams' | 'sandbox'; onSignOut?: () => void }) {
  const s = useStyles();
  const api = useApi();
  const notify = useNotify();
  const [me, setMe] = useState<Me | null>(null);
  const [meError, setMeError] = useState<unknown>(null);
  const [items, setItems] = useState<Integration[] | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [adding, setAdding] = useState(false);
  const [editor, setEditor] = useState<{ id: string; tab: EditorTab } | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(async () => {
    setListError(null);
    try {
      setItems(await api.listIntegrations());
    } catch (e) {
      setListError(e);
    }
  }, [api]);

  useEffect(() => {
    let live = true;
    setMeError(null);
    setMe(null);
    api.me().then(
      (m) => {
        if (!live) return;
        setMe(m);
        void load();
      },
      (e: unknown) => live && setMeError(e),
    );
    return () => {
      live = false;
    };
  }, [api, attempt, load]);

  const replace = useCallback((i: Integration) => {
    setItems((list) => (list ? list.map((x) => (x.id === i.id ? i : x)) : list));
  }, []);

  const act = async (action: RowAction, i: Integration) => {
    switch (action) {
      case 'edit':
        setEditor({ id: i.id, tab: 'settings' });
        return;
      case 'health':
        setEditor({ id: i.id, tab: 'health' });
        return;
      case 'recordings':
        setEditor({ id: i.id, tab: 'recordings' });
        return;
      case 'secret':
        setDialog({ kind: 'secret', integration: i });
        return;
      case 'test':
        setDialog({ kind: 'test', integration: i });
        return;
      case 'delete':
        setDialog({ kind: 'delete', integration: i });
        return;
      case 'enable':
      case 'disable':
        setBusyId(i.id);
        try {
          const updated = action === 'enable' ? await api.enable(i.id) : await api.disable(i.id);
          replace(updated);
          notify(action === 'enable' ? 'Integration enabled' : 'Integration disabled');
        } catch (e) {
          notify(errorMessage(e), 'error');
          void load();
        } finally {
          setBusyId(null);
        }
        return;
      case 'logs':
        try {
          const blob = await api.activityCsv(i.id);
          const url = URL.createObjectURL(blob);
          const a = document.createElement('a');
          a.href = url;
          a.download = `${i.name.replace(/[^\w.-]+/g, '_') || 'integration'}-recent-logs.csv`;
          document.body.append(a);
          a.click();
          a.remove();
          window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
        } catch (e) {
          notify(errorMessage(e), 'error');
        }
        return;
    }
  };

  const header = (
    <div className={s.top}>
      <PageHeading />
      <div className={s.user}>
        {me && <Text aria-label={`Signed in as ${me.user.name}`}>{me.user.name}</Text>}
        {onSignOut && (
          <Button icon={<SignOutRegular />} onClick={onSignOut}>
            Sign out
          </Button>
        )}
      </div>
    </div>
  );

  if (meError) {
    const forbidden = isApiError(meError) && meError.status === 403;
    return (
      <>
        {header}
        <ErrorBar error={meError} title={forbidden ? 'You cannot manage integrations' : undefined} onRetry={() => setAttempt((a) => a + 1)} />
      </>
    );
  }
  if (!me) {
    return (
      <>
        {header}
        <Loading />
      </>
    );
  }

  const editing = editor && items?.find((i) => i.id === editor.id);
  const anyError = items?.some((i) => i.lastError) ?? false;

  return (
    <>
      {header}
      <div className={s.bar}>
        <h2 className={s.subtitle}>Teams integrated accounts</h2>
        <Button appearance="primary" icon={<AddRegular />} onClick={() => setAdding(true)}>
          Add new integration
        </Button>
      </div>
      {listError ? (
        <ErrorBar error={listError} onRetry={() => void load()} />
      ) : items === null ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text as="p">There are no active Teams accounts</Text>
      ) : (
        <IntegrationTable items={items} busyId={busyId} onOpen={(i) => setEditor({ id: i.id, tab: 'settings' })} onAction={(a, i) => void act(a, i)} />
      )}
      {anyError && (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            We've detected an error on at least one integration. For help in troubleshooting,{' '}
            <Link href={TROUBLESHOOTING_URL} target="_blank" rel="noreferrer" inline>
              click here
            </Link>
          </MessageBarBody>
        </MessageBar>
      )}

      <Suspense fallback={null}>
      {adding && <AddIntegrationDialog
        open={adding}
        onClose={() => setAdding(false)}
        onAdded={(i) => {
          setItems((list) => [...(list ?? []), i]);
          setAdding(false);
          notify('Integration added');
        }}
      />}
      {editing && (
        <EditorDrawer
          integration={editing}
          tab={editor.tab}
          onTab={(tab) => setEditor({ id: editing.id, tab })}
          onClose={() => setEditor(null)}
          onChanged={replace}
        />
      )}
      {dialog?.kind === 'secret' && (
        <UpdateSecretDialog
          integration={dialog.integration}
          onClose={() => setDialog(null)}
          onUpdated={(i) => {
            replace(i);
            setDialog(null);
            notify('Secret updated successfully');
          }}
        />
      )}
      {dialog?.kind === 'test' && <ConnectionTestDialog integration={dialog.integration} onClose={() => setDialog(null)} onIntegration={replace} />}
      {dialog?.kind === 'delete' && (
        <DeleteDialog
          integration={dialog.integration}
          onClose={() => setDialog(null)}
          onDeleted={(id) => {
            setItems((list) => (list ? list.filter((x) => x.id !== id) : list));
            setDialog(null);
            if (editor?.id === id) setEditor(null);
            notify('Integration deleted');
          }}
        />
      )}
      </Suspense>
    </>
  );
}
