import { createHash } from 'node:crypto';
import type { FixtureAppRegistration, FixtureGroup, FixtureMeeting, FixtureUser } from '../fixture/schema.js';
import { createdAt, type Artifact } from './graph-store.js';

/** Graph's JSON for the resources we serve (reference §2.2, §3, §6), built from fixture records. */

/** An app registration (application resource), with its secrets as passwordCredentials. */
export function applicationJson(a: FixtureAppRegistration): Record<string, unknown> {
  const guid = (...parts: string[]) => {
    const h = createHash('sha256').update(parts.join('#')).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  return {
    id: guid('application', a.clientId),
    appId: a.clientId,
    displayName: a.displayName,
    signInAudience: 'AzureADMyOrg',
    passwordCredentials: a.secrets.map((secret, i) => ({
      customKeyIdentifier: null,
      displayName: `secret ${i + 1}`,
      endDateTime: secret.expiresAt,
      hint: secret.value.slice(0, 3),
      keyId: guid('secret', a.clientId, String(i)),
      secretText: null,
      startDateTime: new Date(Date.parse(secret.expiresAt) - 730 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })),
  };
}

export function userJson(u: FixtureUser): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    jobTitle: null,
    mail: u.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname ?? null,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

export function groupJson(g: FixtureGroup): Record<string, unknown> {
  return {
    id: g.id,
    deletedDateTime: null,
    description: null,
    displayName: g.displayName,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    mailNickname: g.displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || g.id,
    securityEnabled: true,
    visibility: null,
  };
}

/** Directory objects in a collection carry their type, so callers can tell users from groups. */
export function directoryObjectJson(o: FixtureUser | FixtureGroup): Record<string, unknown> {
  return 'userPrincipalName' in o
    ? { '@odata.type': '#microsoft.graph.user', ...userJson(o) }
    : { '@odata.type': '#microsoft.graph.group', ...groupJson(o) };
}

export function teamworkUser(userId: string, tenantId: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.teamworkUserIdentity',
    id: userId,
    displayName: null,
    userIdentityType: 'aadUser',
    tenantId,
  };
}

export function contentUrl(base: string, a: Artifact): string {
  const segment = a.kind === 'recording' ? 'recordings' : 'transcripts';
  const meeting = encodeURIComponent(a.meeting.id);
  return `${base}/users/${a.meeting.organizerId}/onlineMeetings/${meeting}/${segment}/${encodeURIComponent(a.item.id)}/content`;
}

/** callRecording / callTranscript. The content URL is a real absolute URL here (getAll* style). */
export function artifactJson(base: string, a: Artifact, tenantId: string): Record<string, unknown> {
  const common = {
    '@odata.type': a.kind === 'recording' ? '#microsoft.graph.callRecording' : '#microsoft.graph.callTranscript',
    id: a.item.id,
    meetingId: a.meeting.id,
    callId: a.callId,
    contentCorrelationId: a.contentCorrelationId,
    createdDateTime: createdAt(a),
    endDateTime: a.item.endDateTime,
    meetingOrganizer: { application: null, device: null, user: teamworkUser(a.meeting.organizerId, tenantId) },
  };
  return a.kind === 'recording'
    ? { ...common, recordingContentUrl: contentUrl(base, a) }
    : { ...common, transcriptContentUrl: contentUrl(base, a) };
}

/** The chat thread id is in the join URL: /l/meetup-join/19%3ameeting_…%40thread.v2/0 */
function threadIdOf(joinWebUrl: string): string | null {
  const m = /\/meetup-join\/([^/]+)/.exec(joinWebUrl);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** A stable ten-digit dial-in id, so `joinMeetingIdSettings/joinMeetingId eq '…'` can be served. */
export function joinMeetingIdOf(m: FixtureMeeting): string {
  // 1e9 + a 32-bit number is always ten digits
  return String(1_000_000_000 + createHash('sha256').update(`join#${m.id}`).digest().readUInt32BE(0));
}

type Role = 'coorganizer' | 'presenter' | 'attendee';

/**
 * `coorganizer` (like `producer`) is an evolvable enum member: without
 * `Prefer: include-unknown-enum-members` Graph sends `unknownFutureValue` (reference §3, §7.9).
 */
function roleOnWire(role: Role, includeUnknownEnumMembers: boolean): string {
  return role === 'coorganizer' && !includeUnknownEnumMembers ? 'unknownFutureValue' : role;
}

export function meetingJson(
  m: FixtureMeeting,
  users: (id: string) => FixtureUser | undefined,
  tenantId: string,
  includeUnknownEnumMembers: boolean,
): Record<string, unknown> {
  const participant = (userId: string, role: string): Record<string, unknown> => {
    const u = users(userId);
    return {
      upn: u?.userPrincipalName ?? null,
      role,
      identity: {
        application: null,
        device: null,
        user: { id: userId, displayName: u?.displayName ?? null, tenantId, identityProvider: 'AAD' },
      },
    };
  };
  return {
    id: m.id,
    creationDateTime: m.startDateTime,
    startDateTime: m.startDateTime,
    endDateTime: m.endDateTime,
    joinWebUrl: m.joinWebUrl,
    subject: m.subject,
    isBroadcast: false,
    isEntryExitAnnounced: true,
    allowedPresenters: 'everyone',
    allowAttendeeToEnableCamera: true,
    allowAttendeeToEnableMic: true,
    allowMeetingChat: 'enabled',
    allowTeamworkReactions: true,
    recordAutomatically: false,
    videoTeleconferenceId: null,
    externalId: null,
    audioConferencing: null,
    chatInfo: { threadId: threadIdOf(m.joinWebUrl), messageId: '0', replyChainMessageId: null },
    joinInformation: null,
    joinMeetingIdSettings: { isPasscodeRequired: false, joinMeetingId: joinMeetingIdOf(m), passcode: null },
    lobbyBypassSettings: { scope: 'organization', isDialInBypassEnabled: false },
    participants: {
      organizer: participant(m.organizerId, 'presenter'),
      attendees: m.participants
        .filter((p) => p.userId.toLowerCase() !== m.organizerId.toLowerCase())
        .map((p) => participant(p.userId, roleOnWire(p.role, includeUnknownEnumMembers))),
      producers: [],
      contributors: [],
    },
  };
}
