/**
 * Every change a job can go through, as pure functions from the job as read to the job to write.
 * Both adapters apply these inside their own atomic step (a SQLite write transaction; a MongoDB
 * revision insert), so the rules — lease checks above all — are the same everywhere.
 */
import { JobStateError, LeaseLostError, StoreValidationError } from './errors.js';
import { jobIdFor } from './ids.js';
import type { JsonValue } from './json.js';
import { isJsonObject } from './json.js';
import type { ActiveJob, Job, JobError, JobProgress, LeaseRef, NewJob } from './model.js';
import { requireInt, requireText, requireTime } from './validate.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_LEASE_MS = 24 * 60 * 60 * 1000;

export function newJobRecord(input: NewJob, now: number): Job {
  const idempotencyKey = requireText('idempotencyKey', input.idempotencyKey, 1000);
  if (!isJsonObject(input.payload)) throw new StoreValidationError('payload must be a JSON object');
  return {
    id: jobIdFor(idempotencyKey),
    kind: requireText('kind', input.kind, 100),
    integrationId: requireText('integrationId', input.integrationId, 200),
    idempotencyKey,
    payload: input.payload,
    state: 'queued',
    priority: requireInt('priority', input.priority ?? 0, -1000, 1000),
    attempts: 0,
    maxAttempts: requireInt('maxAttempts', input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, 1000),
    notBefore: requireTime('notBefore', input.notBefore ?? now),
    leaseOwner: null,
    leaseToken: null,
    leaseExpiresAt: null,
    stalledCount: 0,
    progress: {},
    lastError: null,
    result: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    rev: 0,
  };
}

export function isClaimable(job: Job, now: number): boolean {
  return job.state === 'queued' && job.notBefore <= now;
}

export function claimTransition(job: Job, claim: { workerId: string; token: string; leaseMs: number }, now: number): ActiveJob {
  return {
    ...job,
    state: 'active',
    attempts: job.attempts + 1,
    leaseOwner: claim.workerId,
    leaseToken: claim.token,
    leaseExpiresAt: now + claim.leaseMs,
    updatedAt: now,
    rev: job.rev + 1,
  };
}

export function validateClaim(workerId: string, leaseMs: number): void {
  requireText('workerId', workerId, 200);
  requireInt('leaseMs', leaseMs, 1, MAX_LEASE_MS);
}

/** The job, if `lease` still holds it; otherwise LeaseLostError. */
export function assertLease(job: Job | null, lease: LeaseRef): ActiveJob {
  if (!job) throw new LeaseLostError(`job ${lease.id} no longer exists`);
  if (job.state !== 'active' || job.leaseToken !== lease.leaseToken) {
    throw new LeaseLostError(`the lease on job ${lease.id} was lost (the job is now ${job.state})`);
  }
  return job as ActiveJob;
}

export function renewTransition(job: Job | null, lease: LeaseRef, leaseMs: number, now: number): ActiveJob {
  requireInt('leaseMs', leaseMs, 1, MAX_LEASE_MS);
  const held = assertLease(job, lease);
  return { ...held, leaseExpiresAt: now + leaseMs, updatedAt: now, rev: held.rev + 1 };
}

export function progressTransition(job: Job | null, lease: LeaseRef, progress: JobProgress, now: number): ActiveJob {
  if (!isJsonObject(progress)) throw new StoreValidationError('progress must be a JSON object');
  const held = assertLease(job, lease);
  return { ...held, progress: dropUndefined(progress), updatedAt: now, rev: held.rev + 1 };
}

export function completeTransition(job: Job | null, lease: LeaseRef, result: JsonValue | undefined, now: number): Job {
  const held = assertLease(job, lease);
  return {
    ...endLease(held),
    state: 'completed',
    result: result ?? null,
    // an error from an earlier attempt would make a success look like a failure in the console
    lastError: null,
    completedAt: now,
    updatedAt: now,
    rev: held.rev + 1,
  };
}

export function retryLaterTransition(job: Job | null, lease: LeaseRef, error: JobError, notBefore: number, now: number): Job {
  const held = assertLease(job, lease);
  return {
    ...endLease(held),
    state: 'queued',
    notBefore: requireTime('notBefore', notBefore),
    lastError: error,
    updatedAt: now,
    rev: held.rev + 1,
  };
}

export function failTransition(job: Job | null, lease: LeaseRef, error: JobError, now: number): Job {
  const held = assertLease(job, lease);
  return { ...endLease(held), state: 'failed', lastError: error, completedAt: now, updatedAt: now, rev: held.rev + 1 };
}

export function releaseTransition(
  job: Job | null,
  lease: LeaseRef,
  options: { notBefore: number; refundAttempt: boolean },
  now: number,
): Job {
  const held = assertLease(job, lease);
  return {
    ...endLease(held),
    state: 'queued',
    attempts: options.refundAttempt ? Math.max(0, held.attempts - 1) : held.attempts,
    notBefore: requireTime('notBefore', options.notBefore),
    updatedAt: now,
    rev: held.rev + 1,
  };
}

export function isStalled(job: Job, now: number): boolean {
  return job.state === 'active' && job.leaseExpiresAt !== null && job.leaseExpiresAt < now;
}

/** The recovered job, or null if it is not stalled (any more). */
export function stallTransition(job: Job, maxStalledCount: number, now: number): Job | null {
  if (!isStalled(job, now)) return null;
  const stalledCount = job.stalledCount + 1;
  if (stalledCount > maxStalledCount) {
    return {
      ...endLease(job),
      state: 'failed',
      stalledCount,
      lastError: {
        code: 'JOB_STALLED',
        message: `the job's lease expired ${stalledCount} times without the worker finishing`,
        retryable: false,
        at: now,
      },
      completedAt: now,
      updatedAt: now,
      rev: job.rev + 1,
    };
  }
  return { ...endLease(job), state: 'queued', stalledCount, notBefore: now, updatedAt: now, rev: job.rev + 1 };
}

export function requeueTransition(job: Job, now: number): Job {
  if (job.state !== 'failed') throw new JobStateError(`only a failed job can be retried; job ${job.id} is ${job.state}`);
  return {
    ...job,
    state: 'queued',
    attempts: 0,
    stalledCount: 0,
    notBefore: now,
    completedAt: null,
    updatedAt: now,
    rev: job.rev + 1,
  };
}

function endLease(job: Job): Job {
  return { ...job, leaseOwner: null, leaseToken: null, leaseExpiresAt: null };
}

function dropUndefined(progress: JobProgress): JobProgress {
  return JSON.parse(JSON.stringify(progress)) as JobProgress;
}
