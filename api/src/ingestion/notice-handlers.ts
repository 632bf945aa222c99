import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { UNREACHABLE_CODES, type Notifier, type RecordingArchivedEvent } from '../notify/notifier.js';
import type { JobQueue } from '../queue/job-queue.js';
import { describeFailure } from '../queue/failure.js';
import type { JobHandler } from '../queue/worker.js';
import type { JsonObject, JsonValue } from '../store/json.js';
import type { RecordingRepository } from '../store/store.js';
import { updateOrganizerNoticeJob } from './job-kinds.js';

export interface NoticeDeps {
  notifier: Notifier;
  recordings: Pick<RecordingRepository, 'get' | 'upsert'>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
}

/** How long an update waits for the first card to be sent before it looks again. */
const NOTICE_PENDING_RETRY_MS = 10_000;

/**
 * `notify-organizer`: tells the organizer through the Notifier. The card says what is true when it is
 * sent (a transcript attached meanwhile is included), and the recording's history keeps what was sent,
 * or why the organizer could not be reached (not the integration's fault: no pause, no endless retry).
 */
export function createNotifyOrganizerHandler(d: NoticeDeps): JobHandler {
  return async (job): Promise<JsonValue> => {
    const event = job.payload as unknown as RecordingArchivedEvent;
    const key = { integrationId: job.integrationId, recordingId: event.recordingId };
    const before = await d.recordings.get(key);
    if (before?.notice?.state === 'sent') return { skipped: 'already sent' };
    const transcriptAttached = event.transcriptAttached || before?.transcript.state === 'attached';
    const facts = { ...event, transcriptAttached };
    try {
      const delivery = await d.notifier.recordingArchived(facts);
      await d.recordings.upsert(key, {
        notice: { state: 'sent', handle: delivery.handle, transcriptAttached, event: facts as unknown as JsonObject, error: null, at: d.clock.now() },
      });
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.retryable && !UNREACHABLE_CODES.includes(failure.code)) throw err;
      await d.recordings.upsert(key, {
        notice: { state: 'unreachable', handle: null, transcriptAttached, event: facts as unknown as JsonObject, error: { code: failure.code, message: failure.message }, at: d.clock.now() },
      });
      return { unreachable: failure.code };
    }
    // a transcript attached between the read above and the send: the card needs it too
    if (!transcriptAttached && (await d.recordings.get(key))?.transcript.state === 'attached') {
      await d.queue.enqueue(updateOrganizerNoticeJob(job.integrationId, event.recordingId));
    }
    return { sent: true };
  };
}

/** `update-organizer-notice`: the transcript came after the card; the card is changed in place. */
export function createUpdateOrganizerNoticeHandler(d: NoticeDeps): JobHandler {
  return async (job): Promise<JsonValue> => {
    const { recordingId } = job.payload as { recordingId: string };
    const key = { integrationId: job.integrationId, recordingId };
    const record = await d.recordings.get(key);
    if (!record || record.transcript.state !== 'attached') return { skipped: 'no transcript attached' };
    const notice = record.notice;
    if (!notice) {
      // the first card is not out yet; when it goes it will say "included" itself, or queue this again
      throw new AppError('NOTICE_PENDING', 'the organizer has not been sent the first card yet', { retryable: true, retryAfterMs: NOTICE_PENDING_RETRY_MS });
    }
    if (notice.state !== 'sent' || !notice.handle) return { skipped: 'the organizer could not be reached' };
    if (notice.transcriptAttached) return { skipped: 'the card already says so' };
    const event = notice.event as unknown as RecordingArchivedEvent;
    await d.notifier.transcriptAttached({ ...event, transcriptAttached: true, handle: notice.handle });
    await d.recordings.upsert(key, { notice: { ...notice, transcriptAttached: true, at: d.clock.now() } });
    return { updated: true };
  };
}
