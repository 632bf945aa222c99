import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { JobHandler } from '../queue/worker.js';
import type { Store } from '../store/store.js';
import { checkSecretExpiry } from './secret-expiry.js';
import { recheckPaused, recordBlocking, type HealthDeps } from './health.js';
import { dutyJob, sweepJob } from './job-kinds.js';
import type { SubscriptionManager } from './subscriptions.js';
import { clearFixedTranscriptWarning } from './transcript-recovery.js';
import { clearFixedCallWarning } from './call-recovery.js';

export interface DutyPeriods {
  subscriptionsMs: number;
  sweepMs: number;
  healthMs: number;
  secretExpiryMs: number;
  purgeMs: number;
}

export interface DutyDeps {
  store: Pick<Store, 'integrations' | 'jobs' | 'subscriptions' | 'recordings'>;
  queue: Pick<JobQueue, 'enqueue' | 'pause' | 'purge'>;
  subscriptions: SubscriptionManager;
  health: HealthDeps;
  clock: Clock;
  logger: Logger;
  periods: DutyPeriods;
  /** finished jobs older than this are deleted */
  retentionMs: number;
}

export type DutyName = keyof typeof DUTY_PERIOD;

const DUTY_PERIOD = {
  subscriptions: 'subscriptionsMs',
  sweeps: 'sweepMs',
  health: 'healthMs',
  'secret-expiry': 'secretExpiryMs',
  purge: 'purgeMs',
} as const satisfies Record<string, keyof DutyPeriods>;

export const DUTIES = Object.keys(DUTY_PERIOD) as DutyName[];

/**
 * The scheduler's duties: keep subscriptions, queue the periodic sweeps, re-test paused integrations,
 * watch secret expiry, purge finished jobs. Each runs as a `duty` job in the system lane, one per
 * period across all workers (see dutyJob), so N workers do each duty once, not N times.
 */
export function createDuties(d: DutyDeps) {
  const { store, clock, logger } = d;

  const syncSubscriptions = async () => {
    for (const integration of await store.integrations.list()) {
      try {
        if (integration.enabled) {
          // before the subscriptions: once calls can be read, their subscriptions are made in this same round
          await clearFixedCallWarning(d.health, integration);
          await d.subscriptions.ensure(integration.id);
          await clearFixedTranscriptWarning({ store, queue: d.queue, health: d.health, clock, logger }, integration);
        } else await d.subscriptions.removeAll(integration.id);
      } catch (err) {
        if (err instanceof AppError && err.blocking) {
          await recordBlocking(d.health, integration.id, err);
          await d.queue.pause(integration.id, err.code);
        } else logger.warn({ err, integrationId: integration.id }, 'could not update Graph subscriptions; will try again');
      }
    }
  };

  const queueSweeps = async () => {
    const bucket = Math.floor(clock.now() / d.periods.sweepMs);
    for (const integration of await store.integrations.list()) {
      if (integration.enabled) await d.queue.enqueue(sweepJob(integration.id, {}, 'sweep', `t${bucket}`));
    }
  };

  const checkSecrets = async () => {
    for (const integration of await store.integrations.list()) {
      try {
        const result = await checkSecretExpiry(d.health, integration);
        if (result.outcome === 'expiring') logger.warn({ integrationId: integration.id, expiresAt: result.expiresAt }, 'the Entra client secret expires soon');
      } catch (err) {
        // a blocking problem shows through the other duties; this one only adds a warning
        logger.debug({ err, integrationId: integration.id }, 'could not read the secret expiry');
      }
    }
  };

  const purge = async () => {
    const removed = await d.queue.purge(d.retentionMs);
    if (removed > 0) logger.info({ removed }, 'finished jobs purged');
  };

  const run: Record<DutyName, () => Promise<void>> = {
    subscriptions: syncSubscriptions,
    sweeps: queueSweeps,
    health: () => recheckPaused(d.health),
    'secret-expiry': checkSecrets,
    purge,
  };

  const handler: JobHandler = async (job) => {
    const name = (job.payload as { duty?: string }).duty as DutyName;
    if (!run[name]) throw new AppError('UNKNOWN_DUTY', `no scheduled duty is called "${String(name)}"`);
    await run[name]();
    return { duty: name };
  };

  return {
    handler,
    /** runs every duty now, in this process (tests, and `doctor`) */
    async runAll(): Promise<void> {
      for (const name of DUTIES) {
        try {
          await run[name]();
        } catch (err) {
          logger.error({ err, duty: name }, 'scheduled duty failed');
        }
      }
    },
    /** the job that does `name` for the current period */
    jobFor(name: DutyName, now = clock.now()) {
      return dutyJob(name, d.periods[DUTY_PERIOD[name]], now);
    },
    /** a round for this start of this worker alone */
    startJobFor(name: DutyName, startedAt: number) {
      return dutyJob(name, 1, startedAt, 'start');
    },
  };
}

export type Duties = ReturnType<typeof createDuties>;

/**
 * Each worker's timers: when a period starts, enqueue its duty job (idempotent across workers). At
 * start every duty's current period is enqueued at once (so the start counts as that period's run,
 * not an extra one). The subscription check also runs at every start of a worker whose period's
 * check had already finished: Graph may have forgotten the subscriptions while the app was down
 * (and the sandbox's emulators always do), and waiting a period would leave recordings unannounced.
 */
export function startScheduler(duties: Duties, queue: Pick<JobQueue, 'enqueue'>, periods: DutyPeriods, logger: Logger, now: () => number = Date.now): () => void {
  const startedAt = now();
  const warn = (name: DutyName) => (err: unknown) => logger.warn({ err, duty: name }, 'could not queue a scheduled duty; will try at the next tick');
  const startRound = async (name: DutyName) => {
    const { job, created } = await queue.enqueue(duties.jobFor(name, startedAt));
    const done = !created && job.completedAt !== null && job.completedAt < startedAt;
    if (name === 'subscriptions' && done) await queue.enqueue(duties.startJobFor(name, startedAt));
  };
  const timers: NodeJS.Timeout[] = [];
  for (const name of DUTIES) {
    void startRound(name).catch(warn(name));
    const period = periods[DUTY_PERIOD[name]];
    // tick more often than the period, so a period's job is queued soon after it starts
    const t = setInterval(() => void queue.enqueue(duties.jobFor(name)).catch(warn(name)), Math.max(250, Math.min(period, 60_000) / 2));
    t.unref();
    timers.push(t);
  }
  return () => timers.splice(0).forEach(clearInterval);
}
