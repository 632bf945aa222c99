import type { Collection, Filter } from 'mongodb';
import { ContentionError } from '../errors.js';
import { parseJson } from '../json.js';
import type { Job } from '../model.js';
import { fromJobDoc, revisionId, toJobDoc, type JobDoc, type JobRevisionDoc } from './job-documents.js';
import { isDuplicateKey } from './mongo-errors.js';

/**
 * Atomic job changes on any MongoDB-protocol server, without transactions.
 *
 * Why not `findOneAndUpdate` with a conditional filter: on FerretDB 1.x (our test server, and a
 * supported production target) updates are read-modify-write inside the server, so two conditional
 * updates of the same document can both succeed — four processes claiming 300 jobs claimed 959 times.
 * What every server does atomically is reject a duplicate `_id`.
 *
 * So each change of a job from revision r is committed by inserting revision r+1 into
 * `job_revisions` under the unique id `<job>.<incarnation>.<r+1>`; exactly one writer can win it. The
 * winner then writes the new state to `jobs`, which is a cache of the newest committed revision used
 * for queries. A writer that loses re-reads and decides again. If a winner dies between the two
 * writes, the next writer to touch the job finds the newer revision and copies it into the cache
 * ("healing") before deciding.
 *
 * Revisions no writer can still need are deleted by `purge` (ledger-compaction.ts says which and why).
 */
export interface JobLedger {
  /** the newest committed state of a job, healing the cache if it is behind */
  read(id: string): Promise<{ job: Job; inc: string } | null>;
  /**
   * Reads (or starts from `hint`, a document this process just read), calls `decide` with the job
   * and the time, and commits its result. `decide` returns null for "nothing to do" and may throw
   * (LeaseLostError…), which aborts. Retries on conflict; returns the committed job or null.
   */
  change<T extends Job>(id: string, decide: (job: Job | null, now: number) => T | null, hint?: JobDoc): Promise<T | null>;
  /** one attempt only: null if the job changed since `doc` or `decide` declined */
  tryChange<T extends Job>(doc: JobDoc, decide: (job: Job, now: number) => T | null): Promise<T | null>;
}

const MAX_TRIES = 16;

export function createJobLedger(
  jobs: Collection<JobDoc>,
  revisions: Collection<JobRevisionDoc>,
  now: () => number,
  /** FerretDB evaluates only a bare `{_id}` filter in SQL; any other filter decodes every document */
  bareIdFilters: boolean,
): JobLedger {
  // On MongoDB the conditions keep a slow writer from putting back an older revision, or one of a
  // purged job's earlier incarnation. FerretDB relies on publish()'s re-check alone.
  const cacheFilter = (doc: JobDoc): Filter<JobDoc> =>
    bareIdFilters ? { _id: doc._id } : { _id: doc._id, inc: doc.inc, rev: { $lt: doc.rev } };

  /**
   * Writes `doc` to the cache, then checks that no newer revision was committed meanwhile, and if one
   * was, writes that instead. Every committed revision is in the ledger before its own cache write, so
   * whichever cache write lands last is followed by a check that sees the newest revision: a late,
   * older write can never stay in the cache (FerretDB's replace is unconditional).
   */
  const publish = async (doc: JobDoc): Promise<JobDoc> => {
    let latest = doc;
    for (;;) {
      await jobs.replaceOne(cacheFilter(latest), latest);
      const newer = await revisions.findOne({ _id: revisionId(latest._id, latest.inc, latest.rev + 1) });
      if (!newer) return latest;
      latest = parseJson<JobDoc>(newer.job);
    }
  };

  /** Commits `next` (revision current+1). False if another writer already committed that revision. */
  const commit = async (next: Job, inc: string): Promise<boolean> => {
    const doc = toJobDoc(next, inc);
    try {
      await revisions.insertOne({ _id: revisionId(next.id, inc, next.rev), jobId: next.id, rev: next.rev, at: now(), job: JSON.stringify(doc) });
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    await publish(doc);
    return true;
  };

  /** The newest committed doc, starting from `doc`; republishes the cache if it was behind. */
  const heal = async (doc: JobDoc): Promise<JobDoc> => {
    const newer = await revisions.findOne({ _id: revisionId(doc._id, doc.inc, doc.rev + 1) });
    return newer ? publish(parseJson<JobDoc>(newer.job)) : doc;
  };

  /** The newest doc after losing a race from `stale`. */
  const refresh = async (id: string, stale: JobDoc | null): Promise<JobDoc | null> => {
    const cached = await jobs.findOne({ _id: id });
    if (!cached) return null;
    const newerInCache = !stale || cached.inc !== stale.inc || cached.rev > stale.rev;
    return heal(newerInCache ? cached : stale);
  };

  return {
    async read(id) {
      const cached = await jobs.findOne({ _id: id });
      if (!cached) return null;
      const latest = await heal(cached);
      return { job: fromJobDoc(latest), inc: latest.inc };
    },

    async change(id, decide, hint) {
      let doc: JobDoc | null = hint ?? (await jobs.findOne({ _id: id }));
      for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
        const next = decide(doc ? fromJobDoc(doc) : null, now());
        if (next === null) return null;
        if (doc && (await commit(next, doc.inc))) return next;
        doc = await refresh(id, doc);
      }
      throw new ContentionError(`job ${id} kept changing; gave up after ${MAX_TRIES} tries`);
    },

    async tryChange(doc, decide) {
      const next = decide(fromJobDoc(doc), now());
      if (next === null) return null;
      if (await commit(next, doc.inc)) return next;
      // Lost the race: usually another claimer, occasionally a writer that died mid-way. Healing
      // here keeps a job whose cache says "queued" from being skipped forever.
      await refresh(doc._id, doc);
      return null;
    },
  };
}
