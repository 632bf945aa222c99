import { AppError } from '../errors.js';
import type { JsonObject } from '../store/json.js';

/**
 * The Notifier port: what the pipeline tells people. The pipeline emits these events and never knows
 * how they travel; the bot (bot/src/) implements the port over Teams, and a Teams SDK adapter could
 * replace it without a change here. `api/` never imports `bot/`: main.ts hands the implementation in.
 */
export interface RecordingArchivedEvent {
  integrationId: string;
  recordingId: string;
  tenantId: string;
  /** the organizer's Entra object id */
  organizerId: string;
  subject: string;
  startDateTime: string;
  durationMinutes: number;
  sizeBytes: number;
  entryId: string;
  entryUrl: string;
  transcriptAttached: boolean;
}

/** A transcript reached an entry whose organizer was already told about the recording. */
export interface TranscriptAttachedEvent extends RecordingArchivedEvent {
  /** what `recordingArchived` returned for this recording, to change that message in place */
  handle: JsonObject;
}

export interface HealthChangedEvent {
  integrationId: string;
  integrationName: string;
  tenantId: string;
  before: { state: string; code: string | null };
  after: { state: string; code: string | null; message: string | null; fix: string | null };
}

/** What a sent notice can be found again by (opaque to the pipeline, kept on the recording). */
export interface NoticeDelivery {
  handle: JsonObject;
}

export interface Notifier {
  /**
   * Tells the organizer their recording is archived, with its link.
   * @throws an error with a `code`, and `retryable` when trying later can help (see queue/failure.ts)
   */
  recordingArchived(event: RecordingArchivedEvent): Promise<NoticeDelivery>;
  /** Brings the organizer's notice up to date now that the transcript is attached. */
  transcriptAttached(event: TranscriptAttachedEvent): Promise<void>;
  /** An integration's health changed state or problem (admin alerts). */
  healthChanged(event: HealthChangedEvent): Promise<void>;
}

/** Error codes a Notifier uses for "this person cannot be reached"; the history says so, no retry. */
export const UNREACHABLE_CODES: readonly string[] = ['BOT_USER_UNREACHABLE', 'BOT_CONVERSATION_NOT_FOUND', 'NOTIFIER_NOT_CONFIGURED'];

/** When no bot is configured: nothing can be sent, and each recording's history says why. */
export const unconfiguredNotifier: Notifier = {
  async recordingArchived() {
    throw new AppError('NOTIFIER_NOT_CONFIGURED', 'no bot is configured (BOT_ID and BOT_PASSWORD), so organizers are not notified');
  },
  async transcriptAttached() {},
  async healthChanged() {},
};
