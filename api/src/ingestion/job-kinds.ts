import type { HealthChangedEvent } from '../notify/notifier.js';
import type { NewJob } from '../store/model.js';

/**
 * Every kind of job, and one factory for each: idempotency keys (which make repeats harmless),
 * priorities and payloads live here and nowhere else. Attempts come from the queue's configured
 * default. Jobs go in only through `JobQueue.enqueue`.
 */
export const JobKind = {
  ingestRecording: 'ingest-recording',
  attachTranscript: 'attach-transcript',
  subscriptionLifecycle: 'subscription-lifecycle',
  sweep: 'sweep',
  notifyOrganizer: 'notify-organizer',
  updateOrganizerNotice: 'update-organizer-notice',
  syncSubscriptions: 'sync-subscriptions',
  alertAdmins: 'alert-admins',
  catchUpCalls: 'catch-up-calls',
  duty: 'duty',
} as const;

/** Within one integration: admin actions and lifecycle first, fresh meetings before a backfill. */
export const Priority = { admin: 30, lifecycle: 20, notice: 15, fresh: 10, sweep: 5, backfill: 0 } as const;

/** The lane of the scheduler's duties: not an integration, so it is never paused with one. */
export const SYSTEM_LANE = '__system__';

export type Source = 'notification' | 'sweep' | 'backfill';

export function ingestRecordingJob(integrationId: string, ref: { meetingId: string; recordingId: string; organizerId?: string }, source: Source): NewJob {
  return {
    kind: JobKind.ingestRecording,
    integrationId,
    idempotencyKey: `recording:${integrationId}:${ref.recordingId}`,
    payload: { meetingId: ref.meetingId, recordingId: ref.recordingId, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source },
    priority: source === 'backfill' ? Priority.backfill : source === 'sweep' ? Priority.sweep : Priority.fresh,
  };
}

export function attachTranscriptJob(integrationId: string, ref: { meetingId: string; transcriptId: string; organizerId?: string }, source: Source): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript:${integrationId}:${ref.transcriptId}`,
    payload: { meetingId: ref.meetingId, transcriptId: ref.transcriptId, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source },
    priority: source === 'backfill' ? Priority.backfill : Priority.fresh,
  };
}

/** An ad hoc call's recording; `retryAt` makes a retry (after its permission was granted) its own job. */
export function ingestCallRecordingJob(
  integrationId: string,
  ref: { callId: string; recordingId: string; initiatorId: string },
  source: Source | 'catch-up',
  retryAt?: number,
): NewJob {
  return {
    kind: JobKind.ingestRecording,
    integrationId,
    idempotencyKey: retryAt === undefined ? `recording:${integrationId}:${ref.recordingId}` : `recording-retry:${integrationId}:${ref.recordingId}:${retryAt}`,
    payload: { callId: ref.callId, recordingId: ref.recordingId, organizerId: ref.initiatorId, source },
    priority: source === 'notification' ? Priority.fresh : source === 'backfill' ? Priority.backfill : Priority.sweep,
  };
}

/** An ad hoc call's transcript (Graph lists nothing per call: it is found with the call's recordings by time). */
export function attachCallTranscriptJob(integrationId: string, ref: { callId: string; transcriptId: string; initiatorId: string }, source: Source): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript:${integrationId}:${ref.transcriptId}`,
    payload: { callId: ref.callId, transcriptId: ref.transcriptId, organizerId: ref.initiatorId, source },
    priority: source === 'backfill' ? Priority.backfill : Priority.fresh,
  };
}

