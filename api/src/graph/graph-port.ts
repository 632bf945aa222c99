import type { Readable } from 'node:stream';

/**
 * Everything the pipeline asks of Microsoft Graph for one integration (one tenant, one app
 * registration). The adapter turns Graph and Entra failures into GraphError codes an admin can act on.
 */
export interface TeamsUser {
  id: string;
  userPrincipalName: string;
  mail?: string | null;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
}

export type MeetingRole = 'organizer' | 'coorganizer' | 'presenter' | 'attendee';

export interface MeetingInfo {
  id: string;
  subject: string;
  startDateTime: string;
  endDateTime: string;
  joinWebUrl?: string;
  organizerId: string;
  participants: Array<{ userId: string; upn?: string; role: MeetingRole }>;
}

export interface RecordingInfo {
  id: string;
  /** the online meeting's id; '' for an ad hoc call's artifact, which has none */
  meetingId: string;
  /** set for an ad hoc call's artifact: the call's id */
  callId?: string;
  /** the meeting's organizer; for an ad hoc call, the user who started it */
  organizerId: string;
  createdDateTime: string;
  endDateTime?: string;
  contentCorrelationId?: string;
}

export type TranscriptInfo = RecordingInfo;

/** A recording or transcript of an ad hoc call (1:1, group or PSTN call; no meeting behind it). */
export type CallArtifactInfo = RecordingInfo & { callId: string };

export interface ContentDownload {
  stream: Readable;
  /** the whole recording's size in bytes */
  totalSize: number;
  /** first byte in `stream` */
  offset: number;
}

export interface SubscriptionInfo {
  id: string;
  resource: string;
  expirationDateTime: string;
}

/** When the client secret in use expires, as far as Graph lets the app see it. */
export type SecretExpiry = { known: true; expiresAt: string } | { known: false; reason: string };

export interface GraphPort {
  /** gets a token and makes one cheap call; throws GraphError with the blocking code */
  verifyAccess(options?: { transcripts?: boolean; entraGroups?: boolean }): Promise<void>;

  /**
   * The expiry of the app registration's secret in use, read from its passwordCredentials (matched by
   * their hint, the secret's first three characters). Needs Application.Read.All; without it the
   * answer is "not known", never an error.
   */
  ownSecretExpiry(): Promise<SecretExpiry>;

  /** the application permissions the app's token carries (admin-consented); throws the Entra refusal */
  grantedPermissions(): Promise<string[]>;

  getUser(idOrUpn: string): Promise<TeamsUser | undefined>;
  /** every user in the tenant (for the reconciliation sweep), all pages */
  listUsers(): AsyncIterable<TeamsUser>;
  getMeeting(organizerId: string, meetingId: string): Promise<MeetingInfo>;
  /** recordings of meetings organized by the user, created within the window, all pages */
  listRecordings(organizerId: string, window: { from: Date; to: Date }): AsyncIterable<RecordingInfo>;
  listTranscripts(organizerId: string, window: { from: Date; to: Date }): AsyncIterable<TranscriptInfo>;
  /** one recording's metadata; undefined when Graph has no such recording (404) */
  getRecording(organizerId: string, meetingId: string, recordingId: string): Promise<RecordingInfo | undefined>;
  /** the recordings of one meeting */
  meetingRecordings(organizerId: string, meetingId: string): Promise<RecordingInfo[]>;
  /** the transcripts of one meeting */
  meetingTranscripts(organizerId: string, meetingId: string): Promise<TranscriptInfo[]>;
  /**
   * Ad hoc calls: throws GraphError with the code of what is missing (CallRecordings.Read.All, with
   * `transcripts` CallTranscripts.Read.All, the access policy, the transcript switch)
   */
  verifyCallAccess(options: { transcripts: boolean }): Promise<void>;
  /** artifacts of the ad hoc calls the user started, created within the window, all pages */
  listCallRecordings(initiatorId: string, window: { from: Date; to: Date }): AsyncIterable<CallArtifactInfo>;
  listCallTranscripts(initiatorId: string, window: { from: Date; to: Date }): AsyncIterable<CallArtifactInfo>;
  /** one ad hoc call artifact; undefined when Graph has none (404) */
  getCallArtifact(kind: 'recording' | 'transcript', initiatorId: string, callId: string, id: string): Promise<CallArtifactInfo | undefined>;
  /** recording content (a meeting's or a call's) from `offset` on (HTTP Range), streamed */
  downloadRecording(recording: RecordingInfo, offset: number): Promise<ContentDownload>;
  transcriptVtt(transcript: TranscriptInfo): Promise<string>;
  /** an Entra group by id; undefined when the directory has none (needs GroupMember.Read.All) */
  getGroup(groupId: string): Promise<{ id: string; displayName: string | null } | undefined>;
  /**
   * Up to `top` Entra groups whose displayName starts with `prefix` (all groups when it is empty), for
   * the editor's group picker (needs GroupMember.Read.All)
   */
  searchGroups(prefix: string, top: number): Promise<Array<{ id: string; displayName: string | null }>>;
  /** ids among `groupIds` the user is a transitive member of (needs GroupMember.Read.All) */
  memberGroups(userId: string, groupIds: string[]): Promise<string[]>;

  /**
   * The Teams app in the tenant's app catalog by its manifest id (the catalog's externalId): its `id`
   * is the catalog's own, which installs name. null when the catalog has no such app. Needs
   * AppCatalog.Read.All.
   */
  findTeamsApp(externalId: string): Promise<{ id: string } | null>;
  /**
   * Installs the catalog app `catalogId` in the user's personal scope, so its bot may message them;
   * Teams then sends the bot the install events. 'already-installed' when Graph answers 409. Needs
   * TeamsAppInstallation.ReadWriteSelfForUser.All held by the Teams app's own Entra app (its manifest's
   * webApplicationInfo.id), or TeamsAppInstallation.ReadWriteForUser.All held by any app registration.
   */
  installTeamsAppForUser(userId: string, catalogId: string): Promise<'installed' | 'already-installed'>;

  createSubscription(input: {
    resource: string;
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    clientState: string;
    expirationDateTime: Date;
  }): Promise<SubscriptionInfo>;
  renewSubscription(id: string, expirationDateTime: Date): Promise<SubscriptionInfo>;
  reauthorizeSubscription(id: string): Promise<void>;
  deleteSubscription(id: string): Promise<void>;
}
