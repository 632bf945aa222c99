import { randomUUID } from 'node:crypto';
import type { Router } from '../emulator/router.js';
import { hasAny, permissions, type Caller } from './graph-auth.js';
import { mount, type GraphContext, type GraphDeps } from './graph-route.js';
import { isLive, type Subscription, type SubscriptionTarget } from './graph-store.js';
import { GraphHttpError, graphErrors, sendGraphJson } from './graph-wire.js';
import { notificationUrlProblem, validateEndpoint, type ValidationOutcome } from './webhook-delivery.js';

/**
 * `/subscriptions` for recordings and transcripts (reference §4.1–§4.2): create with the validation
 * handshake, get, list, renew (PATCH), delete, reauthorize. Lifetime at most 4,320 minutes; beyond one
 * hour a lifecycleNotificationUrl is required.
 */

const MAX_MINUTES = 4_320;
const LIFECYCLE_REQUIRED_AFTER_MINUTES = 60;
const MINUTE = 60_000;

export function mountSubscriptionRoutes(router: Router, deps: GraphDeps): void {
  mount(router, deps, 'POST', '/subscriptions', async (ctx) => {
    const body = await readBody(ctx);
    const resource = stringField(body, 'resource') ?? '';
    const target = parseResource(resource);
    if (!target) {
      throw extensionError('Create', 'BadRequest', `The resource '${resource}' is not supported by the sandbox Graph emulator; it serves recording and transcript resources only.`);
    }
    const changeType = stringField(body, 'changeType') ?? '';
    if (!changeType || changeType.split(',').some((c) => c.trim() !== 'created')) {
      throw extensionError('Create', 'BadRequest', `Change type '${changeType}' is not supported for this resource; only 'created' is.`);
    }
    requireSubscriptionPermission(ctx.caller, target, 'Create');
    const notificationUrl = stringField(body, 'notificationUrl');
    const lifecycleNotificationUrl = stringField(body, 'lifecycleNotificationUrl') ?? null;
    for (const [name, url] of [['notificationUrl', notificationUrl], ['lifecycleNotificationUrl', lifecycleNotificationUrl ?? undefined]] as const) {
      if (name === 'lifecycleNotificationUrl' && url === undefined) continue;
      const problem = notificationUrlProblem(url);
      if (problem) throw graphErrors.badRequest(`${name} ${problem}.`, 'InvalidRequest');
    }
    const expiration = checkExpiration(stringField(body, 'expirationDateTime'), 'Create');
    if (!lifecycleNotificationUrl && expiration - Date.now() > LIFECYCLE_REQUIRED_AFTER_MINUTES * MINUTE) {
      throw lifecycleRequired();
    }
    const clientState = body.clientState === undefined || body.clientState === null ? null : String(body.clientState);
    if (clientState !== null && clientState.length > 128) {
      throw graphErrors.badRequest('clientState must be at most 128 characters.', 'InvalidRequest');
    }
    if (body.includeResourceData === true) {
      throw graphErrors.badRequest(
        'includeResourceData is not supported by the sandbox Graph emulator: subscribe without resource data and fetch the item.',
        'InvalidRequest',
      );
    }

    const id = randomUUID();
    await requireValidated(ctx, notificationUrl!, id);
    if (lifecycleNotificationUrl) await requireValidated(ctx, lifecycleNotificationUrl, id);

    const sub: Subscription = {
      id,
      resource,
      target,
      applicationId: ctx.caller.appId,
      creatorId: ctx.caller.objectId,
      changeType,
      clientState,
      notificationUrl: notificationUrl!,
      lifecycleNotificationUrl,
      expirationDateTime: new Date(expiration).toISOString(),
      latestSupportedTlsVersion: stringField(body, 'latestSupportedTlsVersion') ?? 'v1_2',
      includeResourceData: false,
      status: 'active',
      reauthorizationRequired: false,
      createdAt: new Date().toISOString(),
    };
    ctx.store.subscriptions.set(id, sub);
    sendGraphJson(ctx.res, 201, { '@odata.context': `${ctx.base}/$metadata#subscriptions/$entity`, ...subscriptionJson(sub) });
  });

  mount(router, deps, 'GET', '/subscriptions', (ctx) => {
    const mine = ctx.store.liveSubscriptions().filter((s) => s.applicationId === ctx.caller.appId);
    sendGraphJson(ctx.res, 200, { '@odata.context': `${ctx.base}/$metadata#subscriptions`, value: mine.map(subscriptionJson) });
  });

  mount(router, deps, 'GET', '/subscriptions/:id', (ctx) => {
    const sub = ownSubscription(ctx);
    sendGraphJson(ctx.res, 200, { '@odata.context': `${ctx.base}/$metadata#subscriptions/$entity`, ...subscriptionJson(sub) });
  });

  mount(router, deps, 'PATCH', '/subscriptions/:id', async (ctx) => {
    const sub = ownSubscription(ctx);
    const body = await readBody(ctx);
    const expirationText = stringField(body, 'expirationDateTime');
    const notificationUrl = stringField(body, 'notificationUrl');
    if (expirationText === undefined && notificationUrl === undefined) {
      throw graphErrors.badRequest("Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.", 'InvalidRequest');
    }
    requireSubscriptionPermission(ctx.caller, sub.target, 'Update');
    let expiration = Date.parse(sub.expirationDateTime);
    if (expirationText !== undefined) {
      expiration = checkExpiration(expirationText, 'Update');
      if (!sub.lifecycleNotificationUrl && expiration - Date.now() > LIFECYCLE_REQUIRED_AFTER_MINUTES * MINUTE) {
        throw lifecycleRequired();
      }
    }
    if (notificationUrl !== undefined) {
      const problem = notificationUrlProblem(notificationUrl);
      if (problem) throw graphErrors.badRequest(`notificationUrl ${problem}.`, 'InvalidRequest');
      await requireValidated(ctx, notificationUrl, sub.id);
      sub.notificationUrl = notificationUrl;
    }
    sub.expirationDateTime = new Date(expiration).toISOString();
    // Renewing is one of the two answers to reauthorizationRequired (reference §4.4).
    sub.reauthorizationRequired = false;
    sendGraphJson(ctx.res, 200, { '@odata.context': `${ctx.base}/$metadata#subscriptions/$entity`, ...subscriptionJson(sub) });
  });

  mount(router, deps, 'DELETE', '/subscriptions/:id', (ctx) => {
    const sub = ownSubscription(ctx);
    sub.status = 'deleted';
    ctx.res.writeHead(204);
    ctx.res.end();
  });

  mount(router, deps, 'POST', '/subscriptions/:id/reauthorize', (ctx) => {
    const sub = ownSubscription(ctx);
    requireSubscriptionPermission(ctx.caller, sub.target, 'Reauthorize');
    sub.reauthorizationRequired = false;
    ctx.res.writeHead(204);
    ctx.res.end();
  });
}

