import type { Recording } from '../store/model.js';
import { isoTime } from './iso-time.js';

/** A recording as the console lists it (docs/admin-api.md "A recording"). */
export function recordingView(r: Recording, retryable: boolean) {
  return {
    recordingId: r.recordingId,
    meetingId: r.meetingId,
    organizerId: r.organizerId,
    subject: r.subject,
    recordedAt: isoTime(r.recordedAt),
    state: r.state,
    bytesDone: r.bytesDone,
    bytesTotal: r.bytesTotal,
    entryId: r.entryId,
    entryUrl: r.entryUrl,
    reason: r.reason,
    error: r.error ? { code: r.error.code, message: r.error.message } : null,
    transcript: { state: r.transcript.state, error: r.transcript.error ? { code: r.transcript.error.code, message: r.transcript.error.message } : null },
    // the notice's handle and card facts are the bot's business, not the console's
    notice: r.notice ? { state: r.notice.state, error: r.notice.error ? { code: r.notice.error.code, message: r.notice.error.message } : null, at: isoTime(r.notice.at) } : null,
    retryable,
    createdAt: isoTime(r.createdAt),
    updatedAt: isoTime(r.updatedAt),
  };
}
