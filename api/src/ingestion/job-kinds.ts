import type { NewJob } from '../store/model.js';

/** The jobs the pipeline runs, with the idempotency keys that make repeats harmless. */
export const JobKind = {
  ingestRecording: 'ingest-recording',
  attachTranscript: 'attach-transcript',
  subscriptionLifecycle: 'subscription-lifecycle',
  sweep: 'sweep',
} as const;

/** Fresh meetings run before backfill within one integration. */
export const Priority = { fresh: 10, sweep: 5, backfill: 0 } as const;

export function ingestRecordingJob(
  integrationId: string,
  ref: { meetingId: string; recordingId: string; organizerId?: string },
  source: 'notification' | 'sweep' | 'backfill',
): NewJob {
  return {
    kind: JobKind.ingestRecording,
    integrationId,
    idempotencyKey: `recording:${integrationId}:${ref.recordingId}`,
    payload: { meetingId: ref.meetingId, recordingId: ref.recordingId, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source },
    priority: source === 'backfill' ? Priority.backfill : source === 'sweep' ? Priority.sweep : Priority.fresh,
    maxAttempts: 10,
  };
}

export function attachTranscriptJob(
  integrationId: string,
  ref: { meetingId: string; transcriptId: string; organizerId?: string },
  source: 'notification' | 'sweep' | 'backfill',
): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript:${integrationId}:${ref.transcriptId}`,
    payload: { meetingId: ref.meetingId, transcriptId: ref.transcriptId, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source },
    priority: source === 'backfill' ? Priority.backfill : Priority.fresh,
    maxAttempts: 10,
  };
}

/**
 * Attaches the transcripts of an archived recording's meeting again, after the cause of their failure
 * was fixed; `at` (when the fix was seen) makes each round of retries its own job.
 */
export function retryTranscriptJob(
  integrationId: string,
  ref: { recordingId: string; meetingId: string; organizerId: string | null },
  at: number,
): NewJob {
  return {
    kind: JobKind.attachTranscript,
    integrationId,
    idempotencyKey: `transcript-retry:${integrationId}:${ref.recordingId}:${at}`,
    payload: { meetingId: ref.meetingId, transcriptId: null, ...(ref.organizerId ? { organizerId: ref.organizerId } : {}), source: 'retry' },
    priority: Priority.sweep,
    maxAttempts: 10,
  };
}
