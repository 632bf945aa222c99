import { CodedError } from '../errors.js';

/**
 * How a job's failure is described to the queue. Handlers throw errors carrying these properties
 * (the Graph and Kaltura clients' errors do); anything else counts as an unexpected, retryable error.
 */
export interface JobFailure {
  /** stable code, e.g. 'GRAPH_THROTTLED', 'KALTURA_CATEGORY_NOT_FOUND' */
  code: string;
  /** human words; must not contain secrets */
  message: string;
  /** false: retrying cannot help (bad input, missing entity) */
  retryable: boolean;
  /** the server's Retry-After, in ms */
  retryAfterMs?: number;
  /**
   * true: the integration itself is broken (secret expired, permission missing); its jobs are paused
   * until an admin fixes it, and this job goes back to the queue without using an attempt.
   */
  blocking?: boolean;
}

const MAX_MESSAGE = 2000;

export function describeFailure(error: unknown): JobFailure {
  if (typeof error !== 'object' || error === null) {
    return { code: 'UNEXPECTED_ERROR', message: String(error).slice(0, MAX_MESSAGE), retryable: true };
  }
  const e = error as Record<string, unknown>;
  const failure: JobFailure = {
    code: typeof e['code'] === 'string' && e['code'] !== '' ? e['code'] : 'UNEXPECTED_ERROR',
    message: (typeof e['message'] === 'string' ? e['message'] : String(error)).slice(0, MAX_MESSAGE),
    retryable: typeof e['retryable'] === 'boolean' ? e['retryable'] : e['permanent'] !== true,
  };
  const retryAfter = e['retryAfterMs'];
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) failure.retryAfterMs = retryAfter;
  if (e['blocking'] === true) failure.blocking = true;
  return failure;
}

/** For handlers: a failure that retrying cannot fix. */
export class PermanentJobError extends CodedError {
  readonly retryable = false;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
