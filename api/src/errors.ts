/**
 * The root of every error the app (api/ and bot/) raises on purpose: a stable `code` that callers
 * switch on and http/error-status.ts maps to an HTTP status, and a message for humans that never
 * holds a secret. Families whose class fixes the code (store, queue, secret box, bot, HTTP bodies)
 * declare `code` only; whether a job retries is decided from these fields in one place,
 * queue/failure.ts.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An error whose code is chosen where it is raised. It carries a stable `code` (see integrations/error-catalogue.ts
 * for what an admin is told about each) and says whether retrying can help:
 * - `blocking`: nothing will work until an admin changes something (a permission, a secret);
 *   the integration's jobs pause instead of retrying.
 * - `retryable`: a transient fault (throttling, an outage); retry with backoff, after `retryAfterMs`
 *   when the service said so.
 */
export class AppError extends CodedError {
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
    this.code = code;
    this.blocking = options.blocking ?? false;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
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
