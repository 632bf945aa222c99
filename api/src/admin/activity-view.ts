import type { ActivityReport } from '../integrations/integration-service.js';
import type { JsonValue } from '../store/json.js';
import type { AuditEntry, Job } from '../store/model.js';
import { toCsv } from './csv.js';
import { isoTime } from './iso-time.js';

export interface ActivityEntry {
  at: string;
  source: 'audit' | 'job';
  action: string;
  actor: { id: string; name: string | null } | null;
  summary: string;
  error?: { code: string; message: string };
}

/** Admin actions and jobs in one list, newest first, at most `limit` entries. */
export function activityView(report: ActivityReport, limit: number): ActivityEntry[] {
  const entries = [
    ...report.audit.map((a) => ({ ms: a.at, entry: auditEntry(a) })),
    ...report.jobs.map((j) => ({ ms: j.completedAt ?? j.updatedAt, entry: jobEntry(j) })),
  ];
  return entries
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit)
    .map((e) => e.entry);
}

const CSV_HEADER = ['at', 'source', 'action', 'actor id', 'actor name', 'summary', 'error code', 'error message'];

export function activityCsv(entries: readonly ActivityEntry[]): string {
  return toCsv(
    CSV_HEADER,
    entries.map((e) => [e.at, e.source, e.action, e.actor?.id, e.actor?.name, e.summary, e.error?.code, e.error?.message]),
  );
}

/** A download's file name from the integration's name: letters, digits, - and _ only. */
export function csvFileName(integrationName: string): string {
  const base = integrationName.normalize('NFKD').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'integration';
  return `${base}-recent-logs.csv`;
}

function auditEntry(a: AuditEntry): ActivityEntry {
  return { at: isoTime(a.at)!, source: 'audit', action: a.action, actor: { id: a.actor.id, name: a.actor.name }, summary: auditSummary(a) };
}

const text = (v: JsonValue | undefined): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const list = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.map((x) => text(x)).filter(Boolean) : []);

function auditSummary(a: AuditEntry): string {
  const d = a.details;
  switch (a.action) {
    case 'integration.create':
      return `Created the integration "${text(d.name) || a.target || ''}" (disabled).`;
    case 'integration.update': {
      const changed = list(d.changed);
      return changed.length ? `Changed ${changed.join(', ')}.` : 'Saved without changes.';
    }
    case 'integration.enable':
      return 'Enabled the integration.';
    case 'integration.disable':
      return 'Disabled the integration.';
    case 'integration.delete':
      return `Deleted the integration "${text(d.name) || a.target || ''}".`;
    case 'integration.secret.replace':
      return 'Replaced the client secret.';
    case 'integration.test': {
      const failed = list(d.failed);
      return d.ok === true ? 'Tested the connection: every check passed.' : `Tested the connection: ${failed.length ? `failed ${failed.join(', ')}` : 'failed'}.`;
    }
    case 'recording.retry':
      return `Retried recording ${text(d.recordingId)}.`;
    case 'integration.backfill':
      return `Asked to archive what was recorded from ${text(d.from)} to ${text(d.to)}.`;
    default:
      return a.target ? `${a.action} on ${a.target}` : a.action;
  }
}

const STATE_WORDS: Record<Job['state'], string> = { queued: 'waiting', active: 'running', completed: 'done', failed: 'failed' };

function jobEntry(j: Job): ActivityEntry {
  const at = isoTime(j.completedAt ?? j.updatedAt)!;
  const error = j.lastError ? { code: j.lastError.code, message: j.lastError.message } : undefined;
  const summary = `${jobSubject(j)}: ${STATE_WORDS[j.state]}${j.state === 'queued' && j.lastError ? ', retrying' : ''}${j.state === 'failed' && error ? ` (${error.message})` : ''}.`;
  return { at, source: 'job', action: `${j.kind}.${j.state}`, actor: null, summary, ...(error ? { error } : {}) };
}

function jobSubject(j: Job): string {
  const p = j.payload;
  switch (j.kind) {
    case 'ingest-recording':
      return `Archive recording ${text(p.recordingId)}`;
    case 'attach-transcript':
      return p.transcriptId ? `Attach transcript ${text(p.transcriptId)}` : 'Attach the transcripts again';
    case 'sweep':
      return p.source === 'backfill'
        ? `Backfill from ${isoTime(typeof p.from === 'number' ? p.from : null) ?? 'the start'} to ${isoTime(typeof p.to === 'number' ? p.to : null) ?? 'now'}`
        : 'Look for recordings notifications missed';
    case 'sync-subscriptions':
      return 'Check the Graph subscriptions';
    case 'subscription-lifecycle':
      return `Handle Graph's ${text(p.event) || 'lifecycle'} event`;
    case 'notify-organizer':
      return 'Tell the organizer';
    case 'update-organizer-notice':
      return "Update the organizer's card";
    default:
      return j.kind;
  }
}
