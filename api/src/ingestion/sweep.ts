import type { Clock } from '../clock.js';
import type { ActiveJob } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { CursorRepository } from '../store/store.js';
import type { JobContext } from '../queue/worker.js';
import type { GraphError } from '../graph/graph-errors.js';
import type { IntegrationContexts } from './integration-context.js';
import { isTranscriptOnly } from './subscriptions.js';
import type { NewJob } from '../store/model.js';
import { isCallOnly } from './call-problems.js';
import { attachCallTranscriptJob, attachTranscriptJob, ingestCallRecordingJob, ingestRecordingJob } from './job-kinds.js';

export interface SweepDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  cursors: Pick<CursorRepository, 'get' | 'set'>;
  clock: Clock;
  /** how far back the first sweep of an integration looks (default 30 days) */
  firstLookbackMs?: number;
  /** each sweep overlaps the previous by this much, for late-appearing recordings (default 6 h) */
  overlapMs?: number;
  onTranscriptProblem?: (integrationId: string, err: GraphError) => Promise<void>;
  /** ad hoc calls cannot be read (their permissions): a warning; meetings are swept all the same */
  onCallProblem?: (integrationId: string, err: GraphError) => Promise<void>;
}

const CURSOR = 'sweep';

/**
 * The safety net under change notifications, and the backfill: for every user in the tenant, list the
 * recordings (and transcripts) of meetings they organized, and when the integration includes them, of
 * ad hoc calls they started, in a window, and queue each one. Queueing is
 * idempotent (one job per recording), so overlapping sweeps and notifications never archive twice.
 * A regular sweep continues from its cursor; a backfill covers the window an admin chose.
 */
export function createSweepHandler(deps: SweepDeps) {
  return async (job: ActiveJob, ctx: JobContext): Promise<{ users: number; recordings: number; queued: number }> => {
    const p = job.payload as { source?: 'sweep' | 'backfill'; from?: number; to?: number };
    const source = p.source === 'backfill' ? 'backfill' : 'sweep';
    const c = await deps.contexts.get(job.integrationId);
    const now = deps.clock.now();
    const cursor = source === 'sweep' ? await deps.cursors.get(job.integrationId, CURSOR) : null;
    const from = p.from ?? (cursor ? Number(cursor.value) - (deps.overlapMs ?? 6 * 3_600_000) : now - (deps.firstLookbackMs ?? 30 * 86_400_000));
    const to = p.to ?? now;
    const window = { from: new Date(from), to: new Date(to) };

    let users = 0;
    let recordings = 0;
    let queued = 0;
    // the parts a transcript-only or call-only problem stops: the rest of this sweep goes on without them
    let transcriptsBlocked = !c.settings.uploadTranscripts;
    let callsBlocked = !c.settings.includeAdhocCalls;
    let callTranscriptsBlocked = !c.settings.includeAdhocCalls || !c.settings.uploadTranscripts;
    const enqueue = async (next: NewJob) => {
      if ((await deps.jobs.enqueue(next)).created) queued += 1;
    };
    /** true when the part met a problem of its own (health shows the warning); anything else is thrown */
    const optionalPart = async (run: () => Promise<void>, transcripts: boolean): Promise<boolean> => {
      try {
        await run();
        return false;
      } catch (err) {
        if (!isCallOnly(err) && !(transcripts && isTranscriptOnly(err))) throw err;
        await (isCallOnly(err) ? deps.onCallProblem : deps.onTranscriptProblem)?.(job.integrationId, err as GraphError);
        return true;
      }
    };
    for await (const user of c.graph.listUsers()) {
      if (ctx.signal.aborted) throw new Error('sweep interrupted');
      users += 1;
      for await (const r of c.graph.listRecordings(user.id, window)) {
        recordings += 1;
        await enqueue(ingestRecordingJob(job.integrationId, { meetingId: r.meetingId, recordingId: r.id, organizerId: r.organizerId }, source));
      }
      if (!transcriptsBlocked) {
        transcriptsBlocked = await optionalPart(async () => {
          for await (const t of c.graph.listTranscripts(user.id, window)) {
            await enqueue(attachTranscriptJob(job.integrationId, { meetingId: t.meetingId, transcriptId: t.id, organizerId: t.organizerId }, source));
          }
        }, true);
      }
      if (!callsBlocked) {
        callsBlocked = await optionalPart(async () => {
          for await (const r of c.graph.listCallRecordings(user.id, window)) {
            recordings += 1;
            await enqueue(ingestCallRecordingJob(job.integrationId, { callId: r.callId, recordingId: r.id, initiatorId: r.organizerId }, source));
          }
        }, false);
      }
      if (!callTranscriptsBlocked) {
        callTranscriptsBlocked = await optionalPart(async () => {
          for await (const t of c.graph.listCallTranscripts(user.id, window)) {
            await enqueue(attachCallTranscriptJob(job.integrationId, { callId: t.callId, transcriptId: t.id, initiatorId: t.organizerId }, source));
          }
        }, true);
      }
    }
    if (source === 'sweep' && p.to === undefined) await deps.cursors.set(job.integrationId, CURSOR, String(to));
    return { users, recordings, queued };
  };
}
