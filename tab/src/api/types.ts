/** The admin API's shapes (docs/admin-api.md). Times are ISO 8601 strings. */

export type EntitlementRole = 'co-viewers' | 'co-editors' | 'co-publishers';

export interface IntegrationSettings {
  categories: string[];
  uploadScope: 'all' | 'opt-in' | 'opt-out';
  groupSource: 'kaltura' | 'entra';
  groups: string[];
  uploadTranscripts: boolean;
  /** ad hoc calls (1:1, group, PSTN) are archived too (absent on servers that do not know it yet) */
  includeAdhocCalls?: boolean;
  coOrganizerRoles: EntitlementRole[];
  presentersRoles: EntitlementRole[];
  attendeesRoles: EntitlementRole[];
  userIdSource: 'upn' | 'azure-id';
  userIdSuffixMethod: 'none' | 'remove' | 'append';
  userIdSuffix: string;
  userSearchMethod: 'id' | 'email' | 'all';
  userNotFoundMethod: 'create' | 'assign-default';
  defaultUserId: string;
  /** absent on servers that do not know it yet */
  entryUrlTemplate?: string;
  /** co-organizers get the organizer's Teams card too (absent on servers that do not know it yet) */
  notifyCoOrganizers?: boolean;
  /** the app installs itself for organizers the bot cannot reach (absent on servers that do not know it yet) */
  proactiveInstall?: boolean;
}

export const DEFAULT_SETTINGS: IntegrationSettings = {
  categories: [],
  uploadScope: 'all',
  groupSource: 'kaltura',
  groups: [],
  uploadTranscripts: true,
  includeAdhocCalls: false,
  coOrganizerRoles: ['co-editors', 'co-publishers'],
  presentersRoles: ['co-viewers'],
  attendeesRoles: [],
  userIdSource: 'upn',
  userIdSuffixMethod: 'none',
  userIdSuffix: '',
  userSearchMethod: 'id',
  userNotFoundMethod: 'create',
  defaultUserId: '',
  notifyCoOrganizers: false,
  proactiveInstall: false,
};

export interface IntegrationError {
  code: string;
  message: string;
  fix?: string;
  at?: string;
}

export type HealthState = 'unknown' | 'ok' | 'warning' | 'error';

export interface KalturaConnection {
  partnerId: number;
  serviceUrl?: string;
  appTokenId?: string;
  credential?: 'appToken' | 'adminSecret';
}

export interface Integration {
  id: string;
  name: string;
  tenantId: string;
  appClientId: string;
  appClientSecret?: { set: boolean };
  status: 'enabled' | 'disabled';
  settings: IntegrationSettings;
  lastError: IntegrationError | null;
  health?: { state: HealthState };
  kaltura?: KalturaConnection;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface NewIntegration {
  name: string;
  tenantId: string;
  appClientId: string;
  appClientSecret: string;
  kaltura: {
    partnerId: number;
    serviceUrl?: string;
    appTokenId?: string;
    appToken?: string;
    adminSecret?: string;
  };
  settings?: Partial<IntegrationSettings>;
}

export interface IntegrationChange {
  name?: string;
  tenantId?: string;
  appClientId?: string;
  kaltura?: Partial<NewIntegration['kaltura']>;
  settings?: IntegrationSettings;
}

export interface Me {
  user: { id: string; name: string; tenantId: string };
  roles: string[];
}

export interface ClientConfig {
  clientId: string;
  authority: string;
  tenantId: string | null;
  scope: string;
  signIn: 'teams' | 'sandbox';
}

export type CheckStatus = 'pass' | 'fail' | 'warning' | 'skipped';

export interface ConnectionCheck {
  id: string;
  label: string;
  status: CheckStatus;
  code?: string;
  message?: string;
  fix?: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  checkedAt: string;
  checks: ConnectionCheck[];
  integration?: Integration;
}

export interface HealthProblem {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  fix?: string;
  since?: string;
}

export interface Health {
  state: HealthState;
  problems: HealthProblem[];
  paused: { reason: string; since: string } | null;
  checkedAt: string | null;
  lastSuccessAt: string | null;
  lastArchivedAt: string | null;
  secretExpiresAt: string | null;
  subscriptions?: { resource: string; expiresAt: string | null }[];
  subscriptionExpiresAt: string | null;
  jobs: { queued: number; active: number; completed: number; failed: number };
  daily: { day: string; archived: number; failed: number }[];
}

export const RECORDING_STATES = ['queued', 'downloading', 'uploading', 'processing', 'archived', 'skipped', 'failed'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

export interface Recording {
  recordingId: string;
  /** null for an ad hoc call's recording, which belongs to no meeting */
  meetingId: string | null;
  /** the ad hoc call's id, for a call's recording (absent on servers that do not archive calls) */
  callId?: string | null;
  organizerId: string;
  subject: string;
  recordedAt: string | null;
  state: RecordingState;
  bytesDone: number | null;
  bytesTotal: number | null;
  entryId: string | null;
  entryUrl: string | null;
  reason: string | null;
  error: { code?: string; message: string } | string | null;
  transcript: { state: string; error: { code?: string; message: string } | string | null } | null;
  /** the organizer's Teams card: null until it is sent (or found undeliverable) */
  notice?: RecordingNotice | null;
  retryable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NoticeError {
  code?: string;
  message: string;
}

/** One person's card: sent, or why it could not be. */
export interface CardDelivery {
  state: 'sent' | 'unreachable' | (string & {});
  error: NoticeError | string | null;
  at?: string | null;
}

export interface RecordingNotice extends CardDelivery {
  /** the co-organizers' cards, when the integration tells them too (absent on servers that do not list them) */
  coOrganizers?: (CardDelivery & { userId: string })[];
}

export interface RecordingPage {
  items: Recording[];
  nextCursor: string | null;
}

export interface BackfillResult {
  jobId: string;
  from: string;
  to: string;
  created: boolean;
}
