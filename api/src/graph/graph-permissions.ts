/** What the app reads from Graph, each needing its own application permission. */
export type GraphAccess =
  | 'recordings'
  | 'transcripts'
  | 'callRecordings'
  | 'callTranscripts'
  | 'meetings'
  | 'users'
  | 'groups'
  | 'subscriptions'
  | 'applications'
  | 'appCatalog'
  | 'teamsAppInstall';

interface AccessGrant {
  /** the least-privileged permission: what an admin is told to add */
  least: string;
  /** the code raised when none of the sets below is granted */
  code: string;
  /** any one set grants the access; a set needs all of its permissions */
  grantedBy: ReadonlyArray<readonly string[]>;
}

const DIRECTORY_READERS = [['Directory.Read.All'], ['Directory.ReadWrite.All']] as const;
const USER_READERS = ['User.Read.All', 'User.ReadWrite.All'];
const GROUP_READERS = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All'];

/**
 * Access → the application permissions that grant it, from the permissions table of each API the
 * access uses (learn.microsoft.com/graph/api/…). A tenant may have granted a higher-privileged
 * permission instead of the least one; refusing it would block an integration that works.
 * - recordings: callrecording-get, onlinemeeting-list-recordings, getAllRecordings and their
 *   subscriptions list OnlineMeetingRecording.Read.All only ("higher privileged: not available";
 *   OnlineMeetingArtifact.Read.All covers attendance reports, not recordings);
 * - transcripts: likewise OnlineMeetingTranscript.Read.All only;
 * - callRecordings / callTranscripts: adhoccall-getallrecordings / -getalltranscripts, callrecording-get
 *   and calltranscript-get for ad hoc calls, and their subscriptions: CallRecordings.Read.All /
 *   CallTranscripts.Read.All only ("higher privileged: not available"; the meeting ones do not grant them);
 * - meetings: onlinemeeting-get, OnlineMeetings.Read.All or OnlineMeetings.ReadWrite.All;
 * - users: user-get / user-list, User.Read.All, User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All;
 * - groups: checkMemberGroups on a user wants a user reader together with a group reader, or a
 *   directory reader;
 * - subscriptions: renewing or deleting one needs the permission its resource needed;
 * - applications: reading the app registration's own passwordCredentials;
 * - appCatalog: appcatalogs-list-teamsapps, application AppCatalog.Read.All or AppCatalog.ReadWrite.All
 *   (its Directory.* entries are delegated only);
 * - teamsAppInstall: userteamwork-post-installedapps, application TeamsAppInstallation.ReadWriteSelfForUser.All
 *   and the higher ones it lists. The two "Self" ones install only the Teams app whose manifest
 *   webApplicationInfo.id is this very app registration; for any other registration Graph refuses
 *   the install (403) although the token holds the permission, so holding one is necessary here, not
 *   sufficient: Graph has the last word.
 */
export const accessGrants: Record<GraphAccess, AccessGrant> = {
  recordings: { least: 'OnlineMeetingRecording.Read.All', code: 'MISSING_RECORDING_PERMISSION', grantedBy: [['OnlineMeetingRecording.Read.All']] },
  transcripts: { least: 'OnlineMeetingTranscript.Read.All', code: 'MISSING_TRANSCRIPT_PERMISSION', grantedBy: [['OnlineMeetingTranscript.Read.All']] },
  callRecordings: { least: 'CallRecordings.Read.All', code: 'MISSING_CALL_RECORDING_PERMISSION', grantedBy: [['CallRecordings.Read.All']] },
  callTranscripts: { least: 'CallTranscripts.Read.All', code: 'MISSING_CALL_TRANSCRIPT_PERMISSION', grantedBy: [['CallTranscripts.Read.All']] },
  meetings: {
    least: 'OnlineMeetings.Read.All',
    code: 'MISSING_MEETING_PERMISSION',
    grantedBy: [['OnlineMeetings.Read.All'], ['OnlineMeetings.ReadWrite.All']],
  },
  users: {
    least: 'User.Read.All',
    code: 'MISSING_USER_PERMISSION',
    grantedBy: [...USER_READERS.map((p) => [p]), ...DIRECTORY_READERS],
  },
  groups: {
    least: 'GroupMember.Read.All',
    code: 'MISSING_GROUP_PERMISSION',
    grantedBy: [...USER_READERS.flatMap((u) => GROUP_READERS.map((g) => [u, g])), ...DIRECTORY_READERS],
  },
  subscriptions: {
    least: 'OnlineMeetingRecording.Read.All',
    code: 'MISSING_RECORDING_PERMISSION',
    grantedBy: [['OnlineMeetingRecording.Read.All'], ['OnlineMeetingTranscript.Read.All'], ['CallRecordings.Read.All'], ['CallTranscripts.Read.All']],
  },
  applications: {
    least: 'Application.Read.All',
    code: 'MISSING_APPLICATION_PERMISSION',
    grantedBy: [['Application.Read.All'], ['Application.ReadWrite.All'], ...DIRECTORY_READERS],
  },
  appCatalog: {
    least: 'AppCatalog.Read.All',
    code: 'MISSING_APP_CATALOG_PERMISSION',
    grantedBy: [['AppCatalog.Read.All'], ['AppCatalog.ReadWrite.All']],
  },
  teamsAppInstall: {
    least: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
    code: 'MISSING_TEAMS_APP_INSTALL_PERMISSION',
    grantedBy: [
      ['TeamsAppInstallation.ReadWriteSelfForUser.All'],
      ['TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All'],
      ['TeamsAppInstallation.ReadWriteForUser.All'],
      ['TeamsAppInstallation.ReadWriteAndConsentForUser.All'],
      ['TeamsAppInstallation.ReadWriteSelectedForUser.All'],
      ['TeamsAppInstallation.ManageSelectedForUser.All'],
    ],
  },
};

/** Whether a token with these `roles` has the access. */
export function grants(roles: readonly string[], access: GraphAccess): boolean {
  const held = new Set(roles);
  return accessGrants[access].grantedBy.some((set) => set.every((p) => held.has(p)));
}
