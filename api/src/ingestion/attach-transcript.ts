import { AppError } from '../errors.js';
import type { ActiveJob } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { RecordingRepository } from '../store/store.js';
import { updateOrganizerNoticeJob } from './job-kinds.js';
import { isArtifactId, isEntraObjectId, isMeetingId, organizerFromMeetingId } from './graph-ids.js';
import type { IntegrationContexts } from './integration-context.js';
import { attachTranscriptsOfMeeting, type TranscriptOutcome } from './transcripts.js';

export interface AttachTranscriptDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  recordings: Pick<RecordingRepository, 'get' | 'upsert'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** how long to wait for the meeting's recording to be archived before looking again */
  recordingWaitMs?: number;
  /** transcripts cannot be read (permission or tenant switch): the integration shows a warning */
  onTranscriptProblem?: (integrationId: string, err: AppError) => Promise<void>;
}

/**
 * A transcript that became available: put it on the entry of its meeting's recording. Transcripts
 * often come before the recording is archived; then the job waits and looks again (the recording's
 * own job also attaches any transcript it finds, so whichever finishes second does the work).
 */
export function createAttachTranscriptHandler(deps: AttachTranscriptDeps) {
  return async (job: ActiveJob): Promise<{ outcome: TranscriptOutcome | 'skipped' }> => {
    const p = job.payload as { meetingId: string; transcriptId: string | null; organizerId?: string };
    // ids come from notifications: nothing Graph would not give out reaches a URL
    if (!isMeetingId(p.meetingId) || (p.transcriptId !== null && !isArtifactId(p.transcriptId)) || (p.organizerId !== undefined && !isEntraObjectId(p.organizerId))) {
      throw new AppError('GRAPH_ID_INVALID', 'the job names a meeting, transcript or organizer id that Graph would not give out');
    }
    const organizerId = p.organizerId ?? organizerFromMeetingId(p.meetingId);
    if (!organizerId) throw new AppError('ORGANIZER_UNKNOWN', `cannot tell the organizer of meeting ${p.meetingId}`);
    const c = await deps.contexts.get(job.integrationId);
    if (!c.settings.uploadTranscripts || !c.integration.enabled) return { outcome: 'skipped' };

    const recordings = await c.graph.meetingRecordings(organizerId, p.meetingId);
    let waiting = recordings.length === 0;
    let outcome: TranscriptOutcome | 'skipped' = 'skipped';
    for (const r of recordings) {
      const record = await deps.recordings.get({ integrationId: job.integrationId, recordingId: r.id });
      if (record?.state === 'skipped') continue;
      if (record?.state !== 'archived' || !record.entryId) {
        waiting = true;
        continue;
      }
      outcome = await attachTranscriptsOfMeeting(
        c,
        { integrationId: job.integrationId, recordingId: r.id, organizerId, meetingId: p.meetingId, entryId: record.entryId },
        deps.recordings,
        { onTranscriptProblem: deps.onTranscriptProblem },
      );
      // the recording was archived (and its organizer told) before this transcript came
      if (outcome === 'attached') await deps.queue.enqueue(updateOrganizerNoticeJob(job.integrationId, r.id));
    }
    if (waiting && outcome !== 'attached') {
      throw new AppError('RECORDING_NOT_ARCHIVED_YET', `the recording of meeting ${p.meetingId} is not archived yet`, {
        retryable: true,
        retryAfterMs: deps.recordingWaitMs ?? 60_000,
      });
    }
    return { outcome };
  };
}
