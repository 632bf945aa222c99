import type { Artifact, DeliveryRecord, GraphStore, Subscription } from './graph-store.js';
import { postNotification } from './webhook-delivery.js';

/** Builds and sends the notification payloads of reference §4.3 (change) and §4.4 (lifecycle). */

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** Graph prints DateTimeOffset with seven fractional digits and an explicit offset. */
export function dotNetDateTimeOffset(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}0000+00:00`;
}

function covers(sub: Subscription, a: Artifact, store: GraphStore): boolean {
  const t = sub.target;
  if (t.kind !== a.kind) return false;
  if (t.scope === 'tenant') return true;
  if (t.scope === 'meeting') return t.meetingId === a.meeting.id;
  const user = store.user(t.userId);
  return user !== undefined && user.id.toLowerCase() === a.meeting.organizerId.toLowerCase();
}

/** Notifies every live subscription that covers a newly available recording or transcript. */
export async function notifyAvailable(store: GraphStore, a: Artifact): Promise<DeliveryRecord[]> {
  const segment = a.kind === 'recording' ? 'recordings' : 'transcripts';
  // The resource path has no user id (reference §4.3): the app finds the organizer itself.
  const resource = `communications/onlineMeetings('${a.meeting.id}')/${segment}('${a.item.id}')`;
  const odataType = a.kind === 'recording' ? '#Microsoft.Graph.callRecording' : '#Microsoft.Graph.callTranscript';
  const targets = store.liveSubscriptions().filter((s) => covers(s, a, store));
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
            resource,
            resourceData: { id: a.item.id, '@odata.type': odataType, '@odata.id': resource },
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
