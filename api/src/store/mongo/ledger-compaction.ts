import type { Collection } from 'mongodb';
import { revisionId, type JobDoc, type JobRevisionDoc } from './job-documents.js';

/**
 * How long a committed revision is kept after it could still matter to a writer. A writer commits
 * revision r+1 by inserting its unique id, so a revision that is deleted while some process still
 * holds revision r could be inserted a second time: the ledger's exclusivity rests on keeping every
 * revision a writer may still try to commit. Writers hold what they read for milliseconds (a claim
 * snapshot for seconds); an hour is far beyond any of that short of a process frozen for longer.
 */
export const LEDGER_GRACE_MS = 60 * 60 * 1000;

const BATCH = 500;

type RevisionRef = Pick<JobRevisionDoc, '_id' | 'jobId' | 'rev'>;

/**
 * Drops the revisions no writer can need any more, among those committed before `cutoff`:
 * - every revision of a job that is gone (purged) or of an earlier incarnation of its id;
 * - for a live job, every revision below the newest old revision R that the cache has reached.
 *
 * Why below R is safe: a writer commits from a revision it saw in the cache or in the ledger, and
 * before revision R can be committed its base R-1 has been published to the cache, which then moves
 * only forward (conditionally on MongoDB; on FerretDB a late write of an older one is put right by
 * its own writer's re-check). So a writer that could still try to commit a revision below R read its
 * base before R existed, more than the grace ago. R and everything above it stay, so healing (which
 * looks for cache.rev+1) and the duplicate-id check of the next commit work as before.
 *
 * @returns how many revisions were deleted
 */
export async function compactLedger(jobs: Collection<JobDoc>, revisions: Collection<JobRevisionDoc>, cutoff: number): Promise<number> {
  let deleted = 0;
  let group: RevisionRef[] = [];
  const flush = async () => {
    if (group.length === 0) return;
    deleted += await dropUnneeded(jobs, revisions, group);
    group = [];
  };
  // In job order, so one job's revisions land in one batch (the index's order: Cosmos DB needs one).
  const old = revisions
    .find({ at: { $lt: cutoff } }, { projection: { _id: 1, jobId: 1, rev: 1 } })
    .sort({ jobId: 1, rev: 1 });
  for await (const ref of old) {
    if (group.length >= BATCH && group[group.length - 1]!.jobId !== ref.jobId) await flush();
    group.push(ref);
  }
  await flush();
  return deleted;
}

async function dropUnneeded(jobs: Collection<JobDoc>, revisions: Collection<JobRevisionDoc>, refs: RevisionRef[]): Promise<number> {
  const jobIds = [...new Set(refs.map((r) => r.jobId))];
  const live = new Map(
    (await jobs.find({ _id: { $in: jobIds } }, { projection: { _id: 1, inc: 1, rev: 1 } }).toArray()).map((d) => [d._id, d]),
  );
  const byJob = new Map<string, RevisionRef[]>();
  for (const r of refs) {
    const own = byJob.get(r.jobId);
    if (own) own.push(r);
    else byJob.set(r.jobId, [r]);
  }
  const doomed: string[] = [];
  for (const [jobId, own] of byJob) {
    const cache = live.get(jobId);
    const isCurrent = (r: RevisionRef) => cache !== undefined && r._id === revisionId(jobId, cache.inc, r.rev);
    // R: the newest old revision of this incarnation that the cache has reached
    const floor = own.reduce((max, r) => (isCurrent(r) && r.rev <= cache!.rev && r.rev > max ? r.rev : max), -1);
    for (const r of own) if (!isCurrent(r) || r.rev < floor) doomed.push(r._id);
  }
  let deleted = 0;
  for (let i = 0; i < doomed.length; i += BATCH) {
    deleted += (await revisions.deleteMany({ _id: { $in: doomed.slice(i, i + BATCH) } })).deletedCount;
  }
  return deleted;
}
