import type { Recording, RecipientNotice } from '../store/model.js';
import { isoTime } from './iso-time.js';

/** A recording as the console lists it (docs/admin-api.md "A recording"). */
export function recordingView(r: Recording, retryable: boolean) {
  return {
    recordingId: r.recordingId,
    meetingId: r.meetingId,
    callId: r.callId,
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
    // the notices' handles and card facts are the bot's business, not the console's
    notice: r.notice
      ? {
          ...delivery(r.notice),
          coOrganizers: (r.notice.coOrganizers ?? []).map((c) => ({ userId: c.userId, ...delivery(c) })),
        }
      : null,
    retryable,
    createdAt: isoTime(r.createdAt),
    updatedAt: isoTime(r.updatedAt),
  };
}

/** One person's card as the console shows it: sent or unreachable, why, and when. */
function delivery(n: Pick<RecipientNotice, 'state' | 'error' | 'at'>) {
  return { state: n.state, error: n.error ? { code: n.error.code, message: n.error.message } : null, at: isoTime(n.at) };
}
