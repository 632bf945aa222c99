import {
  Badge,
  Button,
  Dropdown,
  Field,
  Input,
  Link,
  Option,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Tooltip,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, isApiError } from '../api/client';
import { RECORDING_STATES, type CardDelivery, type Integration, type Recording, type RecordingState } from '../api/types';
import { useApi } from '../app/api-context';
import { Loading } from '../app/common';
import { formatBytes, formatDateTime } from '../app/format';
import { useNotify } from '../app/toasts';
import { ErrorBar } from './ErrorBar';

const POLL_MS = 3000;
const PAGE = 50;
const IN_FLIGHT: RecordingState[] = ['queued', 'downloading', 'uploading', 'processing'];

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  h3: { fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold, margin: 0 },
  toolbar: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  filter: { minWidth: '200px' },
  scroll: { overflowX: 'auto' },
  row: { ':hover': { backgroundColor: 'transparent' }, ':active': { backgroundColor: 'transparent' } },
  table: { minWidth: '880px' },
  // the fixed-layout table shares its width evenly unless told: the meeting and the error get what is
  // left (widths are of the content; each cell adds its padding)
  colRecorded: { width: '104px' },
  colState: { width: '92px' },
  colProgress: { width: '120px' },
  colTranscript: { width: '72px' },
  colCard: { width: '176px' },
  progress: { display: 'flex', flexDirection: 'column', gap: '2px', minWidth: '120px' },
  // Kaltura's and Graph's messages carry long unbroken words (codes, property names): wrap them in the cell
  cellText: { display: 'flex', flexDirection: 'column', gap: '2px', alignItems: 'flex-start', minWidth: 0, overflowWrap: 'anywhere' },
  // a badge with a tooltip: focusable, so the keyboard reaches what hovering shows
  tipTrigger: { display: 'inline-flex', maxWidth: '100%', borderRadius: tokens.borderRadiusMedium, cursor: 'default' },
  noticeBadge: { whiteSpace: 'nowrap' },
  subject: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, minWidth: 0, overflowWrap: 'anywhere' },
  tip: { display: 'flex', flexDirection: 'column', gap: '2px', overflowWrap: 'anywhere' },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    padding: 0,
    overflow: 'hidden',
    clip: 'rect(0, 0, 0, 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
  backfill: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
});

const STATE_COLOR: Record<RecordingState, 'informative' | 'brand' | 'success' | 'subtle' | 'danger'> = {
  queued: 'informative',
  downloading: 'brand',
  uploading: 'brand',
  processing: 'brand',
  archived: 'success',
  skipped: 'subtle',
  failed: 'danger',
};

