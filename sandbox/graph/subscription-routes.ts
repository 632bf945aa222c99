import { randomUUID } from 'node:crypto';
import type { Router } from '../emulator/router.js';
import { mount, type GraphContext, type GraphDeps } from './graph-route.js';
import { isLive, type Subscription } from './graph-store.js';
import { GraphHttpError, graphErrors, sendGraphJson } from './graph-wire.js';
import {
  checkExpiration,
  extensionError,
  lifecycleRequired,
  LIFECYCLE_REQUIRED_AFTER_MINUTES,
  MINUTE,
  parseResource,
  requireResourceVersion,
  requireSubscriptionPermission,
  requireValidated,
} from './subscription-rules.js';
import { notificationUrlProblem } from './webhook-delivery.js';

/**
 * `/subscriptions` for recordings and transcripts of meetings and ad hoc calls (reference §4.1–§4.2): create with the validation
 * handshake, get, list, renew (PATCH), delete, reauthorize. Lifetime at most 4,320 minutes; beyond one
 * hour a lifecycleNotificationUrl is required.
 */

export function mountSubscriptionRoutes(router: Router, deps: GraphDeps): void {
  mount(router, deps, 'POST', '/subscriptions', async (ctx) => {
    const body = await readBody(ctx);
    const resource = stringField(body, 'resource') ?? '';
    const target = parseResource(resource);
    if (!target) {
      const why = `The resource '${resource}' is not supported by the sandbox Graph emulator; it serves recording and transcript resources only.`;
      throw extensionError('Create', 'BadRequest', why);
    }
    const changeType = stringField(body, 'changeType') ?? '';
    if (!changeType || changeType.split(',').some((c) => c.trim() !== 'created')) {
      throw extensionError('Create', 'BadRequest', `Change type '${changeType}' is not supported for this resource; only 'created' is.`);
    }
    requireResourceVersion(target, resource, ctx.version);
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
      throw graphErrors.badRequest(
        "Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.",
        'InvalidRequest',
      );
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
    throw graphErrors.unreadableJson();
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw graphErrors.badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
