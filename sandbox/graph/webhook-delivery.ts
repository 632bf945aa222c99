import { randomUUID } from 'node:crypto';
import { pushCapped, type DeliveryRecord, type GraphStore } from './graph-store.js';

/**
 * Graph's outbound calls to the app: the validation handshake and change/lifecycle notifications
 * (reference §4.2–§4.4). Sent with Node's fetch, to loopback URLs only — the sandbox never calls out.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MAX_RESPONSE_TEXT = 4096;

/** Why a notification URL is refused, or undefined when it is fine. */
export function notificationUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'is required';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http(s) URL';
  // Real Graph wants https; the sandbox app listens on plain http, so loopback http is allowed instead.
  if (!LOOPBACK_HOSTS.has(parsed.hostname.toLowerCase())) return 'must point at a loopback host in the sandbox';
  return undefined;
}

export type ValidationOutcome = { ok: true } | { ok: false; why: 'timeout' | 'status' | 'mismatch' | 'content-type' | 'network' };

/**
 * POST {url}?validationToken=… with an empty text/plain body; the app must answer 200, text/plain, the
 * token (URL-decoded) as the body, within the time limit. Graph's real tokens contain spaces and
 * colons, so ours do too: an app that echoes the raw query string fails here as it would in production.
 */
export async function validateEndpoint(store: GraphStore, url: string, subscriptionId?: string): Promise<ValidationOutcome> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  const result = await post(store, {
    kind: 'validation',
    subscriptionId,
    url: target.toString(),
    payload: token,
    body: '',
    contentType: 'text/plain; charset=utf-8',
    timeoutMs: store.settings.validationTimeoutMs,
  });
  if (result.error === 'timeout') return { ok: false, why: 'timeout' };
  if (result.status === undefined) return { ok: false, why: 'network' };
  if (result.status !== 200) return { ok: false, why: 'status' };
  if (result.responseBody !== token) return { ok: false, why: 'mismatch' };
  if (!/^text\/plain\b/i.test(result.contentType ?? '')) return { ok: false, why: 'content-type' };
  return { ok: true };
}

/** POSTs a `{"value":[…]}` notification collection; the app should answer 2xx within 3 s. */
export async function postNotification(
  store: GraphStore,
  kind: 'change' | 'lifecycle',
  subscriptionId: string,
  url: string,
  payload: unknown,
): Promise<DeliveryRecord> {
  return post(store, {
    kind,
    subscriptionId,
    url,
    payload,
    body: JSON.stringify(payload),
    contentType: 'application/json; charset=utf-8',
    timeoutMs: store.settings.notificationTimeoutMs,
  });
}

interface Outbound {
  kind: DeliveryRecord['kind'];
  subscriptionId?: string;
  url: string;
  payload: unknown;
  body: string;
  contentType: string;
  timeoutMs: number;
}

async function post(store: GraphStore, o: Outbound): Promise<DeliveryRecord> {
  const started = Date.now();
  const record: DeliveryRecord = {
    at: new Date(started).toISOString(),
    kind: o.kind,
    subscriptionId: o.subscriptionId,
    url: o.url,
    payload: o.payload,
    ms: 0,
    ok: false,
  };
  const problem = notificationUrlProblem(o.url);
  if (problem) {
    record.error = `notification URL ${problem}`;
  } else {
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': o.contentType },
        body: o.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      record.status = res.status;
      record.contentType = res.headers.get('content-type') ?? undefined;
      record.responseBody = (await res.text()).slice(0, MAX_RESPONSE_TEXT);
      record.ok = res.status >= 200 && res.status < 300;
    } catch (err) {
      const name = (err as Error).name;
      record.error = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : (err as Error).message;
    }
  }
  record.ms = Date.now() - started;
  pushCapped(store.deliveries, record);
  return record;
}
