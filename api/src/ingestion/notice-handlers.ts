import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { UNREACHABLE_CODES, type Notifier, type RecordingArchivedEvent } from '../notify/notifier.js';
import type { JobQueue } from '../queue/job-queue.js';
import { describeFailure } from '../queue/failure.js';
import type { JobHandler } from '../queue/worker.js';
import type { JsonObject, JsonValue } from '../store/json.js';
import type { Recording, RecordingNotice, RecipientNotice } from '../store/model.js';
import type { RecordingRepository } from '../store/store.js';
import { updateOrganizerNoticeJob } from './job-kinds.js';
import type { ProactiveInstaller } from './proactive-install.js';

export interface NoticeDeps {
  notifier: Notifier;
  recordings: Pick<RecordingRepository, 'get' | 'upsert'>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  /** installs the app for a person the bot cannot reach, where the integration allows it */
  installer?: ProactiveInstaller;
}

/** How long an update waits for the first card to be sent before it looks again. */
const NOTICE_PENDING_RETRY_MS = 10_000;
/** How long a send waits after the app was installed for the person, for Teams to open the chat. */
const AFTER_INSTALL_RETRY_MS = 5_000;

type Delivery = Omit<RecipientNotice, 'userId'>;

/**
 * `notify-organizer`: tells the organizer (and the co-organizers, when the integration says so)
 * through the Notifier, one person after the other. Each person's outcome is written on the recording
 * as soon as it is known, and a person already written is never sent to again, so a retry after a
 * throttled send, or after the process died, sends nothing twice. The card says what is true when it
 * is sent (a transcript attached meanwhile is included); a person who cannot be reached is written
 * down (not the integration's fault: no pause, no endless retry).
 */
export function createNotifyOrganizerHandler(d: NoticeDeps): JobHandler {
  return async (job, ctx): Promise<JsonValue> => {
    const event = job.payload as unknown as RecordingArchivedEvent;
    const key = { integrationId: job.integrationId, recordingId: event.recordingId };
    const installsAsked = new Set(((job.progress as { installsAsked?: string[] } | null)?.installsAsked ?? []).map((u) => u.toLowerCase()));
    const outcome: Record<string, string> = {};
    for (const recipient of recipientsOf(event)) {
      const before = await d.recordings.get(key);
      const known = deliveryOf(before, event.organizerId, recipient);
      if (known?.state === 'sent' || known?.state === 'unreachable') {
        outcome[recipient] = `already ${known.state}`;
        continue;
      }
      const transcriptAttached = event.transcriptAttached || before?.transcript.state === 'attached';
      const facts = { ...event, transcriptAttached };
      let delivery: Delivery;
      try {
        const sent = await d.notifier.recordingArchived(facts, recipient);
        delivery = { state: 'sent', handle: sent.handle, transcriptAttached, error: null, at: d.clock.now() };
      } catch (err) {
        const failure = describeFailure(err);
        if (failure.retryable && !UNREACHABLE_CODES.includes(failure.code)) throw err;
        if (failure.code === 'BOT_USER_UNREACHABLE' && d.installer && !installsAsked.has(recipient.toLowerCase())) {
          const asked = await d.installer.install(job.integrationId, event.tenantId, recipient);
          if (asked.outcome === 'installed') {
            installsAsked.add(recipient.toLowerCase());
            await ctx.saveProgress({ installsAsked: [...installsAsked] });
            // Teams opens the personal chat and tells the bot; the next attempt finds it
            throw new AppError('NOTICE_AWAITING_INSTALL', `the app was installed for ${recipient}; the card follows once Teams has opened the chat`, {
              retryable: true,
              retryAfterMs: AFTER_INSTALL_RETRY_MS,
            });
          }
          if (asked.outcome === 'failed') {
            delivery = { state: 'unreachable', handle: null, transcriptAttached, error: asked.error, at: d.clock.now() };
            await record(d, key, event, facts, recipient, delivery);
            outcome[recipient] = 'unreachable';
            continue;
          }
        }
        delivery = { state: 'unreachable', handle: null, transcriptAttached, error: { code: failure.code, message: failure.message }, at: d.clock.now() };
      }
      await record(d, key, event, facts, recipient, delivery);
      outcome[recipient] = delivery.state;
      // a transcript attached between the read above and the send: the card needs it too
      if (delivery.state === 'sent' && !transcriptAttached && (await d.recordings.get(key))?.transcript.state === 'attached') {
        await d.queue.enqueue(updateOrganizerNoticeJob(job.integrationId, event.recordingId));
      }
    }
    return outcome;
  };
}

