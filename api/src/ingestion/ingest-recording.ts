import { Transform, type Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { MeetingInfo, RecordingInfo, TeamsUser } from '../graph/graph-port.js';
import type { Logger } from '../logging/logger.js';
import type { JobContext } from '../queue/worker.js';
import type { ActiveJob, JobProgress, NewJob, RecordingPatch } from '../store/model.js';
import type { JobRepository, RecordingRepository } from '../store/store.js';
import { entitlementsFor } from './entitlements.js';
import { entryDescription, entryName, entryReferenceId } from './entry-text.js';
import { organizerFromMeetingId } from './graph-ids.js';
import type { IntegrationContext, IntegrationContexts } from './integration-context.js';
import { resolveKalturaUser } from './resolve-kaltura-user.js';
import { attachTranscriptsOfMeeting } from './transcripts.js';
import { outOfScopeReason } from './upload-scope.js';

export interface IngestDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  recordings: Pick<RecordingRepository, 'upsert'>;
  jobs: Pick<JobRepository, 'enqueue'>;
  logger: Logger;
  /** `{entryId}` and `{partnerId}` are replaced */
  entryUrlTemplate: string;
  /** chunk size for Kaltura uploads (default 4 MiB): memory holds two per upload */
  chunkSize?: number;
  /** transcripts cannot be read (permission or tenant switch): the integration shows a warning */
  onTranscriptProblem?: (integrationId: string, err: AppError) => Promise<void>;
}

export interface IngestPayload {
  meetingId: string;
  recordingId: string;
  organizerId?: string;
  source?: string;
}

/** Progress kept on the job between attempts; each field lets a retry skip what is done. */
interface IngestProgress extends JobProgress {
  step?: 'resolved' | 'uploading' | 'attached' | 'archived';
  entryId?: string;
  uploadTokenId?: string;
  bytesTotal?: number;
  bytesUploaded?: number;
}

const ENTRY_NO_CONTENT = 7;
const PROGRESS_EVERY = 16 * 1024 * 1024;

export function entryUrl(template: string, partnerId: number, entryId: string): string {
  return template.replaceAll('{entryId}', encodeURIComponent(entryId)).replaceAll('{partnerId}', String(partnerId));
}

/** Drops the first `count` bytes: for a download that restarted from 0 when we asked for a range. */
function skipBytes(count: number): Transform {
  let left = count;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left <= 0) return done(null, chunk);
      if (chunk.length <= left) {
        left -= chunk.length;
        return done();
      }
      const rest = chunk.subarray(left);
      left = 0;
      done(null, rest);
    },
  });
}

export function notifyOrganizerJob(integrationId: string, recordingId: string, payload: NewJob['payload']): NewJob {
  return { kind: 'notify-organizer', integrationId, idempotencyKey: `notify:${integrationId}:${recordingId}`, payload, priority: 15, maxAttempts: 8 };
}

/**
 * Archives one Teams recording into Kaltura: resolve people and scope, stream the content from Graph
 * into an upload token in chunks, create the entry (looked up first by referenceId so no retry makes a
 * second one), attach, categorize, add the transcript, then hand the organizer's notice to its own job.
 * Every step's result is saved on the job, so an attempt after a crash continues where it stopped.
 */
