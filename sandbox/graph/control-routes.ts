import { z } from 'zod';
import { sendJson } from '../emulator/respond.js';
import { Router } from '../emulator/router.js';
import { notifyAvailable, notifyCallAvailable, sendLifecycle } from './change-notifications.js';
import { isLive, type ArtifactKind, type DeliveryRecord, type GraphStore } from './graph-store.js';

/**
 * Graph-specific control API (beside the common fixture/reset/faults/requests/state routes):
 *   POST /__control/recordings/{id}/available     make visible now + change notifications (a meeting's
 *                                                 or an ad hoc call's recording: their ids never collide)
 *   POST /__control/transcripts/{id}/available    same for a transcript
 *   POST /__control/subscriptions/{id}/lifecycle  {"lifecycleEvent": "reauthorizationRequired"|"subscriptionRemoved"|"missed"}
 *   POST /__control/subscriptions/{id}/expire     expire it now (no notification, as in Graph)
 *   POST /__control/settings                      {"pageSize"?, "validationTimeoutMs"?, "notificationTimeoutMs"?, "contentRedirect"?}
 *   POST /__control/tenant                        {"transcriptApiAccess"?}: a tenant admin flips a switch, state kept
 * Ids in the path are percent-encoded (Graph ids are base64 and may contain "/").
 */

const LifecycleBody = z.object({ lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }).strict();
const SettingsBody = z
  .object({
    pageSize: z.number().int().min(1).max(1000).optional(),
    validationTimeoutMs: z.number().int().min(1).max(60_000).optional(),
    notificationTimeoutMs: z.number().int().min(1).max(60_000).optional(),
    contentRedirect: z.boolean().optional(),
  })
  .strict();

const TenantBody = z.object({ transcriptApiAccess: z.boolean().optional() }).strict();

/** What the control API reports about a delivery: never the payload, which carries the clientState. */
function deliverySummary(d: DeliveryRecord): Record<string, unknown> {
  return { subscriptionId: d.subscriptionId, url: d.url, status: d.status, ok: d.ok, ms: d.ms, error: d.error };
}

export function createControlRoutes(store: GraphStore): Router {
  const router = new Router();

  for (const [segment, kind] of [['recordings', 'recording'], ['transcripts', 'transcript']] as const) {
    router.post(`/__control/${segment}/:id/available`, async (req, res) => {
      const a = store.artifact(kind as ArtifactKind, req.params.id!);
      if (a) {
        const madeAvailable = store.makeAvailable(a);
        const deliveries = madeAvailable ? await notifyAvailable(store, a) : [];
        sendJson(res, 200, {
          kind,
          id: a.item.id,
          meetingId: a.meeting.id,
          organizerId: a.meeting.organizerId,
          madeAvailable,
          notifications: deliveries.map(deliverySummary),
        });
        return;
      }
      const c = store.callArtifact(kind as ArtifactKind, req.params.id!);
      if (c) {
        const madeAvailable = store.makeAvailable(c);
        const deliveries = madeAvailable ? await notifyCallAvailable(store, c) : [];
        sendJson(res, 200, {
          kind,
          id: c.item.id,
          callId: c.call.id,
          initiatorId: c.call.initiatorId,
          madeAvailable,
          notifications: deliveries.map(deliverySummary),
        });
        return;
      }
      sendJson(res, 404, { error: `no ${kind} '${req.params.id}' in the fixture` });
    });
  }

  router.post('/__control/subscriptions/:id/lifecycle', async (req, res) => {
    const { lifecycleEvent } = LifecycleBody.parse(await req.json());
    const sub = store.subscriptions.get(req.params.id!);
    if (!sub || !isLive(sub)) {
      sendJson(res, 404, { error: `no live subscription '${req.params.id}'` });
      return;
    }
    if (!sub.lifecycleNotificationUrl) {
      sendJson(res, 409, { error: 'the subscription has no lifecycleNotificationUrl, so Graph sends it no lifecycle events' });
      return;
    }
    if (lifecycleEvent === 'reauthorizationRequired') sub.reauthorizationRequired = true;
    const delivery = await sendLifecycle(store, sub, lifecycleEvent);
    if (lifecycleEvent === 'subscriptionRemoved') sub.status = 'removed';
    sendJson(res, 200, { lifecycleEvent, delivery: deliverySummary(delivery) });
  });

  router.post('/__control/subscriptions/:id/expire', (req, res) => {
    const sub = store.subscriptions.get(req.params.id!);
    if (!sub) {
      sendJson(res, 404, { error: `no subscription '${req.params.id}'` });
      return;
    }
    sub.expirationDateTime = new Date(Date.now() - 1000).toISOString();
    sendJson(res, 200, { id: sub.id, expirationDateTime: sub.expirationDateTime });
  });

  router.post('/__control/settings', async (req, res) => {
    const patch = SettingsBody.parse(await req.json());
    Object.assign(store.settings, patch);
    sendJson(res, 200, store.settings);
  });

  router.post('/__control/tenant', async (req, res) => {
    const patch = TenantBody.parse(await req.json());
    if (patch.transcriptApiAccess !== undefined) store.fixture.tenant.transcriptApiAccess = patch.transcriptApiAccess;
    sendJson(res, 200, { transcriptApiAccess: store.fixture.tenant.transcriptApiAccess });
  });

  return router;
}