function problemText(e: Recording['error'] | CardDelivery['error']): string {
  if (!e) return '';
  return typeof e === 'string' ? e : e.message;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function RecordingsPanel({ integration }: { integration: Integration }) {
  const s = useStyles();
  const api = useApi();
  const notify = useNotify();
  const [state, setState] = useState<'All' | RecordingState>('All');
  const [items, setItems] = useState<Recording[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [retrying, setRetrying] = useState<Set<string>>(new Set());
  const shown = useRef(PAGE);

  const load = useCallback(
    async (quiet = false) => {
      if (!quiet) setError(null);
      try {
        const page = await api.recordings(integration.id, { state: state === 'All' ? undefined : state, limit: Math.min(shown.current, 200) });
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
      } catch (e) {
        if (!quiet || !items) setError(e);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, integration.id, state],
  );

  useEffect(() => {
    shown.current = PAGE;
    setItems(null);
    void load();
  }, [load]);

  // Refreshes itself while something is in flight.
  const inFlight = items?.some((r) => IN_FLIGHT.includes(r.state)) ?? false;
  useEffect(() => {
    if (!inFlight) return;
    const t = window.setTimeout(() => void load(true), POLL_MS);
    return () => window.clearTimeout(t);
  }, [inFlight, items, load]);

  const more = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.recordings(integration.id, { state: state === 'All' ? undefined : state, limit: PAGE, cursor });
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
      shown.current += PAGE;
    } catch (e) {
      notify(errorMessage(e), 'error');
    } finally {
      setLoadingMore(false);
    }
  };

  const retry = async (r: Recording) => {
    setRetrying((set) => new Set(set).add(r.recordingId));
    try {
      const updated = await api.retryRecording(integration.id, r.recordingId);
      setItems((list) => list?.map((x) => (x.recordingId === r.recordingId ? updated : x)) ?? list);
      notify('Retry queued');
    } catch (e) {
      notify(errorMessage(e), 'error');
      if (isApiError(e) && e.status === 409) void load(true);
    } finally {
      setRetrying((set) => {
        const next = new Set(set);
        next.delete(r.recordingId);
        return next;
      });
    }
  };

  return (
    <div className={s.panel}>
      <section className={s.panel} aria-labelledby="recordings-heading">
        <h3 id="recordings-heading" className={s.h3}>
          Recordings
        </h3>
        <div className={s.toolbar}>
          <Field label="State" className={s.filter}>
            <Dropdown value={state} selectedOptions={[state]} onOptionSelect={(_, d) => d.optionValue && setState(d.optionValue as typeof state)}>
              <Option value="All">All</Option>
              {RECORDING_STATES.map((st) => (
                <Option key={st} value={st}>
                  {st}
                </Option>
              ))}
            </Dropdown>
          </Field>
          <Button icon={<ArrowClockwiseRegular />} onClick={() => void load()}>
            Refresh
          </Button>
          {inFlight && <Text size={200}>Updating every few seconds while recordings are in progress.</Text>}
        </div>
        {error !== null && <ErrorBar error={error} onRetry={() => void load()} />}
        {items === null && error === null && <Loading />}
        {items && items.length === 0 && <Text>No recordings{state === 'All' ? ' yet' : ` in state ${state}`}.</Text>}
        {items && items.length > 0 && (
          <div className={s.scroll}>
            <Table className={s.table} aria-label={`Recordings of ${integration.name}`} size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Meeting</TableHeaderCell>
                  <TableHeaderCell className={s.colRecorded}>Recorded</TableHeaderCell>
                  <TableHeaderCell className={s.colState}>State</TableHeaderCell>
                  <TableHeaderCell className={s.colProgress}>Progress</TableHeaderCell>
                  <TableHeaderCell className={s.colTranscript}>Transcript</TableHeaderCell>
                  <TableHeaderCell className={s.colCard}>Teams card</TableHeaderCell>
                  <TableHeaderCell>Error</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((r) => (
                  <RecordingRow
                    key={r.recordingId}
                    r={r}
                    proactiveInstall={integration.settings.proactiveInstall ?? false}
                    retrying={retrying.has(r.recordingId)}
                    onRetry={() => void retry(r)}
                  />
                ))}
              </TableBody>
            </Table>
          </div>
        )}
        {cursor && (
          <div>
            <Button onClick={() => void more()} disabled={loadingMore}>
              Load more
            </Button>
          </div>
        )}
      </section>
      <Backfill integration={integration} />
    </div>
  );
}

function RecordingRow({ r, proactiveInstall, retrying, onRetry }: { r: Recording; proactiveInstall: boolean; retrying: boolean; onRetry: () => void }) {
  const s = useStyles();
  // an ad hoc call has no meeting (meetingId is null): the row says it is a call instead
  const isCall = !!r.callId;
  const subject = r.subject || (isCall ? 'Teams call' : 'Untitled meeting');
  const fraction = r.bytesTotal && r.bytesTotal > 0 && r.bytesDone !== null ? Math.min(1, r.bytesDone / r.bytesTotal) : undefined;
  const problem = problemText(r.error) || r.reason || '';
  const transcriptProblem = r.transcript ? problemText(r.transcript.error) : '';
  return (
    <TableRow className={s.row}>
      <TableCell>
        <div className={s.subject}>
          {r.entryUrl ? (
            <Link href={r.entryUrl} target="_blank" rel="noreferrer">
              {subject}
            </Link>
          ) : (
            <span>{subject}</span>
          )}
          {isCall && (
            <Badge appearance="outline" color="informative" size="small">
              Call
            </Badge>
          )}
        </div>
      </TableCell>
      <TableCell>{formatDateTime(r.recordedAt ?? r.createdAt)}</TableCell>
      <TableCell>
        <Badge appearance="tint" color={STATE_COLOR[r.state] ?? 'informative'}>
          {r.state}
        </Badge>
      </TableCell>
      <TableCell>
        {r.state === 'uploading' ? (
          <div className={s.progress}>
            <ProgressBar aria-label={`Upload progress for ${subject}`} value={fraction} max={1} thickness="large" />
            <Text size={200}>
              {fraction !== undefined ? `${Math.round(fraction * 100)}% · ${formatBytes(r.bytesDone)} of ${formatBytes(r.bytesTotal)}` : 'Starting'}
            </Text>
          </div>
        ) : r.state === 'archived' ? (
          <Text size={200}>{r.bytesTotal ? `Done · ${formatBytes(r.bytesTotal)}` : 'Done'}</Text>
        ) : (
          <Text size={200}>{r.bytesTotal ? formatBytes(r.bytesTotal) : ''}</Text>
        )}
      </TableCell>
      <TableCell>
        <div className={s.cellText}>
          <Text size={200}>{r.transcript?.state ?? 'none'}</Text>
          {transcriptProblem && <Text size={200}>{transcriptProblem}</Text>}
        </div>
      </TableCell>
      <TableCell>
        <NoticeCell notice={r.notice ?? null} proactiveInstall={proactiveInstall} />
      </TableCell>
      <TableCell>
        <div className={s.cellText}>
          {problem && <Text size={200}>{problem}</Text>}
          {r.state === 'failed' && r.retryable && (
            <Button size="small" onClick={onRetry} disabled={retrying} aria-describedby={undefined}>
              Retry
            </Button>
          )}
        </div>
      </TableCell>
    </TableRow>
  );
}