/** The subscription JSON Graph returns (reference §4.2); clientState is echoed, as Graph does. */
export function subscriptionJson(s: Subscription): Record<string, unknown> {
  return {
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeType,
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: s.expirationDateTime,
    creatorId: s.creatorId,
    includeResourceData: s.includeResourceData,
    latestSupportedTlsVersion: s.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
    notificationContentType: 'application/json',
  };
}

/**
 * The resources of reference §4.1: tenant-wide, per organizer, per meeting. Leading `/` and the
 * `('{id}')` key form are accepted.
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

function ownSubscription(ctx: GraphContext): Subscription {
  const id = ctx.req.params.id!;
  const sub = ctx.store.subscriptions.get(id);
  // Expired and deleted subscriptions are gone, and another app's are invisible.
  if (!sub || !isLive(sub) || sub.applicationId !== ctx.caller.appId) {
    throw new GraphHttpError(404, 'ResourceNotFound', `The subscription '${id}' was not found.`);
  }
  return sub;
}

async function readBody(ctx: GraphContext): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await ctx.req.json();
  } catch {
    throw graphErrors.badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw graphErrors.badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Teams-backed subscriptions wrap their errors like this (observed on a Teams 3-day resource). */
function extensionError(operation: string, status: 'BadRequest' | 'Forbidden', reason: string): GraphHttpError {
  return new GraphHttpError(status === 'Forbidden' ? 403 : 400, 'ExtensionError', `Operation: ${operation}; Exception: [Status Code: ${status}; Reason: ${reason}]`, {
    reason,
  });
}

function requireSubscriptionPermission(caller: Caller, target: SubscriptionTarget, operation: string): void {
  const needed = target.kind === 'recording' ? permissions.readRecording : permissions.readTranscript;
  if (!hasAny(caller, needed)) {
    const err = extensionError(operation, 'Forbidden', 'The request is not authorized for this user or application.');
    throw new GraphHttpError(err.status, err.code, err.message, { reason: `token roles lack ${needed.join(', ')}` });
  }
}

function checkExpiration(text: string | undefined, operation: string): number {
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

function lifecycleRequired(): GraphHttpError {
  // The message is the documented one; the error code is unconfirmed.
  return graphErrors.badRequest(
    'lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour',
    'ValidationError',
  );
}

async function requireValidated(ctx: GraphContext, url: string, subscriptionId: string): Promise<void> {
  const outcome: ValidationOutcome = await validateEndpoint(ctx.store, url, subscriptionId);
  if (outcome.ok) return;
  // Bodies observed from real Graph for each failure (nodejs-webhooks-sample #350, java-spring #82, splunk #26).
  if (outcome.why === 'timeout') throw new GraphHttpError(400, 'InvalidRequest', 'Subscription validation request timed out.', { reason: url });
  if (outcome.why === 'mismatch') {
    throw new GraphHttpError(400, 'ValidationError', 'Subscription validation request failed. Response must exactly match validationToken query parameter.');
  }
  throw new GraphHttpError(
    400,
    'ValidationError',
    'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
  );
}
