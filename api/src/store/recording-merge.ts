import { StoreValidationError } from './errors.js';
import type { DailyOutcome, EpochMs, Recording, RecordingKey, RecordingPatch, RecordingState } from './model.js';
import { RECORDING_STATES } from './model.js';
import { requireText } from './validate.js';

/** The record after applying `patch` to `current` (or to the defaults when there is none yet). */
export function mergeRecording(key: RecordingKey, current: Recording | null, patch: RecordingPatch, now: number): Recording {
  requireText('integrationId', key.integrationId, 200);
  requireText('recordingId', key.recordingId, 2000);
  if (patch.state !== undefined && !RECORDING_STATES.includes(patch.state)) {
    throw new StoreValidationError(`unknown recording state "${String(patch.state)}"`);
  }
  const base: Recording = current ? readRecording(current) : {
    integrationId: key.integrationId,
    recordingId: key.recordingId,
    meetingId: null,
    callId: null,
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
    settledAt: null,
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
    settledAt: settledAt(base, defined.state, now),
    createdAt: base.createdAt,
    updatedAt: now,
  };
}

const SETTLED: readonly RecordingState[] = ['archived', 'failed'];

/** Stamped when the state becomes archived or failed, kept while it stays, cleared when it leaves (a retry). */
function settledAt(base: Recording, next: RecordingState | undefined, now: number): EpochMs | null {
  if (next === undefined || next === base.state) return base.settledAt;
  return SETTLED.includes(next) ? now : null;
}

/**
 * A stored record in today's shape: records from before notices (or calls) were kept have none; ones from before
 * `settledAt` was kept count as settled at their last update when they are archived or failed.
 */
export function readRecording(stored: Recording): Recording {
  const settled = stored.settledAt ?? (SETTLED.includes(stored.state) ? stored.updatedAt : null);
  return { ...stored, callId: stored.callId ?? null, notice: stored.notice ?? null, settledAt: settled };
}

/** The UTC day (YYYY-MM-DD) of a time. */
export const utcDay = (at: EpochMs): string => new Date(at).toISOString().slice(0, 10);

/** Counts settled recordings per UTC day, oldest first (for adapters that count in code). */
export function countByDay(rows: Iterable<{ state: string; settledAt: EpochMs }>): DailyOutcome[] {
  const days = new Map<string, DailyOutcome>();
  for (const r of rows) {
    const day = utcDay(r.settledAt);
    const d = days.get(day) ?? days.set(day, { day, archived: 0, failed: 0 }).get(day)!;
    if (r.state === 'archived') d.archived += 1;
    else if (r.state === 'failed') d.failed += 1;
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
