import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../json.js';
import { parseJson } from '../json.js';
import type { Job, JobError, JobProgress, JobState } from '../model.js';

/**
 * A job as stored in MongoDB. Free-form JSON (payload, progress, result, error) is kept as text: keys
 * from Graph such as "@odata.type" would otherwise be refused or mangled by some servers, and
 * FerretDB decodes strings far faster than nested documents on every scan.
 */
export interface JobDoc {
  _id: string;
  /** incarnation: distinguishes this job's revisions from those of a purged job with the same id */
  inc: string;
  kind: string;
  integrationId: string;
  idempotencyKey: string;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  notBefore: number;
  leaseOwner: string | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  stalledCount: number;
  payload: string;
  progress: string;
  lastError: string | null;
  result: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  rev: number;
}

/**
 * One committed revision of a job; its unique `_id` is what makes a change atomic. The snapshot is
 * JSON text: FerretDB parses every document it scans, and text is about half the size of the same
 * job as a nested document in its storage format.
 */
export interface JobRevisionDoc {
  _id: string;
  jobId: string;
  rev: number;
  at: number;
  job: string;
}

export function newIncarnation(): string {
  return randomBytes(6).toString('base64url');
}

export function revisionId(jobId: string, inc: string, rev: number): string {
  return `${jobId}.${inc}.${rev}`;
}

export function toJobDoc(job: Job, inc: string): JobDoc {
  return {
    _id: job.id,
    inc,
    kind: job.kind,
    integrationId: job.integrationId,
    idempotencyKey: job.idempotencyKey,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    notBefore: job.notBefore,
    leaseOwner: job.leaseOwner,
    leaseToken: job.leaseToken,
    leaseExpiresAt: job.leaseExpiresAt,
    stalledCount: job.stalledCount,
    payload: JSON.stringify(job.payload),
    progress: JSON.stringify(job.progress),
    lastError: job.lastError ? JSON.stringify(job.lastError) : null,
    result: job.result === null ? null : JSON.stringify(job.result),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    completedAt: job.completedAt,
    rev: job.rev,
  };
}

export function fromJobDoc(doc: JobDoc): Job {
  return {
    id: doc._id,
    kind: doc.kind,
    integrationId: doc.integrationId,
    idempotencyKey: doc.idempotencyKey,
    payload: parseJson(doc.payload),
    state: doc.state,
    priority: doc.priority,
    attempts: doc.attempts,
    maxAttempts: doc.maxAttempts,
    notBefore: doc.notBefore,
    leaseOwner: doc.leaseOwner,
    leaseToken: doc.leaseToken,
    leaseExpiresAt: doc.leaseExpiresAt,
    stalledCount: doc.stalledCount,
    progress: parseJson<JobProgress>(doc.progress),
    lastError: doc.lastError === null ? null : parseJson<JobError>(doc.lastError),
    result: doc.result === null ? null : parseJson<JsonValue>(doc.result),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    completedAt: doc.completedAt,
    rev: doc.rev,
  };
}