export function createIngestRecordingHandler(deps: IngestDeps) {
  return async (job: ActiveJob, ctx: JobContext): Promise<{ entryId: string } | { skipped: string }> => {
    const payload = job.payload as unknown as IngestPayload;
    const key = { integrationId: job.integrationId, recordingId: payload.recordingId };
    const progress: IngestProgress = { ...(job.progress as IngestProgress) };
    const save = async (patch: Partial<IngestProgress>) => {
      Object.assign(progress, patch);
      await ctx.saveProgress(progress);
    };
    const record = (patch: RecordingPatch) => deps.recordings.upsert(key, { jobId: job.id, ...patch });

    const organizerId = payload.organizerId ?? organizerFromMeetingId(payload.meetingId);
    if (!organizerId) {
      await record({ state: 'failed', meetingId: payload.meetingId, error: { code: 'ORGANIZER_UNKNOWN', message: 'the meeting id names no organizer' } });
      throw new AppError('ORGANIZER_UNKNOWN', `cannot tell the organizer of meeting ${payload.meetingId}`);
    }
    const c = await deps.contexts.get(job.integrationId);
    if (!c.integration.enabled) {
      await record({ state: 'skipped', reason: 'The integration is disabled.' });
      return { skipped: 'integration disabled' };
    }

    try {
      const meeting = await c.graph.getMeeting(organizerId, payload.meetingId);
      const organizer = (await c.graph.getUser(organizerId)) ?? { id: organizerId, userPrincipalName: organizerId };
      await record({
        state: 'queued',
        meetingId: payload.meetingId,
        organizerId,
        subject: meeting.subject || null,
        recordedAt: Date.parse(meeting.startDateTime) || null,
        error: null,
      });

      const owner = await resolveKalturaUser(c.kaltura, organizer, c.settings, { createMissing: true });
      const reason = await outOfScopeReason(c, organizerId, owner.id);
      if (reason) {
        await record({ state: 'skipped', reason });
        return { skipped: reason };
      }

      const referenceId = entryReferenceId(payload.recordingId);
      if (!progress.entryId) {
        const existing = (await c.kaltura.findEntriesByReferenceId(referenceId))[0];
        if (existing) await save({ entryId: existing.id, step: existing.status === ENTRY_NO_CONTENT ? 'resolved' : 'attached' });
      }
      const categoryIds = [...(await c.kaltura.categoryIdsByFullName(c.settings.categories)).values()];

      if (progress.step !== 'attached' && progress.step !== 'archived') {
        const recording: RecordingInfo = { id: payload.recordingId, meetingId: payload.meetingId, organizerId, createdDateTime: meeting.endDateTime };
        await upload(c, recording, meeting, organizer, owner.id, referenceId, progress, save, record, ctx.signal, deps);
      }

      await c.kaltura.addToCategories(progress.entryId!, categoryIds);
      const url = entryUrl(deps.entryUrlTemplate, c.integration.kaltura.partnerId, progress.entryId!);
      // transcripts before 'archived': a transcript job waits for that mark, so the two never add the same caption at once
      const transcript = c.settings.uploadTranscripts
        ? await attachTranscriptsOfMeeting(c, { ...key, organizerId, meetingId: payload.meetingId, entryId: progress.entryId! }, deps.recordings, {
            onTranscriptProblem: deps.onTranscriptProblem,
          })
        : 'skipped';
      await record({ state: 'archived', entryId: progress.entryId!, entryUrl: url, bytesDone: progress.bytesTotal ?? 0, error: null });
      await save({ step: 'archived' });

      await deps.jobs.enqueue(
        notifyOrganizerJob(job.integrationId, payload.recordingId, {
          tenantId: c.integration.tenantId,
          organizerId,
          subject: meeting.subject,
          startDateTime: meeting.startDateTime,
          durationMinutes: Math.max(0, Math.round((Date.parse(meeting.endDateTime) - Date.parse(meeting.startDateTime)) / 60_000)),
          sizeBytes: progress.bytesTotal ?? 0,
          entryId: progress.entryId!,
          entryUrl: url,
          transcriptAttached: transcript === 'attached',
        }),
      );
      deps.logger.info({ integrationId: job.integrationId, recordingId: payload.recordingId, entryId: progress.entryId }, 'recording archived');
      return { entryId: progress.entryId! };
    } catch (err) {
      const e = err as AppError;
      const retrying = e.retryable || e.blocking;
      await record({
        state: retrying ? 'queued' : 'failed',
        error: { code: e.code ?? 'UNEXPECTED_ERROR', message: e.message },
      }).catch(() => undefined);
      throw err;
    }
  };
}

