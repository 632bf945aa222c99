import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { JobRepository, SubscriptionRepository } from '../store/store.js';
import { organizerFromMeetingId, parseArtifactResource } from './graph-ids.js';
import { attachTranscriptJob, ingestRecordingJob, JobKind } from './job-kinds.js';

export interface NotificationDeps {
  subscriptions: Pick<SubscriptionRepository, 'get'>;
  jobs: Pick<JobRepository, 'enqueue'>;
  logger: Logger;
  now: () => number;
}

export interface NotificationOutcome {
  /** HTTP status for Graph: 202 once everything valid is queued */
  status: number;
  queued: number;
  duplicates: number;
  rejected: number;
  ignored: number;
}

interface ChangeNotification {
  subscriptionId?: unknown;
  clientState?: unknown;
  resource?: unknown;
  changeType?: unknown;
  lifecycleEvent?: unknown;
}

/** Compares without leaking, through timing, how much of the secret matched. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function items(body: unknown): ChangeNotification[] | undefined {
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? (value as ChangeNotification[]) : undefined;
}

/**
 * Graph change notifications: check each against its subscription's clientState, turn it into an
 * idempotent job, and answer. Nothing slow happens here: Graph wants an answer within 3 seconds.
 * A notification with a wrong clientState is not trusted and not queued; if none in the batch could
 * be trusted the answer is 401, so a forger learns nothing and Graph (which never sends a wrong one)
 * is unaffected. Unknown subscriptions (deleted on our side) are acknowledged so Graph stops retrying.
 */
export async function receiveChangeNotifications(deps: NotificationDeps, body: unknown): Promise<NotificationOutcome> {
  const list = items(body);
  const outcome: NotificationOutcome = { status: 202, queued: 0, duplicates: 0, rejected: 0, ignored: 0 };
  if (!list) return { ...outcome, status: 400 };
  for (const n of list) {
    const subscription = typeof n.subscriptionId === 'string' ? await deps.subscriptions.get(n.subscriptionId) : null;
    if (!subscription) {
      outcome.ignored += 1;
      continue;
    }
    if (!sameSecret(n.clientState, subscription.clientState)) {
      outcome.rejected += 1;
      deps.logger.warn({ subscriptionId: subscription.id }, 'change notification with a wrong clientState rejected');
      continue;
    }
    const ref = typeof n.resource === 'string' ? parseArtifactResource(n.resource) : undefined;
    if (!ref) {
      outcome.ignored += 1;
      deps.logger.warn({ subscriptionId: subscription.id, resource: n.resource }, 'change notification for an unexpected resource');
      continue;
    }
    const organizerId = organizerFromMeetingId(ref.meetingId);
    const job =
      ref.kind === 'recording'
        ? ingestRecordingJob(subscription.integrationId, { meetingId: ref.meetingId, recordingId: ref.id, organizerId }, 'notification')
        : attachTranscriptJob(subscription.integrationId, { meetingId: ref.meetingId, transcriptId: ref.id, organizerId }, 'notification');
    const { created } = await deps.jobs.enqueue(job);
    if (created) outcome.queued += 1;
    else outcome.duplicates += 1;
  }
  if (outcome.rejected > 0 && outcome.queued + outcome.duplicates === 0) outcome.status = 401;
  return outcome;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
const lifecycleEvents: readonly string[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

/**
 * Lifecycle notifications become jobs too (reauthorize, recreate, or sweep for what was missed); Graph's
 * retries of one event within a minute collapse into one job, a later event gets its own.
 */
export async function receiveLifecycleNotifications(deps: NotificationDeps, body: unknown): Promise<NotificationOutcome> {
  const list = items(body);
  const outcome: NotificationOutcome = { status: 202, queued: 0, duplicates: 0, rejected: 0, ignored: 0 };
  if (!list) return { ...outcome, status: 400 };
  for (const n of list) {
    const subscription = typeof n.subscriptionId === 'string' ? await deps.subscriptions.get(n.subscriptionId) : null;
    if (!subscription || typeof n.lifecycleEvent !== 'string' || !lifecycleEvents.includes(n.lifecycleEvent)) {
      outcome.ignored += 1;
      continue;
    }
    if (!sameSecret(n.clientState, subscription.clientState)) {
      outcome.rejected += 1;
      continue;
    }
    const { created } = await deps.jobs.enqueue({
      kind: JobKind.subscriptionLifecycle,
      integrationId: subscription.integrationId,
      idempotencyKey: `lifecycle:${subscription.id}:${n.lifecycleEvent}:${Math.floor(deps.now() / 60_000)}`,
      payload: { subscriptionId: subscription.id, event: n.lifecycleEvent, resource: subscription.resource },
      priority: 20,
    });
    if (created) outcome.queued += 1;
    else outcome.duplicates += 1;
  }
  if (outcome.rejected > 0 && outcome.queued + outcome.duplicates === 0) outcome.status = 401;
  return outcome;
}
