import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { describeFailure } from '../queue/failure.js';
import type { JobContext } from '../queue/worker.js';
import type { ActiveJob, RecordingPatch } from '../store/model.js';
import type { IntegrationHealthKeeper } from '../health/integration-health.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { RecordingRepository } from '../store/store.js';
import { notifyOrganizerJob } from './job-kinds.js';
import { callOnlyFailure, isCallOnly } from './call-problems.js';
import { isArtifactId, isCallId, isEntraObjectId, isMeetingId, organizerFromMeetingId } from './graph-ids.js';
import type { IntegrationContexts } from './integration-context.js';
import { readSession } from './recorded-session.js';
import { resolveKalturaUser } from './resolve-kaltura-user.js';
import { attachTranscripts } from './transcripts.js';
import { releaseUploadTokens, uploadRecording, type IngestProgress } from './upload-recording.js';
import { outOfScopeReason } from './upload-scope.js';

export interface IngestDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  recordings: Pick<RecordingRepository, 'upsert'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  /** an archived recording is the integration's latest success */
  keeper: Pick<IntegrationHealthKeeper, 'succeeded'>;
  logger: Logger;
  /** `{entryId}` and `{partnerId}` are replaced */
  entryUrlTemplate: string;
  /** chunk size for Kaltura uploads (default 4 MiB): memory holds two per upload */
  chunkSize?: number;
  /** transcripts cannot be read (permission or tenant switch): the integration shows a warning */
  onTranscriptProblem?: (integrationId: string, err: AppError) => Promise<void>;
  /** ad hoc calls cannot be read (their permission): the integration shows a warning, meetings go on */
  onCallProblem?: (integrationId: string, err: AppError) => Promise<void>;
}

export interface IngestPayload {
  /** a meeting's recording: its meeting */
  meetingId?: string;
  /** an ad hoc call's recording: its call (and `organizerId`, who started it) */
  callId?: string;
  recordingId: string;
  organizerId?: string;
  source?: string;
}

const ENTRY_NO_CONTENT = 7;

/**
 * The job's ids, checked before anything is called: they come from change notifications, and one that
 * is not of Graph's making (`..`, a path, a query) must not reach a Graph URL or leave a Kaltura entry.
 */
function checkedPayload(raw: ActiveJob['payload']): IngestPayload {
  const p = raw as Partial<IngestPayload>;
  const source = p.callId !== undefined ? isCallId(p.callId) && isEntraObjectId(p.organizerId) && p.meetingId === undefined : isMeetingId(p.meetingId);
  if (!source || !isArtifactId(p.recordingId) || (p.organizerId !== undefined && !isEntraObjectId(p.organizerId))) {
    const shown = (v: unknown) => JSON.stringify(v)?.slice(0, 80);
    throw new AppError(
      'GRAPH_ID_INVALID',
      `the job names a ${p.callId !== undefined ? `call ${shown(p.callId)}` : `meeting ${shown(p.meetingId)}`}, recording ${shown(p.recordingId)} or organizer ${shown(p.organizerId)} that Graph would not give out`,
    );
  }
  return p as IngestPayload;
}

export function entryUrl(template: string, partnerId: number, entryId: string): string {
  return template.replaceAll('{entryId}', encodeURIComponent(entryId)).replaceAll('{partnerId}', String(partnerId));
}

/**
 * Archives one Teams recording (a meeting's or an ad hoc call's) into Kaltura: resolve people and
 * scope, stream the content from Graph into an upload token in chunks, create the entry (looked up
 * first by referenceId so no retry makes a second one), attach, categorize, add the transcript, then
 * hand the organizer's notice to its own job. Every step's result is saved on the job, so an attempt
 * after a crash continues where it stopped.
 */
