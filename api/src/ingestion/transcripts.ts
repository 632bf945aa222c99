import { AppError } from '../errors.js';
import type { TranscriptInfo } from '../graph/graph-port.js';
import type { RecordingRepository } from '../store/store.js';
import type { IntegrationContext } from './integration-context.js';
import { artifactsOfCall } from './call-artifacts.js';
import { isCallOnly } from './call-problems.js';
import type { TranscriptSource } from './recorded-session.js';
import { isTranscriptOnly } from './subscriptions.js';

export type TranscriptOutcome = 'attached' | 'pending' | 'failed' | 'skipped';

function label(index: number): string {
  return index === 0 ? 'Teams' : `Teams (${index + 1})`;
}

/** The transcripts Graph has for the recording's meeting, or for its call. */
async function transcriptsOf(c: IntegrationContext, organizerId: string, source: TranscriptSource): Promise<TranscriptInfo[]> {
  if ('callId' in source) return artifactsOfCall(c, 'transcript', { initiatorId: organizerId, callId: source.callId, around: source.around });
  return c.graph.meetingTranscripts(organizerId, source.meetingId);
}

/**
 * Adds every transcript of the meeting (or call) to the entry as a WEBVTT caption (idempotent:
 * Kaltura is asked for an existing caption with the same label first). Transcript-only problems (the
 * tenant switch is off, the permission is missing) must not stop recordings, so they are recorded on
 * the recording, handed to `onTranscriptProblem` (the integration's health shows a warning) and
 * reported as 'failed' instead of thrown.
 */
export async function attachTranscripts(
  c: IntegrationContext,
  target: { integrationId: string; recordingId: string; organizerId: string; source: TranscriptSource; entryId: string },
  recordings: Pick<RecordingRepository, 'upsert'>,
  options: {
    known?: TranscriptInfo;
    onTranscriptProblem?: (integrationId: string, err: AppError) => Promise<void>;
    /** each transcript's text, as it is attached */
    onText?: (vtt: string) => void;
  } = {},
): Promise<TranscriptOutcome> {
  const { known } = options;
  const key = { integrationId: target.integrationId, recordingId: target.recordingId };
  try {
    const listed = await transcriptsOf(c, target.organizerId, target.source);
    const transcripts = known && !listed.some((t) => t.id === known.id) ? [...listed, known] : listed;
    if (transcripts.length === 0) {
      await recordings.upsert(key, { transcript: { state: 'pending', error: null } });
      return 'pending';
    }
    transcripts.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
    for (const [i, t] of transcripts.entries()) {
      const vtt = await c.graph.transcriptVtt(t);
      await c.kaltura.addCaption(target.entryId, { label: label(i), language: 'English', text: vtt });
      options.onText?.(vtt);
    }
    await recordings.upsert(key, { transcript: { state: 'attached', error: null } });
    return 'attached';
  } catch (err) {
    const e = err as AppError;
    if (e instanceof AppError && (e.blocking || !e.retryable || isCallOnly(e))) {
      await recordings.upsert(key, { transcript: { state: 'failed', error: { code: e.code, message: e.message } } });
      if (isTranscriptOnly(e) || isCallOnly(e)) await options.onTranscriptProblem?.(target.integrationId, e);
      return 'failed';
    }
    throw err;
  }
}
