import type { JsonObject, JsonValue } from './json.js';

/** Epoch milliseconds. */
export type EpochMs = number;

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

export interface PageRequest {
  /** 1..200, default 50 */
  limit?: number;
  /** `nextCursor` of the previous page; omit for the first page */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  /** pass back to get the next page; null on the last page */
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Integrations
// ---------------------------------------------------------------------------------------------

export type HealthState = 'unknown' | 'ok' | 'warning' | 'error';

/** A problem the integration has now: an `error` stops its recordings, a `warning` does not. */
export interface HealthProblem {
  code: string;
  severity: 'error' | 'warning';
  /** the admin guide's words, then what the service said */
  message: string;
  /** what the admin does about it; null when the catalogue has no fix for this code */
  fix: string | null;
  /** when it was first seen (kept while the same code stays) */
  since: EpochMs;
}

/** The problem shown first (what the status column of the console shows). */
export interface HealthError {
  code: string;
  message: string;
  fix: string | null;
  /** since when */
  at: EpochMs;
}

/**
 * Written only by the health module (`api/src/health/`), which derives `state` and `error` from
 * `problems` and writes with compare-and-set on `rev`.
 */
export interface IntegrationHealth {
  state: HealthState;
  /** the first problem (errors before warnings, oldest first); null when there is none */
  error: HealthError | null;
  /** every current problem, in the order shown */
  problems: HealthProblem[];
  /** the last connection test or scheduled check */
  checkedAt: EpochMs | null;
  /** the last successful connection test or archived recording */
  lastSuccessAt: EpochMs | null;
  /** when the client secret in use expires, as Graph last said; null when not known (health stored before it was kept reads as null) */
  secretExpiresAt: EpochMs | null;
  /** increments on every write; the compare-and-set token */
  rev: number;
}

/** What an admin creates. Secrets arrive in clear here and are sealed before they are stored. */
export interface NewIntegration {
  name: string;
  tenantId: string;
  appClientId: string;
  appClientSecret: string;
  kaltura: NewKalturaConnection;
  settings?: JsonObject;
  enabled?: boolean;
}

/** Either an app token (preferred) or the partner admin secret. */
export interface NewKalturaConnection {
  partnerId: number;
  serviceUrl: string;
  appTokenId?: string | null;
  appToken?: string | null;
  adminSecret?: string | null;
}

/** An update; only the fields present change. A secret given here replaces the stored one. */
export interface IntegrationPatch {
  name?: string;
  tenantId?: string;
  appClientId?: string;
  appClientSecret?: string;
  kaltura?: Partial<NewKalturaConnection>;
  settings?: JsonObject;
  enabled?: boolean;
}

/** An integration as every read returns it: secrets are never included, only whether they are set. */
export interface Integration {
  id: string;
  name: string;
  tenantId: string;
  appClientId: string;
  hasAppClientSecret: boolean;
  kaltura: {
    partnerId: number;
    serviceUrl: string;
    appTokenId: string | null;
    /** which Kaltura credential is stored */
    credential: 'appToken' | 'adminSecret';
  };
  settings: JsonObject;
  enabled: boolean;
  health: IntegrationHealth;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  /** increments on every update; pass it back to `update` for optimistic concurrency */
  version: number;
}

/** Clear secrets, for the pipeline only (`IntegrationRepository.getSecrets`). */
export interface IntegrationSecrets {
  appClientSecret: string;
  kalturaAppToken: string | null;
  kalturaAdminSecret: string | null;
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/**
 * `queued` (waiting, possibly until `notBefore`) → `active` (leased by one worker) → `completed` or
 * `failed`; or back to `queued` on a retry, a release or a stalled lease. Pausing is per integration
 * (see `JobRepository.pause`), not a job state, so a paused job keeps its place.
 */
export type JobState = 'queued' | 'active' | 'completed' | 'failed';

export const JOB_STATES: readonly JobState[] = ['queued', 'active', 'completed', 'failed'];

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
  at: EpochMs;
}

/** Saved by the worker after each step so that a retry resumes instead of starting over. */
export interface JobProgress {
  step?: string;
  uploadTokenId?: string;
  bytesUploaded?: number;
  bytesTotal?: number;
  entryId?: string;
  [key: string]: JsonValue | undefined;
}

export interface Job {
  id: string;
  /** what to do, e.g. 'ingest-recording', 'attach-transcript', 'sweep' */
  kind: string;
  /** the lane this job belongs to for fairness, caps and pausing */
  integrationId: string;
  /** enqueueing the same key again returns the existing job instead of making a second one */
  idempotencyKey: string;
  payload: JsonObject;
  state: JobState;
  /** within one integration, higher runs first (e.g. fresh meetings before a backfill) */
  priority: number;
  /** times the job has been claimed (a release can give one back) */
  attempts: number;
  maxAttempts: number;
  /** not claimable before this time (backoff, Retry-After, scheduled work) */
  notBefore: EpochMs;
  leaseOwner: string | null;
  leaseToken: string | null;
  leaseExpiresAt: EpochMs | null;
  /** times a lease expired without the worker finishing */
  stalledCount: number;
  progress: JobProgress;
  lastError: JobError | null;
  result: JsonValue | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  /** when the job reached `completed` or `failed` */
  completedAt: EpochMs | null;
  /** increments on every change */
  rev: number;
}

/** A job as its lease holder sees it. */
export interface ActiveJob extends Job {
  state: 'active';
  leaseOwner: string;
  leaseToken: string;
  leaseExpiresAt: EpochMs;
}

/** Identifies a held lease; an `ActiveJob` is one. */
export interface LeaseRef {
  id: string;
  leaseToken: string;
}

export interface NewJob {
  kind: string;
  integrationId: string;
  idempotencyKey: string;
  payload: JsonObject;
  /** default 0 */
  priority?: number;
  /** default 5 */
  maxAttempts?: number;
  /** default now */
  notBefore?: EpochMs;
}

export interface EnqueueResult {
  job: Job;
  /** false when a job with the same idempotency key already existed (in any state) */
  created: boolean;
}

export interface ClaimRequest {
  /** recorded on the job as `leaseOwner`, for operators */
  workerId: string;
  leaseMs: number;
  /** only these kinds (default: any) */
  kinds?: readonly string[];
  /** only these integrations (default: any) */
  integrationIds?: readonly string[];
  /** never these integrations */
  excludeIntegrationIds?: readonly string[];
  /** an integration with this many active jobs gets no more until one finishes (default: no cap) */
  maxActivePerIntegration?: number;
}

export interface StalledReport {
  /** ids put back in the queue */
  requeued: string[];
  /** ids failed because they stalled too often */
  failed: string[];
}

export interface PausedIntegration {
  integrationId: string;
  reason: string;
  pausedAt: EpochMs;
}

export interface JobQuery extends PageRequest {
  integrationId?: string;
  state?: JobState;
  kind?: string;
}

export type JobCounts = Record<JobState, number>;

// ---------------------------------------------------------------------------------------------
// Graph subscriptions, cursors, bot conversations
// ---------------------------------------------------------------------------------------------

export interface GraphSubscription {
  /** Graph's subscription id */
  id: string;
  integrationId: string;
  resource: string;
  changeType: string;
  expiresAt: EpochMs;
  /** the shared secret Graph echoes in every notification; sealed at rest */
  clientState: string;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export type SaveGraphSubscription = Omit<GraphSubscription, 'createdAt' | 'updatedAt'>;

/** A reconciliation cursor or Graph delta link, named per integration (e.g. 'recordings:<userId>'). */
export interface SyncCursor {
  integrationId: string;
  name: string;
  value: string;
  updatedAt: EpochMs;
}

/**
 * Whether the bot can still reach the user: `gone` once Teams said it cannot (the user uninstalled
 * the app, or a send was refused), until the user installs it again and the reference is saved anew.
 */
export type ConversationStatus = 'active' | 'gone';

/** A bot conversation reference, kept to message a user proactively. */
export interface ConversationRef {
  tenantId: string;
  /** the user's Entra object id */
  userId: string;
  reference: JsonObject;
  status: ConversationStatus;
  /** why it is gone, in words (e.g. 'uninstalled'); null while active */
  goneReason: string | null;
  /** the last save or markGone */
  updatedAt: EpochMs;
}

// ---------------------------------------------------------------------------------------------
// Admin sightings
// ---------------------------------------------------------------------------------------------

/**
 * A user the bot has talked to, and whether they held an admin role when last seen: the people the
 * bot alerts when an integration of their tenant has a problem.
 */
export interface AdminSighting {
  tenantId: string;
  /** the user's Entra object id */
  userId: string;
  /** display name; null when never known */
  name: string | null;
  isAdmin: boolean;
  /** the last sighting */
  seenAt: EpochMs;
}

/** What the bot reports on each sighting; `seenAt` is the store's clock. */
export type NewAdminSighting = Omit<AdminSighting, 'seenAt'>;

// ---------------------------------------------------------------------------------------------
// Recording history
// ---------------------------------------------------------------------------------------------

export type RecordingState =
  | 'queued'
  | 'downloading'
  | 'uploading'
  | 'processing'
  | 'archived'
  | 'skipped'
  | 'failed';

export const RECORDING_STATES: readonly RecordingState[] = [
  'queued',
  'downloading',
  'uploading',
  'processing',
  'archived',
  'skipped',
  'failed',
];

export type TranscriptState = 'none' | 'pending' | 'attached' | 'skipped' | 'failed';

export interface RecordingError {
  code: string;
  message: string;
}

export interface Recording {
  integrationId: string;
  recordingId: string;
  meetingId: string | null;
  /** an ad hoc call's id, for a call's recording (then meetingId is null) */
  callId: string | null;
  /** the meeting's organizer, or the user who started the call */
  organizerId: string | null;
  subject: string | null;
  /** when the meeting was recorded (from Graph) */
  recordedAt: EpochMs | null;
  state: RecordingState;
  bytesDone: number;
  bytesTotal: number | null;
  entryId: string | null;
  entryUrl: string | null;
  /** why it was skipped, in words */
  reason: string | null;
  error: RecordingError | null;
  transcript: { state: TranscriptState; error: RecordingError | null };
  jobId: string | null;
  /** the organizer's card: sent (with what it said about the transcript), or why it could not be */
  notice: RecordingNotice | null;
  /** when it last became `archived` or `failed` (null while in progress); the day it counts for in the console's chart */
  settledAt: EpochMs | null;
  /** first seen; the listing's order (newest first) */
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface RecordingNotice {
  state: 'sent' | 'unreachable';
  /** the co-organizers' cards, when the integration tells them too (same fields, per person) */
  coOrganizers?: RecipientNotice[];
  /** the Notifier's handle on the sent message, to update it in place (opaque to the pipeline) */
  handle: JsonObject | null;
  /** the facts the card was made from, to make it again with the transcript */
  event: JsonObject;
  transcriptAttached: boolean;
  error: RecordingError | null;
  at: EpochMs;
}

/** One co-organizer's card: sent, or why it could not be. */
export interface RecipientNotice {
  /** Entra object id */
  userId: string;
  state: 'sent' | 'unreachable';
  handle: JsonObject | null;
  transcriptAttached: boolean;
  error: RecordingError | null;
  at: EpochMs;
}

export interface RecordingKey {
  integrationId: string;
  recordingId: string;
}

/** Fields to set; the rest keep their value (or their default on first write). */
export type RecordingPatch = Partial<Omit<Recording, 'integrationId' | 'recordingId' | 'createdAt' | 'updatedAt' | 'settledAt'>>;

/** Recordings of one integration that settled on one UTC day. */
export interface DailyOutcome {
  /** YYYY-MM-DD, UTC */
  day: string;
  archived: number;
  failed: number;
}

export interface RecordingQuery extends PageRequest {
  integrationId?: string;
  state?: RecordingState;
  /** the organizer's Entra object id */
  organizerId?: string;
}

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

export interface AuditActor {
  /** Entra object id of the admin, or 'system' */
  id: string;
  name?: string | null;
}

export interface NewAuditEntry {
  actor: AuditActor;
  /** e.g. 'integration.create', 'integration.secret.update', 'job.retry' */
  action: string;
  integrationId?: string | null;
  target?: string | null;
  details?: JsonObject;
}

export interface AuditEntry {
  id: string;
  at: EpochMs;
  actor: { id: string; name: string | null };
  action: string;
  integrationId: string | null;
  target: string | null;
  details: JsonObject;
}

export interface AuditQuery extends PageRequest {
  integrationId?: string;
}
