import { LeaseLostError } from '../store/errors.js';
import type { ActiveJob, LeaseRef } from '../store/model.js';

export interface LeaseKeeperOptions {
  leaseMs: number;
  /** default a third of leaseMs, so two renewals can fail before the lease runs out */
  renewEveryMs?: number;
  /** wall time in ms; the lease's own expiry is judged against it when renewals keep failing */
  now?: () => number;
  onRenewError?: (error: unknown) => void;
}

export interface LeaseKeeper {
  /** aborted when the lease is lost; pass it to everything the job does */
  readonly signal: AbortSignal;
  /** the job as of the last successful renewal */
  current(): ActiveJob;
  stop(): void;
}

/**
 * Renews a job's lease while its handler runs. When the lease is lost (recovered by another process
 * after a long pause, or the job was finished elsewhere), the signal aborts with the LeaseLostError so
 * the handler stops before it does anything further.
 */
export function keepLease(
  queue: { renew(lease: LeaseRef, leaseMs: number): Promise<ActiveJob> },
  job: ActiveJob,
  options: LeaseKeeperOptions,
): LeaseKeeper {
  const controller = new AbortController();
  const now = options.now ?? Date.now;
  let current = job;
  let expiresAt = now() + options.leaseMs;
  let renewing = false;

  const timer = setInterval(() => {
    if (renewing || controller.signal.aborted) return;
    renewing = true;
    queue
      .renew(current, options.leaseMs)
      .then((renewed) => {
        current = renewed;
        expiresAt = now() + options.leaseMs;
      })
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) return lose(error);
        options.onRenewError?.(error);
        // A store outage longer than the lease means someone else may have the job now.
        if (now() >= expiresAt) lose(new LeaseLostError(`could not renew the lease on job ${job.id} before it expired`, { cause: error }));
      })
      .finally(() => {
        renewing = false;
      });
  }, options.renewEveryMs ?? Math.max(10, Math.floor(options.leaseMs / 3)));
  timer.unref();

  function lose(error: LeaseLostError) {
    clearInterval(timer);
    controller.abort(error);
  }

  return {
    signal: controller.signal,
    current: () => current,
    stop: () => clearInterval(timer),
  };
}
