import assert from 'node:assert/strict';
import { activityCsv, activityView, csvFileName } from '../../../api/src/admin/activity-view.js';
import type { AuditEntry, Job } from '../../../api/src/store/model.js';

const audit = (at: number, action: string, details: AuditEntry['details'] = {}): AuditEntry => ({
  id: `a${at}`,
  at,
  actor: { id: 'admin-1', name: '=cmd|calc' },
  action,
  integrationId: 'int_1',
  target: 'Contoso',
  details,
});

const job = (updatedAt: number, state: Job['state'], extra: Partial<Job> = {}): Job => ({
  id: `j${updatedAt}`,
  kind: 'ingest-recording',
  integrationId: 'int_1',
  idempotencyKey: `k${updatedAt}`,
  payload: { recordingId: 'rec-1', meetingId: 'm' },
  state,
  priority: 0,
  attempts: 1,
  maxAttempts: 5,
  notBefore: 0,
  leaseOwner: null,
  leaseToken: null,
  leaseExpiresAt: null,
  stalledCount: 0,
  progress: {},
  lastError: null,
  result: null,
  createdAt: updatedAt - 10,
  updatedAt,
  completedAt: state === 'completed' || state === 'failed' ? updatedAt : null,
  rev: 1,
  ...extra,
});

describe('activity view', function () {
  it('merges admin actions and jobs newest first, with readable summaries, and cuts at the limit', () => {
    const entries = activityView(
      {
        audit: [audit(300, 'integration.update', { changed: ['name', 'settings.groups'] }), audit(100, 'integration.enable')],
        jobs: [
          job(400, 'failed', { lastError: { code: 'KALTURA_REFUSED', message: 'no, "never"', retryable: false, at: 400 } }),
          job(200, 'completed'),
          job(50, 'queued', { kind: 'sweep', payload: { source: 'backfill', from: 0, to: 86_400_000 } }),
        ],
      },
      4,
    );
    assert.deepEqual(
      entries.map((e) => [e.source, e.action, e.summary]),
      [
        ['job', 'ingest-recording.failed', 'Archive recording rec-1: failed (no, "never").'],
        ['audit', 'integration.update', 'Changed name, settings.groups.'],
        ['job', 'ingest-recording.completed', 'Archive recording rec-1: done.'],
        ['audit', 'integration.enable', 'Enabled the integration.'],
      ],
    );
    assert.deepEqual(entries[0]!.error, { code: 'KALTURA_REFUSED', message: 'no, "never"' });
    assert.equal(entries[0]!.actor, null);
    assert.equal(entries[0]!.at, '1970-01-01T00:00:00.400Z');
    assert.deepEqual(entries[1]!.actor, { id: 'admin-1', name: '=cmd|calc' });
  });

  it('writes the same entries as CSV, an admin-typed name defused', () => {
    const csv = activityCsv(activityView({ audit: [audit(100, 'integration.enable')], jobs: [] }, 10));
    assert.equal(
      csv,
      '"at","source","action","actor id","actor name","summary","error code","error message"\r\n' +
        `"1970-01-01T00:00:00.100Z","audit","integration.enable","admin-1","'=cmd|calc","Enabled the integration.","",""\r\n`,
    );
  });

  it('names the download after the integration, with nothing a header could break on', () => {
    assert.equal(csvFileName('Contoso "Teams", recordings'), 'Contoso-Teams-recordings-recent-logs.csv');
    assert.equal(csvFileName('Zürich\r\nSet-Cookie: x'), 'Zu-rich-Set-Cookie-x-recent-logs.csv');
    assert.equal(csvFileName('"""'), 'integration-recent-logs.csv');
  });
});
