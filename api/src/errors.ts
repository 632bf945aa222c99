/**
 * Every error the app raises on purpose carries a stable `code` (see integrations/error-catalogue.ts
 * for what an admin is told about each) and says whether retrying can help:
 * - `blocking`: nothing will work until an admin changes something (a permission, a secret);
 *   the integration's jobs pause instead of retrying.
 * - `retryable`: a transient fault (throttling, an outage); retry with backoff, after `retryAfterMs`
 *   when the service said so.
 */
export class AppError extends Error {
  readonly code: string;
  readonly blocking: boolean;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  /** HTTP status from the remote service, when there was one */
  readonly status?: number;

  constructor(
    code: string,
    message: string,
    options: { blocking?: boolean; retryable?: boolean; retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.blocking = options.blocking ?? false;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/**
 * Base of the error families whose class fixes the code (store, queue, secret box): a subclass only
 * declares `code`, and its name shows in stack traces.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
