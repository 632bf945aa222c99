/**
 * When a failed job runs again. Exponential with jitter, so a fault shared by many jobs (Graph
 * throttling, a Kaltura outage) does not bring them all back at the same instant; and a server's
 * Retry-After is always honoured: a retry never comes earlier than it asked.
 */
export interface RetryPolicy {
  /** delay before the second attempt (default 10 s) */
  baseDelayMs: number;
  /** multiplier per further attempt (default 2) */
  factor: number;
  /** ceiling for the exponential part (default 30 min) */
  maxDelayMs: number;
  /** share of the delay that is randomized, 0..1 (default 0.5: "equal jitter", never near zero) */
  jitter: number;
  /** floor for any delay, so Retry-After: 0 cannot cause a hot loop (default 1 s) */
  minDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 10_000,
  factor: 2,
  maxDelayMs: 30 * 60_000,
  jitter: 0.5,
  minDelayMs: 1_000,
};

/**
 * Delay before the next attempt after attempt number `attempt` (1-based) failed.
 * @param random a source in [0, 1); injected so tests are deterministic
 * @param retryAfterMs what the server asked for, if it did
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, attempt - 1));
  const jittered = exponential * (1 - policy.jitter) + exponential * policy.jitter * random();
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    // The server knows when it will take us back: go then (plus a little spread), not on our schedule.
    const spread = Math.min(1_000, retryAfterMs * 0.1) * random();
    return Math.round(Math.max(policy.minDelayMs, retryAfterMs + spread));
  }
  return Math.round(Math.max(policy.minDelayMs, jittered));
}

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from `now`; undefined if absent or invalid. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
