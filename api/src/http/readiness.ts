import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';

export type ReadinessResult = { ok: true } | { ok: false; reason: string };
/** whether this instance should be sent traffic now; /healthz answers from it */
export type Readiness = () => Promise<ReadinessResult>;

/** a store that takes longer than this to answer a ping is as good as down for Graph's 3 seconds */
const PING_TIMEOUT_MS = 2_000;
/** the probe is unauthenticated: many callers within this window share one ping */
const CACHE_MS = 1_000;

/**
 * The reason names the error's class and code only: a driver's message may carry a host list or a
 * connection string, and the probe answers anyone.
 */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const code = (err as { code?: unknown }).code;
  const safeCode = typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : typeof code === 'number' ? String(code) : undefined;
  return safeCode ? `${err.name} (${safeCode})` : err.name;
}

export function storeReadiness(deps: {
  store: Pick<Store, 'ping'>;
  shuttingDown: () => boolean;
  logger: Logger;
  now?: () => number;
  cacheMs?: number;
  pingTimeoutMs?: number;
}): Readiness {
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? CACHE_MS;
  const timeoutMs = deps.pingTimeoutMs ?? PING_TIMEOUT_MS;
  let last: { at: number; result: ReadinessResult } | undefined;
  let inFlight: Promise<ReadinessResult> | undefined;
  let wasReady = true;

  const ping = async (): Promise<ReadinessResult> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.store.ping(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error('ping timed out'), { name: 'Timeout', code: `${timeoutMs}ms` })), timeoutMs);
        }),
      ]);
      if (!wasReady) deps.logger.info('store reachable again: ready');
      wasReady = true;
      return { ok: true };
    } catch (err) {
      // logged once per outage, not once per probe: a probe is cheap to send and anyone may send it
      if (wasReady) deps.logger.warn({ err }, 'store unreachable: not ready');
      wasReady = false;
      return { ok: false, reason: `store unreachable: ${describe(err)}` };
    } finally {
      clearTimeout(timer);
    }
  };

  return async () => {
    if (deps.shuttingDown()) return { ok: false, reason: 'shutting down' };
    if (last && now() - last.at < cacheMs) return last.result;
    inFlight ??= ping().then((result) => {
      last = { at: now(), result };
      inFlight = undefined;
      return result;
    });
    return inFlight;
  };
}
