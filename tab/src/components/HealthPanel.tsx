import { Badge, Button, MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import type { Health, HealthState, Integration } from '../api/types';
import { useApi } from '../app/api-context';
import { Loading } from '../app/common';
import { formatDate, formatDateTime, relative } from '../app/format';
import { ErrorBar } from './ErrorBar';

/** The chart library is big: it loads only when the Health tab opens. */
const DailyChart = lazy(() => import('./HealthChart'));

export const CHART_TITLE = 'Recordings archived and failed per day, last 30 days';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  h3: { fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold, margin: 0 },
  h4: { fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400, fontWeight: tokens.fontWeightSemibold, margin: 0 },
  head: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  problems: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))',
    gap: tokens.spacingHorizontalL,
    margin: 0,
  },
  fact: { display: 'flex', flexDirection: 'column', gap: '2px' },
  dt: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  dd: { margin: 0, fontWeight: tokens.fontWeightSemibold },
  chartBox: { minHeight: '320px' },
  table: { borderCollapse: 'collapse', fontSize: tokens.fontSizeBase200, '& th, & td': { padding: '2px 8px', textAlign: 'end' }, '& th:first-child, & td:first-child': { textAlign: 'start' } },
});

const STATE_TEXT: Record<HealthState, string> = { ok: 'Healthy', warning: 'Warning', error: 'Error', unknown: 'Not checked yet' };
const STATE_COLOR = { ok: 'success', warning: 'warning', error: 'danger', unknown: 'informative' } as const;

export function HealthPanel({ integration }: { integration: Integration }) {
  const s = useStyles();
  const api = useApi();
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setHealth(await api.health(integration.id));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [api, integration.id]);

  useEffect(() => {
    void load();
  }, [load, integration.version]);

  const totals = health?.daily.reduce((t, d) => ({ archived: t.archived + d.archived, failed: t.failed + d.failed }), { archived: 0, failed: 0 });

  return (
    <section className={s.panel} aria-labelledby="health-heading">
      <div className={s.head}>
        <h3 id="health-heading" className={s.h3}>
          Health
        </h3>
        {health && (
          <Badge appearance="tint" color={STATE_COLOR[health.state]}>
            {STATE_TEXT[health.state]}
          </Badge>
        )}
        <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={() => void load()} disabled={loading}>
          Refresh
        </Button>
      </div>
      {error !== null && <ErrorBar error={error} onRetry={() => void load()} />}
      {!health && loading && <Loading />}
      {health && (
        <>
          {health.paused && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>Archiving is paused</MessageBarTitle>
                Reason: {health.paused.reason}, since {formatDateTime(health.paused.since)}. Jobs resume when the problem is fixed.
              </MessageBarBody>
            </MessageBar>
          )}
          {health.problems.length === 0 ? (
            <Text>No problems found{health.checkedAt ? ` (checked ${formatDateTime(health.checkedAt)})` : ''}.</Text>
          ) : (
            <div className={s.problems}>
              {health.problems.map((p) => (
                <MessageBar key={p.code} intent={p.severity === 'error' ? 'error' : 'warning'} layout="multiline">
                  <MessageBarBody>
                    <MessageBarTitle>{p.severity === 'error' ? 'Error' : 'Warning'}</MessageBarTitle>
                    {p.message}
                    {p.fix && <div>Fix: {p.fix}</div>}
                    {p.since && <div>Since {formatDateTime(p.since)}</div>}
                  </MessageBarBody>
                </MessageBar>
              ))}
            </div>
          )}

          <dl className={s.facts}>
            <Fact label="Subscription expires" value={health.subscriptionExpiresAt} />
            <Fact label="Client secret expires" value={health.secretExpiresAt} />
            <Fact label="Last successful archive" value={health.lastArchivedAt ?? health.lastSuccessAt} />
            <Fact label="Last checked" value={health.checkedAt} />
          </dl>

          <h4 className={s.h4}>Jobs</h4>
          <dl className={s.facts}>
            <Count label="Queued" value={health.jobs.queued} />
            <Count label="Active" value={health.jobs.active} />
            <Count label="Completed" value={health.jobs.completed} />
            <Count label="Failed" value={health.jobs.failed} />
          </dl>

          <h4 className={s.h4} id="health-chart-title">
            {CHART_TITLE}
          </h4>
          <Text>
            {totals ? `Last 30 days: ${totals.archived} archived, ${totals.failed} failed.` : ''}
          </Text>
          <div className={s.chartBox}>
            <Suspense fallback={<Loading label="Loading chart" />}>
              <DailyChart daily={health.daily} title={CHART_TITLE} />
            </Suspense>
          </div>
          <details>
            <summary>Show the data as a table</summary>
            <table className={s.table}>
              <caption>{CHART_TITLE}</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Archived</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {health.daily.map((d) => (
                  <tr key={d.day}>
                    <th scope="row">{formatDate(`${d.day}T12:00:00Z`)}</th>
                    <td>{d.archived}</td>
                    <td>{d.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

function Fact({ label, value }: { label: string; value: string | null | undefined }) {
  const s = useStyles();
  const rel = relative(value);
  return (
    <div className={s.fact}>
      <dt className={s.dt}>{label}</dt>
      <dd className={s.dd}>
        {value ? formatDateTime(value) : 'Not known'}
        {rel && <Text size={200} weight="regular"> ({rel})</Text>}
      </dd>
    </div>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  const s = useStyles();
  return (
    <div className={s.fact}>
      <dt className={s.dt}>{label}</dt>
      <dd className={s.dd}>{value}</dd>
    </div>
  );
}