/** The transcripts of an archived call recording, again (its transcript permission was missing); `around` is when it was recorded. */
export function retryCallTranscriptJob(integrationId: string, ref: { recordingId: string; callId: string; initiatorId: string; around: number }, at: number): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript-retry:${integrationId}:${ref.recordingId}:${at}`,
    payload: { callId: ref.callId, transcriptId: null, organizerId: ref.initiatorId, around: ref.around, source: 'retry' },
    priority: Priority.sweep,
  };
}

/**
 * Find the ad hoc calls recorded since `from` that are not archived (their permission was missing, or
 * the switch was just turned on) and queue them; `occasion` makes each catch-up its own job.
 */
export function catchUpCallsJob(integrationId: string, from: number, occasion: string): NewJob {
  return {
    kind: JobKind.catchUpCalls,
    integrationId,
    idempotencyKey: `calls:${integrationId}:${occasion}`,
    payload: { from },
    priority: Priority.sweep,
  };
}

/**
 * Attaches the transcripts of an archived recording's meeting again, after the cause of their failure
 * was fixed; `at` (when the fix was seen) makes each round of retries its own job.
 */
export function retryTranscriptJob(integrationId: string, ref: { recordingId: string; meetingId: string; organizerId: string | null }, at: number): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript-retry:${integrationId}:${ref.recordingId}:${at}`,
    payload: { meetingId: ref.meetingId, transcriptId: null, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source: 'retry' },
    priority: Priority.sweep,
  };
}

/** A sweep of a window (`key` names the occasion: a period, a gap, an admin's backfill). */
export function sweepJob(integrationId: string, window: { from?: number; to?: number }, source: 'sweep' | 'backfill', key: string): NewJob {
  return {
    kind: JobKind.sweep,
    integrationId,
    idempotencyKey: `${source}:${integrationId}:${key}`,
    payload: { source, ...(window.from !== undefined ? { from: window.from } : {}), ...(window.to !== undefined ? { to: window.to } : {}) },
    priority: source === 'backfill' ? Priority.backfill : Priority.sweep,
  };
}

/** Graph's retries of one lifecycle event within a minute collapse into one job; a later event gets its own. */
export function lifecycleJob(integrationId: string, ref: { subscriptionId: string; event: string; resource: string }, now: number): NewJob {
  return {
    kind: JobKind.subscriptionLifecycle,
    integrationId,
    idempotencyKey: `lifecycle:${ref.subscriptionId}:${ref.event}:${Math.floor(now / 60_000)}`,
    payload: { subscriptionId: ref.subscriptionId, event: ref.event, resource: ref.resource },
    priority: Priority.lifecycle,
  };
}

export function notifyOrganizerJob(integrationId: string, recordingId: string, payload: NewJob['payload']): NewJob {
  return { kind: JobKind.notifyOrganizer, integrationId, idempotencyKey: `notify:${integrationId}:${recordingId}`, payload, priority: Priority.notice };
}

/** The organizer's card says "no transcript" and one was attached since: change it in place. */
export function updateOrganizerNoticeJob(integrationId: string, recordingId: string): NewJob {
  return {
    kind: JobKind.updateOrganizerNotice,
    integrationId,
    idempotencyKey: `notice-update:${integrationId}:${recordingId}`,
    payload: { recordingId },
    priority: Priority.notice,
  };
}

/**
 * Tell the tenant's admins of a change of an integration's health. It runs in the system lane, so an
 * integration paused by the very error it reports still gets its alert out; `rev` (the health's
 * revision as written) makes each change one job, so a sweep that sees the same state adds nothing.
 */
export function alertAdminsJob(event: HealthChangedEvent, rev: number): NewJob {
  return {
    kind: JobKind.alertAdmins,
    integrationId: SYSTEM_LANE,
    idempotencyKey: `alert:${event.integrationId}:${rev}:${event.kind}`,
    payload: event as unknown as NewJob['payload'],
    priority: Priority.notice,
  };
}

/**
 * Bring the integration's Graph subscriptions in line with its state (create on enable, remove on
 * disable) and, when enabled, queue its first sweep. `occasion` makes each admin action its own job.
 */
export function syncSubscriptionsJob(integrationId: string, occasion: string): NewJob {
  return {
    kind: JobKind.syncSubscriptions,
    integrationId,
    idempotencyKey: `sync:${integrationId}:${occasion}`,
    payload: { occasion },
    priority: Priority.admin,
  };
}

/**
 * One scheduled duty for one period: every worker enqueues it when its timer fires, the key makes it
 * one job, so the duty runs once per period however many workers there are.
 */
export function dutyJob(duty: string, periodMs: number, now: number, occasion: 'period' | 'start' = 'period'): NewJob {
  return {
    kind: JobKind.duty,
    integrationId: SYSTEM_LANE,
    idempotencyKey: `duty:${duty}:${occasion}:${periodMs}:${Math.floor(now / periodMs)}`,
    payload: { duty },
    priority: Priority.admin,
  };
}
