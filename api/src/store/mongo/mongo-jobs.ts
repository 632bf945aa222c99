import type { Collection, Filter } from 'mongodb';
import type { Clock } from '../../clock.js';
import { NotFoundError } from '../errors.js';
import { validateCap } from '../fairness.js';
import { newLeaseToken } from '../ids.js';
import {
  claimTransition,
  completeTransition,
  failTransition,
  isClaimable,
  newJobRecord,
  progressTransition,
  releaseTransition,
  renewTransition,
  requeueTransition,
  retryLaterTransition,
  stallTransition,
  validateClaim,
} from '../job-transitions.js';
import type { Job, JobCounts, JobState, LeaseRef } from '../model.js';
import { JOB_STATES } from '../model.js';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
import type { JobRepository } from '../store.js';
import { createClaimPlanner, type ClaimPlannerOptions } from './claim-planner.js';
import { fromJobDoc, newIncarnation, toJobDoc, type JobDoc, type JobRevisionDoc } from './job-documents.js';
import { createJobLedger } from './job-ledger.js';
import { compactLedger, LEDGER_GRACE_MS } from './ledger-compaction.js';
import { isDuplicateKey } from './mongo-errors.js';

export interface PauseDoc {
  _id: string;
  reason: string;
  pausedAt: number;
}

export interface MongoJobCollections {
  jobs: Collection<JobDoc>;
  revisions: Collection<JobRevisionDoc>;
  pauses: Collection<PauseDoc>;
}

