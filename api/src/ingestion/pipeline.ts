import type { Clock } from '../clock.js';
import type { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Notifier } from '../notify/notifier.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { JobHandler } from '../queue/worker.js';
import type { JsonValue } from '../store/json.js';
import type { Store } from '../store/store.js';
import { createAttachTranscriptHandler } from './attach-transcript.js';
import type { Duties } from './duties.js';
import { withHealth, type HealthDeps } from './health.js';
import { createIngestRecordingHandler } from './ingest-recording.js';
import type { IntegrationContexts } from './integration-context.js';
import { JobKind, sweepJob } from './job-kinds.js';
import { createAlertAdminsHandler } from './admin-alerts.js';
import { createNotifyOrganizerHandler, createUpdateOrganizerNoticeHandler } from './notice-handlers.js';
import { createProactiveInstaller } from './proactive-install.js';
import type { SubscriptionManager } from './subscriptions.js';
import { createSweepHandler } from './sweep.js';
import { createCatchUpCallsHandler } from './call-recovery.js';

export interface HandlerDeps {
  store: Pick<Store, 'recordings' | 'cursors' | 'admins'>;
  queue: JobQueue;
  contexts: IntegrationContexts;
  health: HealthDeps;
  subscriptions: SubscriptionManager;
  duties: Duties;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  entryUrlTemplate: string;
  uploadChunkBytes: number;
  transcriptWaitMs: number;
  /** the app package's manifest id, to find the app in a tenant's catalog for proactive install */
  teamsAppId?: string;
}

/**
 * What the worker runs for each kind of job. The parts are built by the composition root (main.ts);
 * this only says which part does which job, and routes blocking failures to the integration's health.
 */
export function createJobHandlers(d: HandlerDeps): Record<string, JobHandler> {
  const { store, queue, contexts, health, clock, logger } = d;
  // a transcript-only or call-only problem is a warning: meeting recordings go on
  const transcriptProblem = async (integrationId: string, err: AppError) => void (await health.keeper.warning(integrationId, err));
  const callProblem = transcriptProblem;
  const installer = createProactiveInstaller({
    contexts,
    teamsAppId: d.teamsAppId,
    warn: (integrationId, problem) => health.keeper.warning(integrationId, problem),
    resolve: (integrationId, codes) => health.keeper.resolve(integrationId, codes),
  });
  const notices = { notifier: d.notifier, recordings: store.recordings, queue, clock, installer };

  const syncSubscriptions: JobHandler = async (job): Promise<JsonValue> => {
    await d.subscriptions.ensure(job.integrationId);
    const c = await contexts.get(job.integrationId);
    if (!c.integration.enabled) return { subscriptions: 'removed' };
    // the first sweep finds what is already recorded; later ones continue from its cursor
    const { created } = await queue.enqueue(sweepJob(job.integrationId, {}, 'sweep', `after:${job.idempotencyKey}`));
    return { subscriptions: 'in place', sweepQueued: created };
  };

  return {
    [JobKind.ingestRecording]: withHealth(
      health,
      createIngestRecordingHandler({
        contexts,
        recordings: store.recordings,
        jobs: queue,
        keeper: health.keeper,
        logger,
        entryUrlTemplate: d.entryUrlTemplate,
        chunkSize: d.uploadChunkBytes,
        onTranscriptProblem: transcriptProblem,
        onCallProblem: callProblem,
      }),
    ),
    [JobKind.attachTranscript]: withHealth(
      health,
      createAttachTranscriptHandler({ contexts, recordings: store.recordings, queue, recordingWaitMs: d.transcriptWaitMs, onTranscriptProblem: transcriptProblem }),
    ),
    [JobKind.sweep]: withHealth(
      health,
      createSweepHandler({ contexts, jobs: queue, cursors: store.cursors, clock, onTranscriptProblem: transcriptProblem, onCallProblem: callProblem }),
    ),
    [JobKind.catchUpCalls]: withHealth(
      health,
      createCatchUpCallsHandler({ contexts, recordings: store.recordings, jobs: queue, clock, logger, onCallProblem: callProblem }),
    ),
    [JobKind.subscriptionLifecycle]: withHealth(health, (job) => d.subscriptions.handleLifecycle(job)),
    [JobKind.syncSubscriptions]: withHealth(health, syncSubscriptions),
    [JobKind.notifyOrganizer]: createNotifyOrganizerHandler(notices),
    [JobKind.updateOrganizerNotice]: createUpdateOrganizerNoticeHandler(notices),
    [JobKind.alertAdmins]: createAlertAdminsHandler({ notifier: d.notifier, admins: store.admins }),
    [JobKind.duty]: d.duties.handler,
  };
}
