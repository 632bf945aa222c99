import { StoreValidationError } from './errors.js';
import type { Recording, RecordingKey, RecordingPatch } from './model.js';
import { RECORDING_STATES } from './model.js';
import { requireText } from './validate.js';

/** The record after applying `patch` to `current` (or to the defaults when there is none yet). */
export function mergeRecording(key: RecordingKey, current: Recording | null, patch: RecordingPatch, now: number): Recording {
  requireText('integrationId', key.integrationId, 200);
  requireText('recordingId', key.recordingId, 2000);
  if (patch.state !== undefined && !RECORDING_STATES.includes(patch.state)) {
    throw new StoreValidationError(`unknown recording state "${String(patch.state)}"`);
  }
  // records from before notices were kept have none
  const base: Recording = current ? { ...current, notice: current.notice ?? null } : {
    integrationId: key.integrationId,
    recordingId: key.recordingId,
    meetingId: null,
    organizerId: null,
    subject: null,
    recordedAt: null,
    state: 'queued',
    bytesDone: 0,
    bytesTotal: null,
    entryId: null,
    entryUrl: null,
    reason: null,
    error: null,
    transcript: { state: 'none', error: null },
    jobId: null,
    notice: null,
    createdAt: now,
    updatedAt: now,
  };
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as RecordingPatch;
  return {
    ...base,
    ...defined,
    integrationId: base.integrationId,
    recordingId: base.recordingId,
    transcript: defined.transcript ? { ...base.transcript, ...defined.transcript } : base.transcript,
    createdAt: base.createdAt,
    updatedAt: now,
  };
}
