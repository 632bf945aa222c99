import type { Delivery } from './connector-store.js';

/** Teams gives a bot 15 seconds to answer an activity before it gives up (and retries). */
const BOT_ANSWER_TIMEOUT_MS = 15_000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The bot's messaging endpoint, as set in its Azure Bot registration. The sandbox only ever posts to
 * loopback, so the emulator cannot be pointed at another machine.
 */
export function parseMessagingEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`the messaging endpoint must be an absolute URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`the messaging endpoint must be http or https, not ${url.protocol}`);
  }
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new TypeError(`the messaging endpoint must be on loopback (127.0.0.1, localhost or [::1]), not ${url.hostname}`);
  }
  return url.href;
}

/**
 * Posts one activity to the bot as the channel does: JSON with the channel's bearer token. The bot's
 * HTTP status is the answer; a bot that is not listening (or too slow) is a delivery with no status and
 * the reason, never a thrown error, so the caller can report it.
 */
export async function postToBot(
  endpoint: string,
  token: string,
  activity: Record<string, unknown>,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<Delivery> {
  try {
    const res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(BOT_ANSWER_TIMEOUT_MS),
    });
    // the body (an invoke response, an error text) is not needed; reading it frees the connection
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  } catch (err) {
    return { status: null, error: unreachableReason(endpoint, err) };
  }
}

function unreachableReason(endpoint: string, err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') {
    return `the bot at ${endpoint} did not answer within ${BOT_ANSWER_TIMEOUT_MS / 1000} s`;
  }
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return `the bot is not reachable at ${endpoint}: connection refused (is the app running?)`;
  return `the bot is not reachable at ${endpoint}: ${code ?? e?.cause?.message ?? e?.message ?? String(err)}`;
}
