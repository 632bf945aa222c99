import { CodedError } from '../errors.js';

/**
 * Errors raised by the store and the queue. Every one carries a stable `code` that callers (admin API,
 * workers, tests) switch on; messages are for humans and never contain secrets.
 */
export abstract class StoreError extends CodedError {}

export class NotFoundError extends StoreError {
  readonly code = 'STORE_NOT_FOUND';
}

/** An optimistic-concurrency update lost: the record changed since the caller read it. */
export class VersionConflictError extends StoreError {
  readonly code = 'STORE_VERSION_CONFLICT';
}

/** Input the store refuses (empty ids, bad cursor, out-of-range numbers). */
export class StoreValidationError extends StoreError {
  readonly code = 'STORE_INVALID_INPUT';
}

/** The database was migrated by a newer version of the app than this one. */
export class SchemaTooNewError extends StoreError {
  readonly code = 'STORE_SCHEMA_TOO_NEW';
}

/** A record kept changing under us; raised only after several retries. */
export class ContentionError extends StoreError {
  readonly code = 'STORE_CONTENTION';
}

/**
 * The caller no longer holds the job's lease: it expired and was recovered, the job was finished by
 * someone else, or the token is wrong. The caller must stop working on the job and must not retry the
 * write; whoever holds the lease now owns the job.
 */
export class LeaseLostError extends StoreError {
  readonly code = 'QUEUE_LEASE_LOST';
}

/** A job operation that its current state does not allow (e.g. retrying a job that is not failed). */
export class JobStateError extends StoreError {
  readonly code = 'QUEUE_INVALID_STATE';
}