/** `update-organizer-notice`: the transcript came after the cards; each sent card is changed in place. */
export function createUpdateOrganizerNoticeHandler(d: NoticeDeps): JobHandler {
  return async (job): Promise<JsonValue> => {
    const { recordingId } = job.payload as { recordingId: string };
    const key = { integrationId: job.integrationId, recordingId };
    const stored = await d.recordings.get(key);
    if (!stored || stored.transcript.state !== 'attached') return { skipped: 'no transcript attached' };
    const notice = stored.notice;
    if (!notice) {
      // the first card is not out yet; when it goes it will say "included" itself, or queue this again
      throw new AppError('NOTICE_PENDING', 'the organizer has not been sent the first card yet', { retryable: true, retryAfterMs: NOTICE_PENDING_RETRY_MS });
    }
    const event = notice.event as unknown as RecordingArchivedEvent;
    let updated = 0;
    for (const recipient of [event.organizerId, ...(notice.coOrganizers ?? []).map((c) => c.userId)]) {
      const current = deliveryOf(await d.recordings.get(key), event.organizerId, recipient);
      if (!current || current.state !== 'sent' || !current.handle || current.transcriptAttached) continue;
      // the subject as it is now: a call is named after its other speakers once its transcript tells them
      await d.notifier.transcriptAttached({ ...event, ...(stored.subject ? { subject: stored.subject } : {}), transcriptAttached: true, handle: current.handle });
      await record(d, key, event, notice.event, recipient, { ...current, transcriptAttached: true, at: d.clock.now() });
      updated += 1;
    }
    return updated ? { updated } : { skipped: 'no card needs it' };
  };
}

/** The organizer first, then each co-organizer once. */
function recipientsOf(event: RecordingArchivedEvent): string[] {
  const seen = new Set<string>();
  return [event.organizerId, ...(event.coOrganizerIds ?? [])].filter((id) => {
    const k = id.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function deliveryOf(record: Recording | null, organizerId: string, recipient: string): Delivery | undefined {
  const notice = record?.notice;
  if (!notice) return undefined;
  if (recipient.toLowerCase() === organizerId.toLowerCase()) return notice;
  return notice.coOrganizers?.find((c) => c.userId.toLowerCase() === recipient.toLowerCase());
}

/** Writes one person's outcome, keeping everyone else's as the store has it now. */
async function record(
  d: NoticeDeps,
  key: { integrationId: string; recordingId: string },
  event: RecordingArchivedEvent,
  facts: RecordingArchivedEvent | JsonObject,
  recipient: string,
  delivery: Delivery,
): Promise<void> {
  const current = (await d.recordings.get(key))?.notice ?? null;
  const isOrganizer = recipient.toLowerCase() === event.organizerId.toLowerCase();
  const others = (current?.coOrganizers ?? []).filter((c) => c.userId.toLowerCase() !== recipient.toLowerCase());
  let notice: RecordingNotice;
  if (isOrganizer) {
    notice = { ...delivery, event: facts as unknown as JsonObject, ...(current?.coOrganizers ? { coOrganizers: current.coOrganizers } : {}) };
  } else {
    // the organizer always goes first and is written before anyone else is tried (recipientsOf)
    if (!current) throw new Error(`a co-organizer's notice for ${key.recordingId} came before the organizer's`);
    notice = { ...current, coOrganizers: [...others, { userId: recipient, ...delivery }] };
  }
  await d.recordings.upsert(key, { notice });
}
