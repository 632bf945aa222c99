import { hasAny, permissions, type Caller } from './graph-auth.js';
import type { GraphContext } from './graph-route.js';
import { isAdhocTarget, type SubscriptionTarget } from './graph-store.js';
import { GraphHttpError, graphErrors } from './graph-wire.js';
import { validateEndpoint, type ValidationOutcome } from './webhook-delivery.js';

/**
 * The rules Graph applies to recording and transcript subscriptions (reference §4.1–§4.2) and the
 * error bodies it answers with when one is broken.
 */

export const MAX_MINUTES = 4_320;
export const LIFECYCLE_REQUIRED_AFTER_MINUTES = 60;
export const MINUTE = 60_000;

/**
 * The resources of reference §4.1 (tenant-wide, per organizer, per meeting) and their ad hoc call
 * counterparts (tenant-wide, per initiating user, per call; see adhoc-call-routes.ts). Leading `/`
 * and the `('{id}')` key form are accepted.
 */
export function parseResource(resource: string): SubscriptionTarget | undefined {
  const r = resource.trim().replace(/^\//, '');
  const key = `(?:\\('([^']+)'\\)|/([^/]+))`;
  let m = /^communications\/onlineMeetings\/getAll(Recordings|Transcripts)$/i.exec(r);
  if (m) return { kind: kindOf(m[1]!), scope: 'tenant' };
  m = new RegExp(`^users${key}/onlineMeetings/getAll(Recordings|Transcripts)$`, 'i').exec(r);
  if (m) return { kind: kindOf(m[3]!), scope: 'organizer', userId: m[1] ?? m[2]! };
  m = new RegExp(`^communications/onlineMeetings${key}/(recordings|transcripts)$`, 'i').exec(r);
  if (m) return { kind: kindOf(m[3]!), scope: 'meeting', meetingId: m[1] ?? decodeSafe(m[2]!) };
  m = /^communications\/adhocCalls\/getAll(Recordings|Transcripts)$/i.exec(r);
  if (m) return { kind: kindOf(m[1]!), scope: 'adhocTenant' };
  m = new RegExp(`^users${key}/adhocCalls/getAll(Recordings|Transcripts)$`, 'i').exec(r);
  if (m) return { kind: kindOf(m[3]!), scope: 'adhocUser', userId: m[1] ?? m[2]! };
  m = new RegExp(`^communications/adhocCalls${key}/(recordings|transcripts)$`, 'i').exec(r);
  if (m) return { kind: kindOf(m[3]!), scope: 'adhocCall', callId: m[1] ?? decodeSafe(m[2]!) };
  return undefined;
}

function kindOf(word: string): 'recording' | 'transcript' {
  return /^recordings$/i.test(word) ? 'recording' : 'transcript';
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Teams-backed subscriptions wrap their errors like this (observed on a Teams 3-day resource). */
export function extensionError(operation: string, status: 'BadRequest' | 'Forbidden', reason: string): GraphHttpError {
  const message = `Operation: ${operation}; Exception: [Status Code: ${status}; Reason: ${reason}]`;
  return new GraphHttpError(status === 'Forbidden' ? 403 : 400, 'ExtensionError', message, { reason });
}

export function requireSubscriptionPermission(caller: Caller, target: SubscriptionTarget, operation: string): void {
  const adhoc = isAdhocTarget(target);
  const needed = adhoc
    ? target.kind === 'recording'
      ? permissions.readCallRecording
      : permissions.readCallTranscript
    : target.kind === 'recording'
      ? permissions.readRecording
      : permissions.readTranscript;
  if (target.scope === 'adhocCall' && target.kind === 'transcript') {
    // its permissions table: delegated CallTranscripts.Read.All, application "Not supported"
    const err = extensionError(operation, 'Forbidden', 'The request is not authorized for this user or application.');
    throw new GraphHttpError(err.status, err.code, err.message, {
      reason: 'communications/adhocCalls/{id}/transcripts takes no application permission',
    });
  }
  if (!hasAny(caller, needed)) {
    const err = extensionError(operation, 'Forbidden', 'The request is not authorized for this user or application.');
    throw new GraphHttpError(err.status, err.code, err.message, { reason: `token roles lack ${needed.join(', ')}` });
  }
}

/**
 * "This resource type is available only on the /beta endpoint", says the change-notifications page of
 * `communications/adhocCalls/getAllTranscripts`; the March 2026 v1.0 changelog lists the per-user and
 * per-call ad hoc resources only. The tenant-wide ad hoc recordings resource carries no such note.
 */
export function requireResourceVersion(target: SubscriptionTarget, resource: string, version: string): void {
  if (target.scope === 'adhocTenant' && target.kind === 'transcript' && version !== 'beta') {
    throw extensionError('Create', 'BadRequest', `The resource '${resource}' is available only on the beta endpoint.`);
  }
}

export function checkExpiration(text: string | undefined, operation: string): number {
  if (!text) throw graphErrors.badRequest('expirationDateTime is required.', 'InvalidRequest');
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw graphErrors.badRequest(`The expirationDateTime '${text}' is not a valid DateTimeOffset.`, 'InvalidRequest');
  const now = Date.now();
  if (at <= now) {
    throw extensionError(operation, 'BadRequest', `Expiration time '${text}' is in the past.`);
  }
  if (at - now > MAX_MINUTES * MINUTE) {
    throw extensionError(
      operation,
      'BadRequest',
      `Expiration time '${new Date(at).toISOString()}' ('${timeSpan(now - at)}' from now) is beyond allowed max '3.00:00:00'.`,
    );
  }
  return at;
}

/** .NET TimeSpan text, as Graph prints it: [-]d.hh:mm:ss.fffffff */
function timeSpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = String(Math.round(rest - s * 1000)).padStart(3, '0') + '0000';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${sign}${days}.${pad(h)}:${pad(m)}:${pad(s)}.${frac}`;
}

export function lifecycleRequired(): GraphHttpError {
  // The message is the documented one; the error code is unconfirmed.
  return graphErrors.badRequest(
    'lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour',
    'ValidationError',
  );
}

export async function requireValidated(ctx: GraphContext, url: string, subscriptionId: string): Promise<void> {
  const outcome: ValidationOutcome = await validateEndpoint(ctx.store, url, subscriptionId);
  if (outcome.ok) return;
  // Bodies observed from real Graph for each failure (nodejs-webhooks-sample #350, java-spring #82, splunk #26).
  if (outcome.why === 'timeout') throw new GraphHttpError(400, 'InvalidRequest', 'Subscription validation request timed out.', { reason: url });
  if (outcome.why === 'mismatch') {
    throw new GraphHttpError(
      400,
      'ValidationError',
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    );
  }
  throw new GraphHttpError(
    400,
    'ValidationError',
    'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
  );
}
