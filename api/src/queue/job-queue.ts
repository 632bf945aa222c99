import type { Clock } from '../clock.js';
import type { JsonValue } from '../store/json.js';
import type {
  ActiveJob,
  ClaimRequest,
  EnqueueResult,
  Job,
  JobError,
  JobProgress,
  LeaseRef,
  NewJob,
  PausedIntegration,
  StalledReport,
} from '../store/model.js';
import type { JobRepository } from '../store/store.js';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './backoff.js';
import type { JobFailure } from './failure.js';

export interface JobQueueOptions {
  jobs: JobRepository;
  clock: Clock;
  /** in [0, 1); default Math.random; tests pass a fixed one */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** a job whose lease expires more often than this fails with JOB_STALLED (default 2) */
  maxStalledCount?: number;
  /** attempts of a job whose factory names none (JOB_MAX_ATTEMPTS) */
  defaultMaxAttempts: number;
}

/** A job from one of the factories (ingestion/job-kinds.ts), optionally delayed. */
export type EnqueueOptions = NewJob & {
  /** not before now + delayMs (`notBefore` wins) */
  delayMs?: number;
};

export interface FailOutcome {
  job: Job;
  /** false when the job is now failed for good */
  willRetry: boolean;
  retryAt: number | null;
}

/**
 * The job queue: policy (defaults, retries with backoff, stalled-lease limits) over the durable job
 * table of the Store. Any number of processes can run one over the same database.
 */
/** The pause reason of a disabled integration. */
export const DISABLED_REASON = 'DISABLED';

export class JobQueue {
  private readonly jobs: JobRepository;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly maxStalledCount: number;
  private readonly defaultMaxAttempts: number;

  constructor(options: JobQueueOptions) {
    this.jobs = options.jobs;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.maxStalledCount = options.maxStalledCount ?? 2;
    this.defaultMaxAttempts = options.defaultMaxAttempts;
  }

  get retryPolicy(): Readonly<RetryPolicy> {
    return this.policy;
  }

  /** The one way a job enters the queue. */
  enqueue(options: EnqueueOptions): Promise<EnqueueResult> {
    const notBefore = options.notBefore ?? this.clock.now() + (options.delayMs ?? 0);
    return this.jobs.enqueue({
      kind: options.kind,
      integrationId: options.integrationId,
      idempotencyKey: options.idempotencyKey,
      payload: options.payload,
      priority: options.priority ?? 0,
      maxAttempts: options.maxAttempts ?? this.defaultMaxAttempts,
      notBefore,
    });
  }

  /** See JobRepository.claim for exclusivity and fairness. */
  claim(request: ClaimRequest): Promise<ActiveJob | null> {
    return this.jobs.claim(request);
  }

  renew(lease: LeaseRef, leaseMs: number): Promise<ActiveJob> {
    return this.jobs.renew(lease, leaseMs);
  }

  saveProgress(lease: LeaseRef, progress: JobProgress): Promise<ActiveJob> {
    return this.jobs.saveProgress(lease, progress);
  }

  complete(lease: LeaseRef, result?: JsonValue): Promise<Job> {
    return this.jobs.complete(lease, result);
  }

  /**
   * Records a failed attempt: back to the queue after the backoff delay (or the server's Retry-After)
   * while attempts remain and the failure is retryable; otherwise failed for good.
   */
  async fail(job: ActiveJob, failure: JobFailure): Promise<FailOutcome> {
    const now = this.clock.now();
    const error: JobError = { code: failure.code, message: failure.message, retryable: failure.retryable, at: now };
    if (failure.retryable && job.attempts < job.maxAttempts) {
      const retryAt = now + retryDelay(job.attempts, this.policy, this.random, failure.retryAfterMs);
      return { job: await this.jobs.retryLater(job, error, retryAt), willRetry: true, retryAt };
    }
    const final: JobError = failure.retryable
      ? { ...error, message: `${error.message} (gave up after ${job.attempts} attempts)` }
      : error;
    return { job: await this.jobs.fail(job, final), willRetry: false, retryAt: null };
  }

  /**
   * Hands a job back unfinished (shutdown, or its integration was just paused). By default the
   * attempt does not count.
   */
  release(lease: LeaseRef, options: { delayMs?: number; refundAttempt?: boolean } = {}): Promise<Job> {
    return this.jobs.release(lease, {
      notBefore: this.clock.now() + (options.delayMs ?? 0),
      refundAttempt: options.refundAttempt ?? true,
    });
  }

  recoverStalled(): Promise<StalledReport> {
    return this.jobs.recoverStalled({ maxStalledCount: this.maxStalledCount });
  }

  /**
   * A disabled integration stays paused as disabled: a job of its lane that was already running and
   * hits a blocking error does not replace that reason (only `resume`, on enable, ends it).
   */
  async pause(integrationId: string, reason: string): Promise<void> {
    if (reason !== DISABLED_REASON && (await this.jobs.paused()).some((p) => p.integrationId === integrationId && p.reason === DISABLED_REASON)) return;
    await this.jobs.pause(integrationId, reason);
  }

  resume(integrationId: string): Promise<boolean> {
    return this.jobs.resume(integrationId);
  }

  paused(): Promise<PausedIntegration[]> {
    return this.jobs.paused();
  }

  /** An admin's retry of a failed job. */
  retry(id: string): Promise<Job> {
    return this.jobs.requeue(id);
  }

  purge(olderThanMs: number): Promise<number> {
    return this.jobs.purge({ finishedBefore: this.clock.now() - olderThanMs });
  }
}
