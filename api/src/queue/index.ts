export { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type RetryPolicy } from './backoff.js';
export { describeFailure, PermanentJobError, type JobFailure } from './failure.js';
export { JobQueue, type EnqueueOptions, type FailOutcome, type JobQueueOptions } from './job-queue.js';
export { keepLease, type LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.js';
export { createWorker, type JobContext, type JobHandler, type Worker, type WorkerOptions } from './worker.js';