export function createIngestRecordingHandler(deps: IngestDeps) {
  return async (job: ActiveJob, ctx: JobContext): Promise<{ entryId: string } | { skipped: string }> => {
    const payload = checkedPayload(job.payload);
    const key = { integrationId: job.integrationId, recordingId: payload.recordingId };
    const progress: IngestProgress = { ...(job.progress as IngestProgress) };
    const save = async (patch: Partial<IngestProgress>) => {
      Object.assign(progress, patch);
      await ctx.saveProgress(progress);
    };
    const record = (patch: RecordingPatch) => deps.recordings.upsert(key, { jobId: job.id, ...patch });
    const where = payload.callId ? { meetingId: null, callId: payload.callId } : { meetingId: payload.meetingId! };

    const organizerId = payload.organizerId ?? organizerFromMeetingId(payload.meetingId!);
    if (!organizerId) {
      await record({ state: 'failed', ...where, error: { code: 'ORGANIZER_UNKNOWN', message: 'the meeting id names no organizer' } });
      throw new AppError('ORGANIZER_UNKNOWN', `cannot tell the organizer of meeting ${payload.meetingId}`);
    }
    const c = await deps.contexts.get(job.integrationId);
    if (!c.integration.enabled) {
      await record({ state: 'skipped', reason: 'The integration is disabled.' });
      return { skipped: 'integration disabled' };
    }
    // with the switch off nothing of calls is read, nor written down: a notification that was already on its way is dropped
    if (payload.callId && !c.settings.includeAdhocCalls) return { skipped: 'ad hoc calls are off' };

    try {
      const uploaded = progress.step === 'attached' || progress.step === 'archived';
      const session = await readSession(c, { ...payload, organizerId }, progress, uploaded);
      if (session.callFacts && !progress.call) await save({ call: session.callFacts });
      const { meeting, organizer } = session;
      await record({
        state: 'queued',
        ...where,
        organizerId,
        subject: session.subject || null,
        recordedAt: Date.parse(meeting.startDateTime) || null,
        error: null,
      });

      // the scope first: an organizer it leaves out must not be created in Kaltura for nothing
      const known = await resolveKalturaUser(c.kaltura, organizer, c.settings, { createMissing: false });
      const reason = await outOfScopeReason(c, organizerId, { kalturaUserId: known.id, exists: known.kind !== 'missing' });
      if (reason) {
        await record({ state: 'skipped', reason });
        return { skipped: reason };
      }
      const owner = known.kind === 'missing' ? await resolveKalturaUser(c.kaltura, organizer, c.settings, { createMissing: true }) : known;

      if (!progress.entryId) {
        const existing = (await c.kaltura.findEntriesByReferenceId(session.entry.referenceId))[0];
        if (existing) await save({ entryId: existing.id, step: existing.status === ENTRY_NO_CONTENT ? 'resolved' : 'attached' });
      }
      const categoryIds = [...(await c.kaltura.categoryIdsByFullName(c.settings.categories)).values()];

      if (progress.step !== 'attached' && progress.step !== 'archived') {
        await uploadRecording(c, {
          integrationId: job.integrationId,
          recording: session.recording,
          meeting,
          ownerId: owner.id,
          entry: session.entry,
          progress,
          save,
          record,
          signal: ctx.signal,
          chunkSize: deps.chunkSize,
        });
      }

      await c.kaltura.addToCategories(progress.entryId!, categoryIds);
      // an integration's own link (its MediaSpace, say) wins over the app's
      const url = entryUrl(c.settings.entryUrlTemplate || deps.entryUrlTemplate, c.integration.kaltura.partnerId, progress.entryId!);
      // transcripts before 'archived': a transcript job waits for that mark, so the two never add the same caption at once
      const transcript = c.settings.uploadTranscripts
        ? await attachTranscripts(c, { ...key, organizerId, source: session.transcripts, entryId: progress.entryId! }, deps.recordings, {
            onTranscriptProblem: deps.onTranscriptProblem,
          })
        : 'skipped';
      await record({ state: 'archived', entryId: progress.entryId!, entryUrl: url, bytesDone: progress.bytesTotal ?? 0, error: null });
      await save({ step: 'archived' });

      await deps.jobs.enqueue(
        notifyOrganizerJob(job.integrationId, payload.recordingId, {
          integrationId: job.integrationId,
          recordingId: payload.recordingId,
          tenantId: c.integration.tenantId,
          organizerId,
          ...(payload.callId ? { source: 'call' } : {}),
          subject: session.subject,
          startDateTime: meeting.startDateTime,
          durationMinutes: Math.max(0, Math.round((Date.parse(meeting.endDateTime) - Date.parse(meeting.startDateTime)) / 60_000)),
          sizeBytes: progress.bytesTotal ?? 0,
          entryId: progress.entryId!,
          entryUrl: url,
          transcriptAttached: transcript === 'attached',
          publishedTo: c.settings.categories,
          ...(c.settings.notifyCoOrganizers
            ? { coOrganizerIds: meeting.participants.filter((p) => p.role === 'coorganizer' && p.userId).map((p) => p.userId) }
            : {}),
        }),
      );
      await deps.keeper.succeeded(job.integrationId);
      deps.logger.info({ integrationId: job.integrationId, recordingId: payload.recordingId, entryId: progress.entryId }, 'recording archived');
      return { entryId: progress.entryId! };
    } catch (err) {
      const e = err as AppError;
      // a call permission missing stops calls only: final here, retried once it is granted (call-recovery.ts)
      const callOnly = isCallOnly(err);
      const retrying = !callOnly && (e.retryable || e.blocking);
      await record({
        state: retrying ? 'queued' : 'failed',
        error: { code: e.code ?? 'UNEXPECTED_ERROR', message: e.message },
      }).catch(() => undefined);
      if (callOnly) await deps.onCallProblem?.(job.integrationId, e).catch(() => undefined);
      const thrown = callOnly ? callOnlyFailure(e) : err;
      if (givesUp(thrown, job, ctx.signal)) {
        await releaseUploadTokens(c, progress).catch((cleanup: unknown) =>
          deps.logger.warn({ integrationId: job.integrationId, recordingId: payload.recordingId, err: cleanup }, 'could not delete the upload tokens of a failed recording'),
        );
      }
      throw thrown;
    }
  };
}

/** The queue will not run this job again (a lost lease or a stopping worker hands it on, it does not end it). */
function givesUp(err: unknown, job: ActiveJob, signal: AbortSignal): boolean {
  if (signal.aborted) return false;
  const failure = describeFailure(err);
  return !failure.blocking && (!failure.retryable || job.attempts >= job.maxAttempts);
}
