import type { BotConnection } from '../../../bot/src/bot-adapter.js';
import { BotSendError } from '../../../bot/src/bot-errors.js';
import { notifyOrganizer, type RecordingArchived } from '../../../bot/src/recording-notifier.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { JobHandler } from '../queue/worker.js';
import type { JsonObject } from '../store/json.js';
import type { Store } from '../store/store.js';
import { createAttachTranscriptHandler } from './attach-transcript.js';
import { checkIntegration, recheckPaused, recordBlocking, recordTranscriptWarning, withHealth, type HealthDeps } from './health.js';
import { createIngestRecordingHandler } from './ingest-recording.js';
import type { IntegrationContexts } from './integration-context.js';
import { JobKind } from './job-kinds.js';
import { SubscriptionManager, sweepJob } from './subscriptions.js';
import { checkSecretExpiry } from './secret-expiry.js';
import { createSweepHandler } from './sweep.js';
import { clearFixedTranscriptWarning } from './transcript-recovery.js';

export interface PipelineOptions {
  store: Store;
  contexts: IntegrationContexts;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  entryUrlTemplate: string;
  bot?: BotConnection;
  chunkSize?: number;
  /** scheduler periods; tests shorten them */
  every?: { subscriptionsMs?: number; sweepMs?: number; healthMs?: number; secretExpiryMs?: number };
  /** how long a transcript waits before looking again for its archived recording */
  transcriptWaitMs?: number;
}

export interface Pipeline {
  handlers: Record<string, JobHandler>;
  subscriptions: SubscriptionManager;
  health: HealthDeps;
  /** subscriptions, sweeps and health checks on timers (worker role) */
  startScheduler(): void;
  stopScheduler(): void;
  /** one pass of every scheduled duty, now */
  runScheduledOnce(): Promise<void>;
}

/** Wires the ingestion handlers and their schedules from the store and the clients. */
export function createPipeline(o: PipelineOptions): Pipeline {
  const { store, contexts, clock, logger } = o;
  const health: HealthDeps = { contexts, integrations: store.integrations, jobs: store.jobs, clock, logger };
  const transcriptProblem = (integrationId: string, err: AppError) => recordTranscriptWarning(health, integrationId, err);
  const subscriptions = new SubscriptionManager({
    contexts,
    subscriptions: store.subscriptions,
    jobs: store.jobs,
    publicUrl: o.publicUrl,
    clock,
    logger,
    onTranscriptProblem: transcriptProblem,
  });

  const notify: JobHandler = async (job) => {
    if (!o.bot) return { skipped: 'no bot configured', activityId: null };
    const event = job.payload as unknown as RecordingArchived;
    try {
      const activityId = await notifyOrganizer(
        o.bot,
        {
          get: (t, u) => store.conversations.get(t, u),
          save: (t, u, r) => store.conversations.save(t, u, r as JsonObject),
        },
        event,
      );
      return { skipped: null, activityId };
    } catch (err) {
      if (err instanceof BotSendError) {
        // an organizer without the app installed is not the integration's fault: no pause, no endless retry
        throw new AppError(err.code, err.message, { retryable: err.retryable, retryAfterMs: err.details.retryAfterMs });
      }
      throw err;
    }
  };

  const handlers: Record<string, JobHandler> = {
    [JobKind.ingestRecording]: withHealth(
      health,
      createIngestRecordingHandler({
        contexts,
        recordings: store.recordings,
        jobs: store.jobs,
        logger,
        entryUrlTemplate: o.entryUrlTemplate,
        chunkSize: o.chunkSize,
        onTranscriptProblem: transcriptProblem,
      }),
    ),
    [JobKind.attachTranscript]: withHealth(
      health,
      createAttachTranscriptHandler({ contexts, recordings: store.recordings, recordingWaitMs: o.transcriptWaitMs, onTranscriptProblem: transcriptProblem }),
    ),
    [JobKind.sweep]: withHealth(health, createSweepHandler({
        contexts,
        jobs: store.jobs,
        cursors: store.cursors,
        clock,
        onTranscriptProblem: transcriptProblem,
      })),
    [JobKind.subscriptionLifecycle]: withHealth(health, (job) => subscriptions.handleLifecycle(job)),
    'notify-organizer': notify,
  };

  const duty = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      logger.error({ err, duty: name }, 'scheduled duty failed');
    }
  };

  const syncSubscriptions = async () => {
    for (const integration of await store.integrations.list()) {
      try {
        if (integration.enabled) {
          await subscriptions.ensure(integration.id);
          await clearFixedTranscriptWarning({ store, health, clock, logger }, integration);
        } else await subscriptions.removeAll(integration.id);
      } catch (err) {
        if (err instanceof AppError && err.blocking) {
          await recordBlocking(health, integration.id, err);
          await store.jobs.pause(integration.id, err.code);
        } else logger.warn({ err, integrationId: integration.id }, 'could not update Graph subscriptions; will try again');
      }
    }
  };

  const checkSecrets = async () => {
    for (const integration of await store.integrations.list()) {
      try {
        const result = await checkSecretExpiry(health, integration);
        if (result.outcome === 'expiring') logger.warn({ integrationId: integration.id, expiresAt: result.expiresAt }, 'the Entra client secret expires soon');
      } catch (err) {
        // a blocking problem shows through the other duties; this one only adds a warning
        logger.debug({ err, integrationId: integration.id }, 'could not read the secret expiry');
      }
    }
  };

  const queueSweeps = async () => {
    const bucket = Math.floor(clock.now() / (o.every?.sweepMs ?? 3_600_000));
    for (const integration of await store.integrations.list()) {
      if (integration.enabled) await store.jobs.enqueue(sweepJob(integration.id, {}, 'sweep', `t${bucket}`));
    }
  };

  const timers: NodeJS.Timeout[] = [];
  return {
    handlers,
    subscriptions,
    health,
    async runScheduledOnce() {
      await duty('subscriptions', syncSubscriptions);
      await duty('sweeps', queueSweeps);
      await duty('health', () => recheckPaused(health));
      await duty('secret-expiry', checkSecrets);
    },
    startScheduler() {
      const every = (ms: number, name: string, run: () => Promise<void>) => {
        const t = setInterval(() => void duty(name, run), ms);
        t.unref();
        timers.push(t);
      };
      void this.runScheduledOnce();
      every(o.every?.subscriptionsMs ?? 15 * 60_000, 'subscriptions', syncSubscriptions);
      every(o.every?.sweepMs ?? 3_600_000, 'sweeps', queueSweeps);
      every(o.every?.healthMs ?? 2 * 60_000, 'health', () => recheckPaused(health));
      every(o.every?.secretExpiryMs ?? 6 * 3_600_000, 'secret-expiry', checkSecrets);
    },
    stopScheduler() {
      timers.splice(0).forEach(clearInterval);
    },
  };
}

export { checkIntegration };
