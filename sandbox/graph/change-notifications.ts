import type { Artifact, CallArtifact, DeliveryRecord, GraphStore, Subscription } from './graph-store.js';
import { postNotification } from './webhook-delivery.js';

/** Builds and sends the notification payloads of reference §4.3 (change) and §4.4 (lifecycle). */

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** Graph prints DateTimeOffset with seven fractional digits and an explicit offset. */
export function dotNetDateTimeOffset(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}0000+00:00`;
}

/** Meeting subscriptions hear about meeting artifacts only; ad hoc call subscriptions see callCovers. */
function covers(sub: Subscription, a: Artifact, store: GraphStore): boolean {
  const t = sub.target;
  if (t.kind !== a.kind) return false;
  if (t.scope === 'tenant') return true;
  if (t.scope === 'meeting') return t.meetingId === a.meeting.id;
  if (t.scope !== 'organizer') return false;
  const user = store.user(t.userId);
  return user !== undefined && user.id.toLowerCase() === a.meeting.organizerId.toLowerCase();
}

function callCovers(sub: Subscription, a: CallArtifact, store: GraphStore): boolean {
  const t = sub.target;
  if (t.kind !== a.kind) return false;
  if (t.scope === 'adhocTenant') return true;
  if (t.scope === 'adhocCall') return t.callId.toLowerCase() === a.call.id.toLowerCase();
  if (t.scope !== 'adhocUser') return false;
  const user = store.user(t.userId);
  return user !== undefined && user.id.toLowerCase() === a.call.initiatorId.toLowerCase();
}

/** Notifies every live subscription that covers a newly available recording or transcript. */
export async function notifyAvailable(store: GraphStore, a: Artifact): Promise<DeliveryRecord[]> {
  const segment = a.kind === 'recording' ? 'recordings' : 'transcripts';
  // The resource path has no user id (reference §4.3): the app finds the organizer itself.
  const resource = `communications/onlineMeetings('${a.meeting.id}')/${segment}('${a.item.id}')`;
  const odataType = a.kind === 'recording' ? '#Microsoft.Graph.callRecording' : '#Microsoft.Graph.callTranscript';
  const targets = store.liveSubscriptions().filter((s) => covers(s, a, store));
  return notifyCreated(store, targets, { resource, resourceData: { id: a.item.id, '@odata.type': odataType, '@odata.id': resource } });
}

/**
 * Notifies every live ad hoc call subscription that covers a newly available call recording or
 * transcript. Graph's examples for ad hoc calls write the path four ways (see adhoc-call-routes.ts);
 * `resource` takes the form of the example without resource data and of Microsoft's sample parser,
 * `@odata.id` the form most examples give it, so a client has to read both.
 */
export async function notifyCallAvailable(store: GraphStore, a: CallArtifact): Promise<DeliveryRecord[]> {
  const segment = a.kind === 'recording' ? 'recordings' : 'transcripts';
  const user = a.call.initiatorId;
  const resource = `users/${user}/adhocCalls/${a.call.id}/${segment}/${a.item.id}`;
  const odataId = `users/${user}/adhoccalls/${a.call.id}/${segment}('${a.item.id}')`;
  const odataType = a.kind === 'recording' ? '#Microsoft.Graph.callRecording' : '#Microsoft.Graph.callTranscript';
  const targets = store.liveSubscriptions().filter((s) => callCovers(s, a, store));
  return notifyCreated(store, targets, { resource, resourceData: { id: a.item.id, '@odata.type': odataType, '@odata.id': odataId } });
}

/** One `created` change notification to each subscription, in Graph's envelope. */
function notifyCreated(
  store: GraphStore,
  targets: ReturnType<GraphStore['liveSubscriptions']>,
  change: { resource: string; resourceData: Record<string, string> },
): Promise<DeliveryRecord[]> {
  return Promise.all(
    targets.map((sub) =>
      postNotification(store, 'change', sub.id, sub.notificationUrl, {
        value: [
          {
            subscriptionId: sub.id,
            changeType: 'created',
            tenantId: store.fixture.tenant.id,
            clientState: sub.clientState,
            subscriptionExpirationDateTime: dotNetDateTimeOffset(sub.expirationDateTime),
            ...change,
          },
        ],
      }),
    ),
  );
}

export async function sendLifecycle(store: GraphStore, sub: Subscription, event: LifecycleEvent): Promise<DeliveryRecord> {
  return postNotification(store, 'lifecycle', sub.id, sub.lifecycleNotificationUrl!, {
    value: [
      {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: dotNetDateTimeOffset(sub.expirationDateTime),
        tenantId: store.fixture.tenant.id,
        clientState: sub.clientState,
        lifecycleEvent: event,
      },
    ],
  });
}
