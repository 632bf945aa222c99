import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { NotFoundError } from '../errors.js';
import { compareLanes, laneEligible, validateCap, type LaneHead } from '../fairness.js';
import { newLeaseToken } from '../ids.js';
import {
  claimTransition,
  completeTransition,
  failTransition,
  newJobRecord,
  progressTransition,
  releaseTransition,
  renewTransition,
  requeueTransition,
  retryLaterTransition,
  stallTransition,
  validateClaim,
} from '../job-transitions.js';
import type { JsonValue } from '../json.js';
import { parseJson } from '../json.js';
import type { ActiveJob, Job, JobCounts, JobError, JobProgress, JobState } from '../model.js';
import { JOB_STATES } from '../model.js';
import { newestFirstPage } from './newest-first.js';
import type { JobRepository } from '../store.js';

interface JobRow {
  id: string;
  kind: string;
  integration_id: string;
  idempotency_key: string;
  state: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  not_before: number;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  stalled_count: number;
  payload: string;
  progress: string;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  rev: number;
}

const COLUMNS = [
  'id', 'kind', 'integration_id', 'idempotency_key', 'state', 'priority', 'attempts', 'max_attempts', 'not_before',
  'lease_owner', 'lease_token', 'lease_expires_at', 'stalled_count', 'payload', 'progress', 'last_error', 'result',
  'created_at', 'updated_at', 'completed_at', 'rev',
] as const;

function toRow(job: Job): JobRow {
  return {
    id: job.id,
    kind: job.kind,
    integration_id: job.integrationId,
    idempotency_key: job.idempotencyKey,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    not_before: job.notBefore,
    lease_owner: job.leaseOwner,
    lease_token: job.leaseToken,
    lease_expires_at: job.leaseExpiresAt,
    stalled_count: job.stalledCount,
    payload: JSON.stringify(job.payload),
    progress: JSON.stringify(job.progress),
    last_error: job.lastError ? JSON.stringify(job.lastError) : null,
    result: job.result === null ? null : JSON.stringify(job.result),
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    completed_at: job.completedAt,
    rev: job.rev,
  };
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    integrationId: row.integration_id,
    idempotencyKey: row.idempotency_key,
    payload: parseJson(row.payload),
    state: row.state as JobState,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    notBefore: row.not_before,
    leaseOwner: row.lease_owner,
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    stalledCount: row.stalled_count,
    progress: parseJson(row.progress),
    lastError: row.last_error === null ? null : parseJson<JobError>(row.last_error),
    result: row.result === null ? null : parseJson<JsonValue>(row.result),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    rev: row.rev,
  };
}

/**
 * Jobs on SQLite. Every change is read → transition → write inside one BEGIN IMMEDIATE transaction,
 * which holds the database's write lock: across threads and processes, one claimer at a time sees and
 * takes a job, so exclusivity and the per-integration cap are exact.
 */
