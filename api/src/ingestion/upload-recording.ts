import { Transform, type Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { MeetingInfo, RecordingInfo } from '../graph/graph-port.js';
import { UploadTokenStatus } from '../kaltura/kaltura-port.js';
import type { JobProgress, RecordingPatch } from '../store/model.js';
import { entitlementsFor } from './entitlements.js';
import type { IntegrationContext } from './integration-context.js';
import { resolveKalturaUser } from './resolve-kaltura-user.js';
import { dropUploadTokens, uploadFileName } from './upload-tokens.js';

/** Progress kept on the job between attempts; each field lets a retry skip what is done. */
export interface IngestProgress extends JobProgress {
  step?: 'resolved' | 'uploading' | 'attached' | 'archived';
  entryId?: string;
  /** noted before any token is made, so tokens an interrupted attempt made can be found by it */
  uploadFileName?: string;
  uploadTokenId?: string;
  bytesTotal?: number;
  bytesUploaded?: number;
  /** an ad hoc call's facts as first read (see recorded-session.ts) */
  call?: { startDateTime: string; endDateTime: string; otherParties: string[] };
}

export interface RecordingUpload {
  integrationId: string;
  recording: RecordingInfo;
  meeting: MeetingInfo;
  ownerId: string;
  entry: { name: string; description: string; referenceId: string; adminTags: string };
  progress: IngestProgress;
  save: (p: Partial<IngestProgress>) => Promise<void>;
  record: (p: RecordingPatch) => Promise<unknown>;
  signal: AbortSignal;
  chunkSize?: number;
}

const PROGRESS_EVERY = 16 * 1024 * 1024;
/** Tokens that can still take bytes or be attached. */
const RESUMABLE: ReadonlySet<number> = new Set([UploadTokenStatus.PENDING, UploadTokenStatus.PARTIAL_UPLOAD, UploadTokenStatus.FULL_UPLOAD]);

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

/**
 * Creates the entry (once), streams the recording from Graph into one upload token, resuming from
 * what Kaltura says the token holds, and attaches it. A token is given up only when Kaltura says it is
 * gone or no longer takes bytes; then it and any token an interrupted attempt left are deleted before
 * a new one is made, so a recording never leaves more than the token it is using.
 */
export async function uploadRecording(c: IntegrationContext, u: RecordingUpload): Promise<void> {
  const { progress, save, record, recording, meeting } = u;
  if (!progress.entryId) {
    const participants = await participantIds(c, meeting);
    const rights = entitlementsFor(participants, u.ownerId, c.settings);
    const entry = await c.kaltura.addMediaEntry({
      name: u.entry.name,
      description: u.entry.description,
      referenceId: u.entry.referenceId,
      adminTags: u.entry.adminTags,
      userId: u.ownerId,
      creatorId: u.ownerId,
      entitledUsersEdit: rights.edit,
      entitledUsersPublish: rights.publish,
      entitledUsersView: rights.view,
    });
    await save({ entryId: entry.id, step: 'resolved' });
  }

  // what Kaltura already holds decides where to resume, not our own notes; a failure to ask (an
  // outage) is thrown, so the job retries and the bytes already uploaded are kept
  let held = -1;
  if (progress.uploadTokenId) {
    const token = await c.kaltura.getUploadToken(progress.uploadTokenId);
    if (token && RESUMABLE.has(token.status)) held = token.uploadedBytes;
    // attached by an attempt that stopped before noting it
    if (token?.status === UploadTokenStatus.CLOSED && token.attachedObjectId === progress.entryId) return save({ step: 'attached', bytesUploaded: progress.bytesTotal });
  }
  if (held < 0) {
    if (!progress.uploadFileName) await save({ uploadFileName: uploadFileName(u.integrationId, recording.id, u.entry.name) });
    await dropUploadTokens(c.kaltura, { fileName: progress.uploadFileName, tokenId: progress.uploadTokenId });
    await record({ state: 'downloading' });
    const probe = await c.graph.downloadRecording(recording, 0);
    probe.stream.destroy();
    const tokenId = await c.kaltura.createUploadToken(progress.uploadFileName!, probe.totalSize);
    await save({ uploadTokenId: tokenId, bytesTotal: probe.totalSize, bytesUploaded: 0, step: 'uploading' });
    held = 0;
  }
  const total = progress.bytesTotal!;
  if (held < total) {
    const download = await c.graph.downloadRecording(recording, held);
    let source: Readable = download.stream;
    if (download.offset < held) source = download.stream.pipe(skipBytes(held - download.offset));
    u.signal.addEventListener('abort', () => source.destroy(new AppError('JOB_ABORTED', 'the job lost its lease or the worker stopped', { retryable: true })), {
      once: true,
    });
    await record({ state: 'uploading', bytesDone: held, bytesTotal: total });
    let lastSaved = held;
    await c.kaltura.uploadChunks(progress.uploadTokenId!, source, held, total, {
      chunkSize: u.chunkSize,
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

/** After a job's last failure: its tokens hold bytes nothing will attach. */
export async function releaseUploadTokens(c: IntegrationContext, progress: IngestProgress): Promise<string[]> {
  if (progress.step === 'attached' || progress.step === 'archived') return [];
  return dropUploadTokens(c.kaltura, { fileName: progress.uploadFileName, tokenId: progress.uploadTokenId });
}
