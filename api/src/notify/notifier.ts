import { AppError } from '../errors.js';
import type { JsonObject } from '../store/json.js';

/**
 * The Notifier port: what the pipeline tells people. The pipeline emits these events and never knows
 * how they travel; the bot (bot/src/) implements the port over Teams, and a Teams SDK adapter could
 * replace it without a change here. `api/` never imports `bot/`: main.ts hands the implementation in.
 * Who is told is the pipeline's decision (the organizer, co-organizers, admins); each call is one
 * person, so each delivery is retried on its own.
 */
export interface RecordingArchivedEvent {
  integrationId: string;
  recordingId: string;
  tenantId: string;
  /** the organizer's Entra object id (for a call, the user who started it) */
  organizerId: string;
  /** 'call' for an ad hoc call's recording; absent for a meeting's */
  source?: 'call';
  subject: string;
  startDateTime: string;
  durationMinutes: number;
  sizeBytes: number;
  entryId: string;
  entryUrl: string;
  transcriptAttached: boolean;
  /** the Kaltura categories (full names) the entry was published to; empty: only the owner's My Media */
  publishedTo?: string[];
  /** co-organizers' Entra object ids, when the integration tells them too */
  coOrganizerIds?: string[];
}

/** A transcript reached an entry whose card was already sent. */
export interface TranscriptAttachedEvent extends RecordingArchivedEvent {
  /** what `recordingArchived` returned for this person, to change that message in place */
  handle: JsonObject;
}

export type AdminAlertKind = 'problem' | 'recovered' | 'secret-expiring';

/** Something an admin must hear about an integration, once per change. */
export interface HealthChangedEvent {
  integrationId: string;
  integrationName: string;
  tenantId: string;
  kind: AdminAlertKind;
  before: { state: string; code: string | null };
  after: { state: string; code: string | null; message: string | null; fix: string | null };
  /** ISO 8601: when the change was seen */
  at: string;
  /** ISO 8601, for 'secret-expiring' */
  secretExpiresAt?: string;
}

/** What a sent notice can be found again by (opaque to the pipeline, kept on the recording). */
export interface NoticeDelivery {
  handle: JsonObject;
}

export interface Notifier {
  /**
   * Tells one person (the organizer or a co-organizer, by Entra id) their recording is archived.
   * @throws an error with a `code`, and `retryable` when trying later can help (see queue/failure.ts)
   */
  recordingArchived(event: RecordingArchivedEvent, recipientId: string): Promise<NoticeDelivery>;
  /** Brings a sent notice up to date now that the transcript is attached. */
  transcriptAttached(event: TranscriptAttachedEvent): Promise<void>;
  /** Tells one admin (by Entra id) that an integration broke, recovered or needs a new secret soon. */
  healthChanged(event: HealthChangedEvent, recipientId: string): Promise<NoticeDelivery>;
  /** Whether the person can be messaged now (the app is installed for them and not blocked), as far as the bot knows. */
  reachable(tenantId: string, userId: string): Promise<boolean>;
}

/** Error codes a Notifier uses for "this person cannot be reached"; the history says so, no retry. */
export const UNREACHABLE_CODES: readonly string[] = ['BOT_USER_UNREACHABLE', 'BOT_CONVERSATION_NOT_FOUND', 'NOTIFIER_NOT_CONFIGURED'];

/** When no bot is configured: nothing can be sent, and each recording's history says why. */
export const unconfiguredNotifier: Notifier = {
  async recordingArchived() {
    throw new AppError('NOTIFIER_NOT_CONFIGURED', 'no bot is configured (BOT_ID and BOT_PASSWORD), so organizers are not notified');
  },
  async transcriptAttached() {},
  async healthChanged() {
    throw new AppError('NOTIFIER_NOT_CONFIGURED', 'no bot is configured (BOT_ID and BOT_PASSWORD), so admins are not alerted');
  },
  async reachable() {
    return false;
  },
};
