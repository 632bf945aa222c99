import { CodedError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { JsonValue } from '../store/json.js';
import type { ActiveJob, ClaimRequest, Job, JobProgress } from '../store/model.js';
import { LeaseLostError } from '../store/errors.js';
import { describeFailure } from './failure.js';
import type { JobQueue } from './job-queue.js';
import { keepLease } from './lease-keeper.js';

export interface JobContext {
  /** the worker's logger with this job's id, integration and kind on every line */
  logger: Logger;
  /** aborted when the lease is lost or the worker stops; stop work promptly when it fires */
  signal: AbortSignal;
  /** saves progress on the job so that a retry resumes from it */
  saveProgress(progress: JobProgress): Promise<void>;
}

/** Does one job. Throw to fail it (see JobFailure for the properties the error may carry). */
export type JobHandler = (job: ActiveJob, context: JobContext) => Promise<JsonValue | void>;

export interface WorkerOptions {
  queue: JobQueue;
  /** unique per process, e.g. `${hostname}:${pid}` */
  workerId: string;
  /** by job kind; the worker claims only these kinds */
  handlers: Record<string, JobHandler>;
  /** jobs run at once by this worker (WORKER_CONCURRENCY) */
  concurrency: number;
  /** how long a claim holds a job between renewals (WORKER_LEASE_MS) */
  leaseMs: number;
  /** wait when there is nothing to do (WORKER_POLL_MS) */
  pollMs: number;
  /** how often this worker looks for stalled leases (default leaseMs) */
  stalledCheckMs?: number;
  /** fairness and scope (see JobRepository.claim) */
  claim?: Pick<ClaimRequest, 'integrationIds' | 'excludeIntegrationIds' | 'maxActivePerIntegration'>;
  /** errors that are not a job's failure (store outage, lost lease); for logging */
  onError?: (error: unknown, job?: Job) => void;
  /** each job's failures and retries are logged here, on a child with the job's ids */
  logger: Logger;
}

export interface Worker {
  start(): void;
  /** stops claiming; running handlers see their signal abort and their jobs go back to the queue */
  stop(): Promise<void>;
}

class ShutdownError extends CodedError {
  readonly code = 'WORKER_STOPPING';
  constructor() {
    super('the worker is shutting down');
  }
}

/** Claims and runs jobs: `concurrency` loops, each claim → handle (lease kept alive) → complete/fail. */
export function createWorker(options: WorkerOptions): Worker {
  const { queue, handlers } = options;
  const { leaseMs, pollMs } = options;
  const kinds = Object.keys(handlers);
  const report = options.onError ?? (() => undefined);
  const stopping = new AbortController();
  let loops: Promise<void>[] = [];
  let stalledTimer: NodeJS.Timeout | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(t);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
    });

  async function run(job: ActiveJob): Promise<void> {
    const log = options.logger.child({ jobId: job.id, integrationId: job.integrationId, kind: job.kind, attempt: job.attempts });
    const keeper = keepLease(queue, job, { leaseMs, onRenewError: (e) => report(e, job) });
    const signal = AbortSignal.any([keeper.signal, stopping.signal]);
    const handler = handlers[job.kind];
    try {
      if (!handler) throw Object.assign(new Error(`no handler for job kind "${job.kind}"`), { code: 'NO_HANDLER', retryable: false });
      const result = await handler(job, {
        logger: log,
        signal,
        saveProgress: async (progress) => {
          await queue.saveProgress(job, progress);
        },
      });
      keeper.stop();
      await queue.complete(job, result ?? null);
    } catch (error) {
      keeper.stop();
      await settleFailure(job, error, keeper.signal.aborted, log);
    }
  }

  async function settleFailure(job: ActiveJob, error: unknown, leaseLost: boolean, log: Logger): Promise<void> {
    try {
      if (leaseLost || error instanceof LeaseLostError) return report(error, job);
      if (stopping.signal.aborted) {
        await queue.release(job, { refundAttempt: true });
        return;
      }
      const failure = describeFailure(error);
      if (failure.blocking) {
        // The integration is broken, not this job: pause its lane so nothing loops on the same error.
        await queue.pause(job.integrationId, failure.code);
        await queue.release(job, { refundAttempt: true });
        log.warn({ code: failure.code }, 'blocking problem: the integration\'s jobs are paused until it is fixed');
        return;
      }
      const outcome = await queue.fail(job, failure);
      const cause = { code: failure.code, message: failure.message, retryAfterMs: failure.retryAfterMs };
      if (outcome.willRetry) log.warn({ cause, retryAt: new Date(outcome.retryAt!).toISOString() }, 'job failed; it will be retried');
      else log.error({ cause }, 'job failed for good');
    } catch (settleError) {
      report(settleError, job);
    }
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      let job: ActiveJob | null = null;
      try {
        job = await queue.claim({ ...options.claim, workerId: options.workerId, leaseMs, kinds });
      } catch (error) {
        report(error);
      }
      if (job) await run(job);
      else await sleep(pollMs);
    }
  }

  return {
    start() {
      if (loops.length > 0) return;
      loops = Array.from({ length: options.concurrency }, () => loop());
      stalledTimer = setInterval(() => {
        queue.recoverStalled().catch((error: unknown) => report(error));
      }, options.stalledCheckMs ?? leaseMs);
      stalledTimer.unref();
    },
    async stop() {
      if (stalledTimer) clearInterval(stalledTimer);
      stopping.abort(new ShutdownError());
      await Promise.all(loops);
    },
  };
}
