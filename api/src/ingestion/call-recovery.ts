import type { Clock } from '../clock.js';
import type { AppError } from '../errors.js';
import type { HealthChange } from '../health/integration-health.js';
import type { Logger } from '../logging/logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { JobContext } from '../queue/worker.js';
import type { ActiveJob, Integration } from '../store/model.js';
import type { RecordingRepository } from '../store/store.js';
import { callOnlyFailure, CALL_ONLY_CODES, isCallOnly, isCallOnlyCode } from './call-problems.js';
import type { HealthDeps } from './health.js';
import type { IntegrationContexts } from './integration-context.js';
import { catchUpCallsJob, ingestCallRecordingJob, retryCallTranscriptJob } from './job-kinds.js';

/**
 * How far back calls are caught up: as far as an integration's first sweep looks (the sweeps skipped
 * calls while the problem lasted, the first one included), or to a little before the problem began
 * when it is older.
 */
export const CALLS_LOOKBACK_MS = 30 * 86_400_000;
const OVERLAP_MS = 6 * 3_600_000;

/**
 * When a call-only problem goes (the permission was granted, whoever noticed: the scheduled check,
 * "Test connection", a settings change), the calls recorded meanwhile are caught up. The health's
 * revision makes it one job per change.
 */
export function callCatchUpFor(change: Pick<HealthChange, 'integration' | 'removed'>, now: number): ReturnType<typeof catchUpCallsJob> | null {
  const gone = change.removed.filter((p) => isCallOnlyCode(p.code));
  if (gone.length === 0 || !change.integration.enabled || !change.integration.settings.includeAdhocCalls) return null;
  const since = Math.min(...gone.map((p) => p.since));
  return catchUpCallsJob(change.integration.id, Math.min(since - OVERLAP_MS, now - CALLS_LOOKBACK_MS), `healed:${change.integration.health.rev}`);
}

/**
 * The scheduled check of a call-only warning: Graph is asked whether calls can be read now, and what
 * can is cleared (which starts the catch-up above). With the switch off, the warning is moot.
 */
export async function clearFixedCallWarning(deps: Pick<HealthDeps, 'contexts' | 'keeper'>, integration: Integration): Promise<void> {
  const warned = integration.health.problems.map((p) => p.code).filter(isCallOnlyCode);
  if (warned.length === 0) return;
  // a permission granted since shows only in a new token
  deps.contexts.forget(integration.id);
  const c = await deps.contexts.get(integration.id);
  if (!c.settings.includeAdhocCalls) {
    await deps.keeper.resolve(integration.id, CALL_ONLY_CODES);
    return;
  }
  const fixed: string[] = [];
  if (await callsReadable(() => c.graph.verifyCallAccess({ transcripts: false }))) fixed.push('MISSING_CALL_RECORDING_PERMISSION');
  if (!c.settings.uploadTranscripts || (await callsReadable(() => c.graph.verifyCallAccess({ transcripts: true })))) fixed.push('MISSING_CALL_TRANSCRIPT_PERMISSION');
  const resolved = warned.filter((code) => fixed.includes(code));
  if (resolved.length) await deps.keeper.resolve(integration.id, resolved);
}

/** false while calls are still refused; anything else (an outage) is no news either way. */
async function callsReadable(probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

export interface CatchUpDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  recordings: Pick<RecordingRepository, 'get'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  onCallProblem?: (integrationId: string, err: AppError) => Promise<void>;
}

/**
 * The `catch-up-calls` job: every user's ad hoc call recordings since `from`, each queued unless it
 * is archived or on its way: never seen ones under their own key (a job that is still queued stays
 * the one), ones that failed for a call permission again under this job's key, and archived ones
 * without their transcript get their transcripts looked for again.
 */
export function createCatchUpCallsHandler(deps: CatchUpDeps) {
  return async (job: ActiveJob, ctx: JobContext): Promise<{ recordings: number; queued: number } | { skipped: string }> => {
    const { from } = job.payload as { from: number };
    const c = await deps.contexts.get(job.integrationId);
    if (!c.integration.enabled || !c.settings.includeAdhocCalls) return { skipped: 'ad hoc calls are off' };
    const window = { from: new Date(from), to: new Date(deps.clock.now()) };
    const retryAt = job.createdAt;
    let recordings = 0;
    let queued = 0;
    try {
      for await (const user of c.graph.listUsers()) {
        if (ctx.signal.aborted) throw new Error('catch-up interrupted');
        for await (const r of c.graph.listCallRecordings(user.id, window)) {
          recordings += 1;
          const ref = { callId: r.callId, recordingId: r.id, initiatorId: r.organizerId };
          const record = await deps.recordings.get({ integrationId: job.integrationId, recordingId: r.id });
          let next;
          if (!record) next = ingestCallRecordingJob(job.integrationId, ref, 'catch-up');
          else if (record.state === 'failed' && isCallOnlyCode(record.error?.code)) next = ingestCallRecordingJob(job.integrationId, ref, 'catch-up', retryAt);
          else if (record.state === 'archived' && c.settings.uploadTranscripts && record.transcript.state !== 'attached') {
            next = retryCallTranscriptJob(job.integrationId, { ...ref, around: Date.parse(r.createdDateTime) }, retryAt);
          }
          if (next && (await deps.jobs.enqueue(next)).created) queued += 1;
        }
      }
    } catch (err) {
      if (!isCallOnly(err)) throw err;
      await deps.onCallProblem?.(job.integrationId, err as AppError);
      throw callOnlyFailure(err as AppError);
    }
    deps.logger.info({ integrationId: job.integrationId, recordings, queued }, 'ad hoc calls caught up');
    return { recordings, queued };
  };
}
