import { AppError } from '../errors.js';
import type { RecordingInfo } from '../graph/graph-port.js';
import type { ActiveJob } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { RecordingRepository } from '../store/store.js';
import { artifactsOfCall } from './call-artifacts.js';
import { callOnlyFailure, isCallOnly } from './call-problems.js';
import { updateOrganizerNoticeJob } from './job-kinds.js';
import { isArtifactId, isCallId, isEntraObjectId, isMeetingId, organizerFromMeetingId } from './graph-ids.js';
import type { IntegrationContext, IntegrationContexts } from './integration-context.js';
import { nameCallAfterSpeakers, type TranscriptSource } from './recorded-session.js';
import { attachTranscripts, type TranscriptOutcome } from './transcripts.js';

export interface AttachTranscriptDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  recordings: Pick<RecordingRepository, 'get' | 'upsert'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** how long to wait for the meeting's recording to be archived before looking again */
  recordingWaitMs?: number;
  /** transcripts cannot be read (permission or tenant switch): the integration shows a warning */
  onTranscriptProblem?: (integrationId: string, err: AppError) => Promise<void>;
}

interface TranscriptPayload {
  meetingId?: string;
  /** an ad hoc call's transcript: its call, and `organizerId` who started it */
  callId?: string;
  transcriptId: string | null;
  organizerId?: string;
  /** a retry of a call's transcripts: when its recording was made (Graph finds a call's artifacts by time) */
  around?: number;
}

/** ids come from notifications: nothing Graph would not give out reaches a URL */
function checkedPayload(raw: ActiveJob['payload']): TranscriptPayload & { organizerId: string } {
  const p = raw as unknown as TranscriptPayload;
  const source = p.callId !== undefined ? isCallId(p.callId) && isEntraObjectId(p.organizerId) : isMeetingId(p.meetingId);
  if (!source || (p.transcriptId !== null && !isArtifactId(p.transcriptId)) || (p.organizerId !== undefined && !isEntraObjectId(p.organizerId))) {
    throw new AppError('GRAPH_ID_INVALID', 'the job names a meeting, call, transcript or organizer id that Graph would not give out');
  }
  const organizerId = p.organizerId ?? organizerFromMeetingId(p.meetingId!);
  if (!organizerId) throw new AppError('ORGANIZER_UNKNOWN', `cannot tell the organizer of meeting ${p.meetingId}`);
  return { ...p, organizerId };
}

/**
 * The recordings the transcript belongs with, and where the transcripts are found: its meeting's, or
 * its call's (found by time, as Graph lists nothing per call). undefined: Graph no longer has the
 * transcript, so there is nothing to attach.
 */
async function recordingsOf(c: IntegrationContext, p: TranscriptPayload & { organizerId: string }): Promise<{ recordings: RecordingInfo[]; source: TranscriptSource } | undefined> {
  if (p.callId === undefined) return { recordings: await c.graph.meetingRecordings(p.organizerId, p.meetingId!), source: { meetingId: p.meetingId! } };
  let around = p.around;
  if (around === undefined && p.transcriptId !== null) {
    const t = await c.graph.getCallArtifact('transcript', p.organizerId, p.callId, p.transcriptId);
    if (!t) return undefined;
    around = Date.parse(t.createdDateTime);
  }
  const at = around ?? Date.now();
  return { recordings: await artifactsOfCall(c, 'recording', { initiatorId: p.organizerId, callId: p.callId, around: at }), source: { callId: p.callId, around: at } };
}

/**
 * A transcript that became available: put it on the entry of its meeting's (or call's) recording.
 * Transcripts often come before the recording is archived; then the job waits and looks again (the
 * recording's own job also attaches any transcript it finds, so whichever finishes second does the work).
 */
export function createAttachTranscriptHandler(deps: AttachTranscriptDeps) {
  return async (job: ActiveJob): Promise<{ outcome: TranscriptOutcome | 'skipped' }> => {
    const p = checkedPayload(job.payload);
    const c = await deps.contexts.get(job.integrationId);
    if (!c.settings.uploadTranscripts || !c.integration.enabled) return { outcome: 'skipped' };
    // with the switch off nothing of calls is read
    if (p.callId !== undefined && !c.settings.includeAdhocCalls) return { outcome: 'skipped' };

    let found: Awaited<ReturnType<typeof recordingsOf>>;
    try {
      found = await recordingsOf(c, p);
    } catch (err) {
      // a call permission missing stops calls only: a warning, not a pause; caught up once granted (call-recovery.ts)
      if (!isCallOnly(err)) throw err;
      await deps.onTranscriptProblem?.(job.integrationId, err as AppError);
      throw callOnlyFailure(err as AppError);
    }
    if (!found) return { outcome: 'skipped' };
    let waiting = found.recordings.length === 0;
    let outcome: TranscriptOutcome | 'skipped' = 'skipped';
    for (const r of found.recordings) {
      const record = await deps.recordings.get({ integrationId: job.integrationId, recordingId: r.id });
      if (record?.state === 'skipped') continue;
      if (record?.state !== 'archived' || !record.entryId) {
        waiting = true;
        continue;
      }
      const texts: string[] = [];
      outcome = await attachTranscripts(
        c,
        { integrationId: job.integrationId, recordingId: r.id, organizerId: p.organizerId, source: found.source, entryId: record.entryId },
        deps.recordings,
        { onTranscriptProblem: deps.onTranscriptProblem, onText: (t) => texts.push(t) },
      );
      if (outcome === 'attached' && p.callId !== undefined) await nameCallAfterSpeakers(c, deps.recordings, record, texts);
      // the recording was archived (and its organizer told) before this transcript came
      if (outcome === 'attached') await deps.queue.enqueue(updateOrganizerNoticeJob(job.integrationId, r.id));
    }
    if (waiting && outcome !== 'attached') {
      const of = p.callId !== undefined ? `call ${p.callId}` : `meeting ${p.meetingId}`;
      throw new AppError('RECORDING_NOT_ARCHIVED_YET', `the recording of ${of} is not archived yet`, {
        retryable: true,
        retryAfterMs: deps.recordingWaitMs ?? 60_000,
      });
    }
    return { outcome };
  };
}