export function createSqliteJobs(db: Database, clock: Clock): JobRepository {
  const cache = new Map<string, Statement>();
  const stmt = (sql: string): Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  const insert = db.prepare(
    `INSERT INTO jobs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT DO NOTHING`,
  );
  const write = db.prepare(
    `UPDATE jobs SET ${COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
  );
  const read = (id: string): Job | null => {
    const row = stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  };
  /** Runs one read-decide-write under the write lock. */
  const change = <T extends Job>(id: string, decide: (job: Job | null, now: number) => T): T =>
    db
      .transaction(() => {
        const next = decide(read(id), clock.now());
        write.run(toRow(next));
        return next;
      })
      .immediate();

  const pausedSet = (): Set<string> =>
    new Set((stmt('SELECT integration_id FROM queue_pauses').all() as { integration_id: string }[]).map((r) => r.integration_id));

  // Walks the distinct integrations with queued jobs through the index (one seek each), instead of
  // scanning every queued row as a GROUP BY would.
  const queuedLanes = (): string[] =>
    (
      stmt(`WITH RECURSIVE lanes(id) AS (
        SELECT (SELECT MIN(integration_id) FROM jobs WHERE state = 'queued')
        UNION ALL
        SELECT (SELECT MIN(integration_id) FROM jobs WHERE state = 'queued' AND integration_id > lanes.id)
        FROM lanes WHERE lanes.id IS NOT NULL
      ) SELECT id FROM lanes WHERE id IS NOT NULL`).all() as { id: string }[]
    ).map((r) => r.id);

  const headOf = (integrationId: string, now: number, kinds: readonly string[] | undefined): JobRow | undefined => {
    const kindFilter = kinds ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    return stmt(
      `SELECT * FROM jobs WHERE state = 'queued' AND integration_id = ? AND not_before <= ?${kindFilter}
       ORDER BY priority DESC, not_before, created_at, id LIMIT 1`,
    ).get(integrationId, now, ...(kinds ?? [])) as JobRow | undefined;
  };

  return {
    async enqueue(input) {
      const job = newJobRecord(input, clock.now());
      const created = insert.run(toRow(job)).changes === 1;
      if (created) return { job, created };
      const existing = read(job.id);
      if (!existing) throw new NotFoundError(`job ${job.id} vanished while enqueueing`);
      return { job: existing, created: false };
    },

    async get(id) {
      return read(id);
    },

    async claim(request) {
      validateClaim(request.workerId, request.leaseMs);
      validateCap(request);
      if (request.kinds?.length === 0 || request.integrationIds?.length === 0) return null;
      return db
        .transaction((): ActiveJob | null => {
          const now = clock.now();
          const paused = pausedSet();
          const active = new Map(
            (stmt(`SELECT integration_id, COUNT(*) AS n FROM jobs WHERE state = 'active' GROUP BY integration_id`).all() as {
              integration_id: string;
              n: number;
            }[]).map((r) => [r.integration_id, r.n]),
          );
          let best: { lane: LaneHead; row: JobRow } | null = null;
          for (const integrationId of request.integrationIds ?? queuedLanes()) {
            const activeCount = active.get(integrationId) ?? 0;
            if (!laneEligible(integrationId, request, paused, activeCount)) continue;
            const row = headOf(integrationId, now, request.kinds);
            if (!row) continue;
            const lane: LaneHead = {
              integrationId,
              active: activeCount,
              head: { notBefore: row.not_before, createdAt: row.created_at, id: row.id },
            };
            if (!best || compareLanes(lane, best.lane) < 0) best = { lane, row };
          }
          if (!best) return null;
          const next = claimTransition(toJob(best.row), { workerId: request.workerId, token: newLeaseToken(), leaseMs: request.leaseMs }, now);
          write.run(toRow(next));
          return next;
        })
        .immediate();
    },

    async renew(lease, leaseMs) {
      return change(lease.id, (job, now) => renewTransition(job, lease, leaseMs, now));
    },

    async saveProgress(lease, progress: JobProgress) {
      return change(lease.id, (job, now) => progressTransition(job, lease, progress, now));
    },

    async complete(lease, result) {
      return change(lease.id, (job, now) => completeTransition(job, lease, result, now));
    },

    async retryLater(lease, error, notBefore) {
      return change(lease.id, (job, now) => retryLaterTransition(job, lease, error, notBefore, now));
    },

    async fail(lease, error) {
      return change(lease.id, (job, now) => failTransition(job, lease, error, now));
    },

    async release(lease, options) {
      return change(lease.id, (job, now) => releaseTransition(job, lease, options, now));
    },

    async recoverStalled({ maxStalledCount }) {
      return db
        .transaction(() => {
          const now = clock.now();
          const report = { requeued: [] as string[], failed: [] as string[] };
          const rows = stmt(`SELECT * FROM jobs WHERE state = 'active' AND lease_expires_at < ?`).all(now) as JobRow[];
          for (const row of rows) {
            const next = stallTransition(toJob(row), maxStalledCount, now);
            if (!next) continue;
            write.run(toRow(next));
            (next.state === 'failed' ? report.failed : report.requeued).push(next.id);
          }
          return report;
        })
        .immediate();
    },

    async requeue(id) {
      return change(id, (job, now) => {
        if (!job) throw new NotFoundError(`job ${id} not found`);
        return requeueTransition(job, now);
      });
    },

    async pause(integrationId, reason) {
      stmt(
        `INSERT INTO queue_pauses (integration_id, reason, paused_at) VALUES (?, ?, ?)
         ON CONFLICT (integration_id) DO UPDATE SET reason = excluded.reason`,
      ).run(integrationId, reason, clock.now());
    },

    async resume(integrationId) {
      return stmt('DELETE FROM queue_pauses WHERE integration_id = ?').run(integrationId).changes > 0;
    },

    async paused() {
      return (
        stmt('SELECT integration_id, reason, paused_at FROM queue_pauses ORDER BY paused_at, integration_id').all() as {
          integration_id: string;
          reason: string;
          paused_at: number;
        }[]
      ).map((r) => ({ integrationId: r.integration_id, reason: r.reason, pausedAt: r.paused_at }));
    },

    async list(query) {
      return newestFirstPage(stmt, query, {
        select: 'SELECT * FROM jobs',
        filters: { integration_id: query.integrationId, state: query.state, kind: query.kind },
        timeColumn: 'created_at',
        idColumn: 'id',
        toItem: toJob,
        keyOf: (j) => ({ time: j.createdAt, id: j.id }),
      });
    },

    async countByState(integrationId) {
      const rows = (
        integrationId === undefined
          ? stmt('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all()
          : stmt('SELECT state, COUNT(*) AS n FROM jobs WHERE integration_id = ? GROUP BY state').all(integrationId)
      ) as { state: JobState; n: number }[];
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
      for (const r of rows) counts[r.state] = r.n;
      return counts;
    },

    async purge({ finishedBefore }) {
      return stmt(`DELETE FROM jobs WHERE state IN ('completed', 'failed') AND completed_at < ?`).run(finishedBefore).changes;
    },
  };
}
