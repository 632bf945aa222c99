import { CodedError } from '../errors.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { GraphSubscription } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { NewJob } from '../store/model.js';
import type { SubscriptionRepository } from '../store/store.js';
import { organizerFromMeetingId, parseArtifactResource, parseCallArtifactResource } from './graph-ids.js';
import { attachCallTranscriptJob, attachTranscriptJob, ingestCallRecordingJob, ingestRecordingJob, lifecycleJob } from './job-kinds.js';

export interface NotificationDeps {
  subscriptions: Pick<SubscriptionRepository, 'get'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  logger: Logger;
  now: () => number;
}

export interface NotificationOutcome {
  /** HTTP status for Graph: 202 once everything valid is queued; 400 for a batch with nothing well-formed */
  status: number;
  queued: number;
  duplicates: number;
  /** known subscription, wrong clientState */
  rejected: number;
  /** unknown subscription, or nothing this app acts on */
  ignored: number;
  /** not a notification at all (not an object, no subscription id) */
  malformed: number;
}

/**
 * The store failed while a batch was being queued. Only this becomes a 503 (Graph retries, nothing is
 * lost); anything else the receivers could throw would be a bug, not an outage.
 */
export class NotificationQueueError extends CodedError {
  readonly code = 'NOTIFICATIONS_NOT_QUEUED';
  constructor(cause: unknown) {
    super('could not queue notifications', { cause });
  }
}

interface ChangeNotification {
  subscriptionId: string;
  clientState?: unknown;
  resource?: unknown;
  changeType?: unknown;
  lifecycleEvent?: unknown;
  resourceData?: unknown;
}

/** Compares without leaking, through timing, how much of the secret matched. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function items(body: unknown): unknown[] | undefined {
  const value = body !== null && typeof body === 'object' ? (body as { value?: unknown }).value : undefined;
  return Array.isArray(value) ? value : undefined;
}

/** Decided from the item alone, before any lookup, so the answer says nothing about our subscriptions. */
function wellFormed(n: unknown): n is ChangeNotification {
  return n !== null && typeof n === 'object' && !Array.isArray(n) && typeof (n as { subscriptionId?: unknown }).subscriptionId === 'string';
}

function emptyOutcome(): NotificationOutcome {
  return { status: 202, queued: 0, duplicates: 0, rejected: 0, ignored: 0, malformed: 0 };
}

/** A batch of nothing but malformed items is a client's mistake worth telling; one bad item among good ones is skipped. */
function finalStatus(outcome: NotificationOutcome, count: number): number {
  return count > 0 && outcome.malformed === count ? 400 : 202;
}

/** One lookup per subscription id per batch: a batch repeating one id costs one read, not one per item. */
function subscriptionLookup(deps: NotificationDeps): (id: string) => Promise<GraphSubscription | null> {
  const seen = new Map<string, Promise<GraphSubscription | null>>();
  return async (id) => {
    let found = seen.get(id);
    if (!found) {
      found = deps.subscriptions.get(id).then((s) => s ?? null);
      seen.set(id, found);
    }
    try {
      return await found;
    } catch (err) {
      throw new NotificationQueueError(err);
    }
  };
}

async function enqueue(deps: NotificationDeps, job: NewJob): Promise<{ created: boolean }> {
  try {
    return await deps.jobs.enqueue(job);
  } catch (err) {
    throw new NotificationQueueError(err);
  }
}

/**
 * The job a notification asks for: a meeting's artifact (`communications/onlineMeetings('…')/…`), or an
 * ad hoc call's (`users/{initiator}/adhocCalls/{callId}/…`; Graph's examples write that path several
 * ways, and some put the usable one only in resourceData's @odata.id).
 */
function jobFor(integrationId: string, n: ChangeNotification): NewJob | undefined {
  const resource = typeof n.resource === 'string' ? n.resource : undefined;
  const ref = resource ? parseArtifactResource(resource) : undefined;
  if (ref) {
    const organizerId = organizerFromMeetingId(ref.meetingId);
    return ref.kind === 'recording'
      ? ingestRecordingJob(integrationId, { meetingId: ref.meetingId, recordingId: ref.id, organizerId }, 'notification')
      : attachTranscriptJob(integrationId, { meetingId: ref.meetingId, transcriptId: ref.id, organizerId }, 'notification');
  }
  const odataId = n.resourceData !== null && typeof n.resourceData === 'object' ? (n.resourceData as Record<string, unknown>)['@odata.id'] : undefined;
  const call = (resource ? parseCallArtifactResource(resource) : undefined) ?? (typeof odataId === 'string' ? parseCallArtifactResource(odataId) : undefined);
  if (!call) return undefined;
  const target = { callId: call.callId, initiatorId: call.initiatorId };
  return call.kind === 'recording'
    ? ingestCallRecordingJob(integrationId, { ...target, recordingId: call.id }, 'notification')
    : attachCallTranscriptJob(integrationId, { ...target, transcriptId: call.id }, 'notification');
}

/**
 * Graph change notifications: check each against its subscription's clientState, turn it into an
 * idempotent job, and answer. Nothing slow happens here: Graph wants an answer within 3 seconds.
 * A notification with a wrong clientState is not trusted and not queued, and is answered exactly as
 * one for an unknown subscription (202, nothing logged per item), so a forger cannot tell a live
 * subscription id from a dead one. Unknown subscriptions (deleted on our side) are acknowledged so
 * Graph stops retrying. The caller logs one line per batch from the counts.
 */
export async function receiveChangeNotifications(deps: NotificationDeps, body: unknown): Promise<NotificationOutcome> {
  const list = items(body);
  const outcome = emptyOutcome();
  if (!list) return { ...outcome, status: 400 };
  const find = subscriptionLookup(deps);
  for (const n of list) {
    if (!wellFormed(n)) {
      outcome.malformed += 1;
      continue;
    }
    const subscription = await find(n.subscriptionId);
    if (!subscription) {
      outcome.ignored += 1;
      continue;
    }
    if (!sameSecret(n.clientState, subscription.clientState)) {
      outcome.rejected += 1;
      continue;
    }
    const job = jobFor(subscription.integrationId, n);
    if (!job) {
      outcome.ignored += 1;
      continue;
    }
    const { created } = await enqueue(deps, job);
    if (created) outcome.queued += 1;
    else outcome.duplicates += 1;
  }
  outcome.status = finalStatus(outcome, list.length);
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
  const outcome = emptyOutcome();
  if (!list) return { ...outcome, status: 400 };
  const find = subscriptionLookup(deps);
  for (const n of list) {
    if (!wellFormed(n)) {
      outcome.malformed += 1;
      continue;
    }
    const subscription = await find(n.subscriptionId);
    if (!subscription || typeof n.lifecycleEvent !== 'string' || !lifecycleEvents.includes(n.lifecycleEvent)) {
      outcome.ignored += 1;
      continue;
    }
    if (!sameSecret(n.clientState, subscription.clientState)) {
      outcome.rejected += 1;
      continue;
    }
    const { created } = await enqueue(
      deps,
      lifecycleJob(subscription.integrationId, { subscriptionId: subscription.id, event: n.lifecycleEvent, resource: subscription.resource }, deps.now()),
    );
    if (created) outcome.queued += 1;
    else outcome.duplicates += 1;
  }
  outcome.status = finalStatus(outcome, list.length);
  return outcome;
}