/**
 * Whether the organizer was told: "Card sent" (when, on hover or focus), "Organizer not reachable" (why,
 * the same way, and to screen readers as the badge's description), a dash until the card is sent; then
 * how many co-organizers got it too.
 */
function NoticeCell({ notice, proactiveInstall }: { notice: Recording['notice'] | null; proactiveInstall: boolean }) {
  const s = useStyles();
  if (!notice) {
    return (
      <Text size={200}>
        <span aria-hidden="true">—</span>
        <span className={s.visuallyHidden}>Not sent</span>
      </Text>
    );
  }
  const others = notice.coOrganizers ?? [];
  const othersSent = others.filter((c) => c.state === 'sent').length;
  const othersUnreachable = others.filter((c) => c.state === 'unreachable').length;
  const sent = notice.state === 'sent';
  const when = notice.at ? formatDateTime(notice.at) : null;
  const message = problemText(notice.error);
  const code = notice.error && typeof notice.error !== 'string' ? notice.error.code : undefined;
  const label = sent ? 'Card sent' : notice.state === 'unreachable' ? 'Organizer not reachable' : notice.state;
  const tip = sent ? (
    <span>{when ? `Sent to the organizer ${when}` : 'Sent to the organizer'}</span>
  ) : (
    <div className={s.tip}>
      <span>{message || 'The bot could not reach the organizer in Teams.'}</span>
      {when && <span>Tried {when}</span>}
      {code === 'BOT_USER_UNREACHABLE' && !proactiveInstall && (
        <span>Turn on "Install the app for organizers who don't have it" in Settings to reach them.</span>
      )}
    </div>
  );
  return (
    <div className={s.cellText}>
      <Tooltip relationship="description" withArrow content={tip}>
        <span tabIndex={0} role="img" aria-label={label} className={s.tipTrigger}>
          <Badge appearance="tint" color={sent ? 'success' : 'warning'} className={s.noticeBadge}>
            {label}
          </Badge>
        </span>
      </Tooltip>
      {othersSent > 0 && <Text size={200}>+{plural(othersSent, 'co-organizer', 'co-organizers')}</Text>}
      {othersUnreachable > 0 && <Text size={200}>{plural(othersUnreachable, 'co-organizer', 'co-organizers')} not reachable</Text>}
    </div>
  );
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function Backfill({ integration }: { integration: Integration }) {
  const s = useStyles();
  const api = useApi();
  const notify = useNotify();
  const today = isoDay(new Date());
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 7 * 86_400_000)));
  const [to, setTo] = useState(today);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const invalid = !from || !to ? 'Choose both dates' : from > to ? '"From" must not be after "To"' : undefined;

  const start = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.backfill(integration.id, new Date(`${from}T00:00:00.000Z`).toISOString(), new Date(`${to}T23:59:59.999Z`).toISOString());
      setResult(
        r.created
          ? `Backfill started for ${formatDateTime(r.from)} to ${formatDateTime(r.to)}.`
          : `A backfill for ${formatDateTime(r.from)} to ${formatDateTime(r.to)} is already running.`,
      );
      notify('Backfill started');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={s.panel} aria-labelledby="backfill-heading">
      <h3 id="backfill-heading" className={s.h3}>
        Backfill
      </h3>
      <Text>
        Archive the recordings of meetings{integration.settings.includeAdhocCalls ? ' and ad hoc calls' : ''} in a past date range (UTC days). Recordings
        already archived are not uploaded twice.
      </Text>
      <div className={s.backfill}>
        <Field label="From" validationState={invalid && from > to ? 'error' : 'none'}>
          <Input type="date" value={from} max={today} onChange={(_, d) => setFrom(d.value)} />
        </Field>
        <Field label="To">
          <Input type="date" value={to} max={today} onChange={(_, d) => setTo(d.value)} />
        </Field>
        <Button appearance="primary" disabled={busy || !!invalid} onClick={() => void start()}>
          Start backfill
        </Button>
      </div>
      {invalid && <Text role="alert">{invalid}</Text>}
      {error !== null && <ErrorBar error={error} onRetry={() => void start()} />}
      {result && <Text role="status">{result}</Text>}
    </section>
  );
}