async function upload(
  c: IntegrationContext,
  recording: RecordingInfo,
  meeting: MeetingInfo,
  organizer: TeamsUser,
  ownerId: string,
  referenceId: string,
  progress: IngestProgress,
  save: (p: Partial<IngestProgress>) => Promise<void>,
  record: (p: RecordingPatch) => Promise<unknown>,
  signal: AbortSignal,
  deps: IngestDeps,
): Promise<void> {
  if (!progress.entryId) {
    const participants = await participantIds(c, meeting);
    const rights = entitlementsFor(participants, ownerId, c.settings);
    const entry = await c.kaltura.addMediaEntry({
      name: entryName(meeting),
      description: entryDescription(meeting, organizer, recording.id),
      referenceId,
      adminTags: 'msteams',
      userId: ownerId,
      creatorId: ownerId,
      entitledUsersEdit: rights.edit,
      entitledUsersPublish: rights.publish,
      entitledUsersView: rights.view,
    });
    await save({ entryId: entry.id, step: 'resolved' });
  }

  // what Kaltura already holds decides where to resume, not our own notes
  let held = progress.uploadTokenId ? await c.kaltura.uploadedBytes(progress.uploadTokenId).catch(() => -1) : -1;
  if (held < 0) {
    await record({ state: 'downloading' });
    const probe = await c.graph.downloadRecording(recording, 0);
    probe.stream.destroy();
    const tokenId = await c.kaltura.createUploadToken(`${entryName(meeting)}.mp4`.replace(/[\\/:*?"<>|]/g, '_'), probe.totalSize);
    await save({ uploadTokenId: tokenId, bytesTotal: probe.totalSize, bytesUploaded: 0, step: 'uploading' });
    held = 0;
  }
  const total = progress.bytesTotal!;
  if (held < total) {
    const download = await c.graph.downloadRecording(recording, held);
    let source: Readable = download.stream;
    if (download.offset < held) source = download.stream.pipe(skipBytes(held - download.offset));
    signal.addEventListener('abort', () => source.destroy(new AppError('JOB_ABORTED', 'the job lost its lease or the worker stopped', { retryable: true })), {
      once: true,
    });
    await record({ state: 'uploading', bytesDone: held, bytesTotal: total });
    let lastSaved = held;
    await c.kaltura.uploadChunks(progress.uploadTokenId!, source, held, total, {
      chunkSize: deps.chunkSize,
      onProgress: (bytes) => {
        if (bytes - lastSaved < PROGRESS_EVERY && bytes < total) return;
        lastSaved = bytes;
        void save({ bytesUploaded: bytes }).catch(() => undefined);
        void record({ bytesDone: bytes }).catch(() => undefined);
      },
    });
  }
  await record({ state: 'processing', bytesDone: total, bytesTotal: total });
  await c.kaltura.attachUploadToken(progress.entryId!, progress.uploadTokenId!);
  await save({ step: 'attached', bytesUploaded: total });
}

/** Kaltura ids of the participants who may get rights; unknown users only when users may be created. */
async function participantIds(c: IntegrationContext, meeting: MeetingInfo) {
  const out: Array<{ kalturaUserId: string; role: MeetingInfo['participants'][number]['role'] }> = [];
  for (const p of meeting.participants) {
    const roles =
      p.role === 'coorganizer' ? c.settings.coOrganizerRoles : p.role === 'presenter' ? c.settings.presentersRoles : c.settings.attendeesRoles;
    if (roles.length === 0) continue;
    const user = (await c.graph.getUser(p.userId)) ?? (p.upn ? { id: p.userId, userPrincipalName: p.upn } : undefined);
    if (!user) continue;
    const resolved = await resolveKalturaUser(c.kaltura, user, c.settings, { createMissing: false });
    if (resolved.kind === 'found' || (resolved.kind === 'missing' && c.settings.userNotFoundMethod === 'create')) {
      out.push({ kalturaUserId: resolved.id, role: p.role });
    }
  }
  return out;
}