/** Jobs on MongoDB: every change goes through the revision ledger (see job-ledger.ts). */
export function createMongoJobs(
  c: MongoJobCollections,
  clock: Clock,
  tuning: { bareIdFilters: boolean; planner: ClaimPlannerOptions },
): JobRepository {
  const ledger = createJobLedger(c.jobs, c.revisions, () => clock.now(), tuning.bareIdFilters);
  const planner = createClaimPlanner(c.jobs, tuning.planner);

  const pausedSet = async () => new Set((await c.pauses.find({}).toArray()).map((p) => p._id));

  /** A change by the lease holder; the job must still exist afterwards. */
  const held = async <T extends Job>(lease: LeaseRef, decide: (job: Job | null, now: number) => T): Promise<T> => {
    const next = await ledger.change(lease.id, decide);
    if (!next) throw new NotFoundError(`job ${lease.id} not found`);
    return next;
  };

  const finished = <T extends Job>(job: T): T => {
    planner.noteFinished(job.integrationId);
    if (job.state === 'queued') planner.invalidate();
    return job;
  };

  return {
    async enqueue(input) {
      const job = newJobRecord(input, clock.now());
      try {
        await c.jobs.insertOne(toJobDoc(job, newIncarnation()));
        planner.invalidate();
        return { job, created: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await ledger.read(job.id);
      if (!existing) throw new NotFoundError(`job ${job.id} vanished while enqueueing`);
      return { job: existing.job, created: false };
    },

    async get(id) {
      return (await ledger.read(id))?.job ?? null;
    },

    async claim(request) {
      validateClaim(request.workerId, request.leaseMs);
      validateCap(request);
      if (request.kinds?.length === 0 || request.integrationIds?.length === 0) return null;
      // "Nothing to do" needs a read begun after this call did, so a job enqueued just before is seen.
      const calledAt = planner.lastSeq();
      const paused = await pausedSet();
      let plan = await planner.plan(request, paused, clock.now());
      for (;;) {
        const candidate = plan.next(request, paused);
        if (!candidate) {
          if (plan.fresh && !plan.shared) return null;
          plan = await planner.plan(request, paused, clock.now(), Math.max(plan.seq, calledAt));
          continue;
        }
        const token = newLeaseToken();
        const claimed = await ledger.tryChange(candidate, (job, now) =>
          isClaimable(job, now) ? claimTransition(job, { workerId: request.workerId, token, leaseMs: request.leaseMs }, now) : null,
        );
        if (claimed) {
          planner.noteClaimed(claimed.integrationId);
          return claimed;
        }
      }
    },

    async renew(lease, leaseMs) {
      return held(lease, (job, now) => renewTransition(job, lease, leaseMs, now));
    },

    async saveProgress(lease, progress) {
      return held(lease, (job, now) => progressTransition(job, lease, progress, now));
    },

    async complete(lease, result) {
      return finished(await held(lease, (job, now) => completeTransition(job, lease, result, now)));
    },

    async retryLater(lease, error, notBefore) {
      return finished(await held(lease, (job, now) => retryLaterTransition(job, lease, error, notBefore, now)));
    },

    async fail(lease, error) {
      return finished(await held(lease, (job, now) => failTransition(job, lease, error, now)));
    },

    async release(lease, options) {
      return finished(await held(lease, (job, now) => releaseTransition(job, lease, options, now)));
    },

    async recoverStalled({ maxStalledCount }) {
      const report = { requeued: [] as string[], failed: [] as string[] };
      const expired = await c.jobs.find({ state: 'active', leaseExpiresAt: { $lt: clock.now() } }).toArray();
      for (const doc of expired) {
        const next = await ledger.change(doc._id, (job, now) => (job ? stallTransition(job, maxStalledCount, now) : null), doc);
        if (!next) continue;
        (next.state === 'failed' ? report.failed : report.requeued).push(next.id);
        planner.noteFinished(next.integrationId);
      }
      if (report.requeued.length > 0) planner.invalidate();
      return report;
    },

    async requeue(id) {
      const next = await ledger.change(id, (job, now) => {
        if (!job) throw new NotFoundError(`job ${id} not found`);
        return requeueTransition(job, now);
      });
      if (!next) throw new NotFoundError(`job ${id} not found`);
      planner.invalidate();
      return next;
    },

    async pause(integrationId, reason) {
      await c.pauses.updateOne(
        { _id: integrationId },
        { $set: { reason }, $setOnInsert: { pausedAt: clock.now() } },
        { upsert: true },
      );
    },

    async resume(integrationId) {
      const resumed = (await c.pauses.deleteOne({ _id: integrationId })).deletedCount === 1;
      if (resumed) planner.invalidate();
      return resumed;
    },

    async paused() {
      const docs = await c.pauses.find({}).sort({ pausedAt: 1, _id: 1 }).toArray();
      return docs.map((d) => ({ integrationId: d._id, reason: d.reason, pausedAt: d.pausedAt }));
    },

    async list(query) {
      const limit = pageLimit(query);
      const cursor = decodeCursor(query.cursor);
      const filter: Filter<JobDoc> = {};
      if (query.integrationId !== undefined) filter.integrationId = query.integrationId;
      if (query.state !== undefined) filter.state = query.state;
      if (query.kind !== undefined) filter.kind = query.kind;
      if (cursor) filter.$or = [{ createdAt: { $lt: cursor.time } }, { createdAt: cursor.time, _id: { $lt: cursor.id } }];
      const docs = await c.jobs.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).toArray();
      return toPage(docs.map(fromJobDoc), limit, (j) => ({ time: j.createdAt, id: j.id }));
    },

    async countByState(integrationId) {
      const match: Filter<JobDoc> = integrationId === undefined ? {} : { integrationId };
      const rows = await c.jobs
        .aggregate<{ _id: JobState; n: number }>([{ $match: match }, { $group: { _id: '$state', n: { $sum: 1 } } }])
        .toArray();
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
      for (const r of rows) counts[r._id] = r.n;
      return counts;
    },

    async purge({ finishedBefore }) {
      const done = await c.jobs
        .find({ state: { $in: ['completed', 'failed'] }, completedAt: { $lt: finishedBefore } }, { projection: { _id: 1 } })
        .toArray();
      let purged = 0;
      for (let i = 0; i < done.length; i += 500) {
        const ids = done.slice(i, i + 500).map((d) => d._id);
        // The state condition again: a job an admin retried meanwhile stays.
        purged += (await c.jobs.deleteMany({ _id: { $in: ids }, state: { $in: ['completed', 'failed'] } })).deletedCount;
        const left = new Set((await c.jobs.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
        await c.revisions.deleteMany({ jobId: { $in: ids.filter((id) => !left.has(id)) } });
      }
      // Every change adds a revision (a long upload renews its lease every few seconds): the ones no
      // writer can still need go too, or the ledger would grow for as long as the app runs.
      await compactLedger(c.jobs, c.revisions, clock.now() - LEDGER_GRACE_MS);
      return purged;
    },
  };
}
