import type { EmulatorRequest } from '../emulator/router.js';
import type { FixtureAppRegistration } from '../fixture/schema.js';
import { BearerTokenError, verifyBearer, type TokenKeys } from '../entra/token-keys.js';
import { GraphHttpError, graphErrors, headerValue } from './graph-wire.js';
import type { GraphStore } from './graph-store.js';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/** The app calling Graph, as its app-only token describes it. */
export interface Caller {
  appId: string;
  tenantId: string;
  /** the service principal's object id: Graph reports it as a subscription's creatorId */
  objectId: string;
  roles: ReadonlySet<string>;
  app: FixtureAppRegistration | undefined;
}

// Graph's 401 texts; "expired" is the one the reference records, the others are Graph's usual wording.
const tokenMessages: Record<BearerTokenError['code'], string> = {
  missing: 'Access token is empty.',
  expired: 'Access token has expired or is not yet valid.',
  audience: 'Access token validation failure. Invalid audience.',
  invalid: 'Access token validation failure.',
};

export async function authenticate(keys: TokenKeys, store: GraphStore, req: EmulatorRequest): Promise<Caller> {
  let claims: Record<string, unknown>;
  try {
    claims = await verifyBearer(keys, headerValue(req, 'authorization'), GRAPH_AUDIENCE);
  } catch (err) {
    if (err instanceof BearerTokenError) throw graphErrors.unauthenticated(tokenMessages[err.code]);
    throw err;
  }
  const appId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : '';
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  if (!appId || tenantId.toLowerCase() !== store.fixture.tenant.id.toLowerCase()) {
    throw graphErrors.unauthenticated(tokenMessages.invalid);
  }
  // `roles` is absent (not empty) when nothing is consented: both mean "no application permissions".
  const roles = new Set(Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : []);
  const app = store.fixture.appRegistrations.find((a) => a.clientId.toLowerCase() === appId.toLowerCase());
  const objectId = typeof claims.oid === 'string' ? claims.oid : appId;
  return { appId, tenantId, objectId, roles, app };
}

export function hasAny(caller: Caller, roles: readonly string[]): boolean {
  return roles.some((r) => caller.roles.has(r));
}

/** Throws `deny` unless the token holds one of `roles`. */
export function requireAnyRole(caller: Caller, roles: readonly string[], deny: (reason: string) => GraphHttpError): void {
  if (!hasAny(caller, roles)) throw deny(`token roles lack any of ${roles.join(', ')}`);
}

/**
 * Least-privileged first; the broader ones Graph also accepts follow (reference §2, §3, §6 and each
 * API's permissions table). Recordings and transcripts have none broader: their tables say "higher
 * privileged permissions: not available", and OnlineMeetingArtifact.Read.All covers attendance reports.
 */
export const permissions = {
  readUser: ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  readMemberOf: ['User.Read.All', 'User.ReadWrite.All', 'GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  readGroup: ['GroupMember.Read.All', 'GroupMember.ReadBasic.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  readMeeting: ['OnlineMeetings.Read.All', 'OnlineMeetings.ReadWrite.All'],
  readRecording: ['OnlineMeetingRecording.Read.All'],
  readTranscript: ['OnlineMeetingTranscript.Read.All'],
  // ad hoc calls (adhoccall-getallrecordings, callrecording-get "for ad hoc calls"): their own
  // permissions, nothing broader; the meeting ones do not grant them
  readCallRecording: ['CallRecordings.Read.All'],
  readCallTranscript: ['CallTranscripts.Read.All'],
  readApplication: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  // appcatalogs-list-teamsapps: application AppCatalog.Read.All, higher AppCatalog.ReadWrite.All (the
  // Directory.* ones it also names are delegated only)
  readAppCatalog: ['AppCatalog.Read.All', 'AppCatalog.ReadWrite.All'],
  // userteamwork-post-installedapps, application: these install any catalog app for a user (the
  // "Selected" ones only the apps an admin selected, which the sandbox does not model: all are)…
  installAnyTeamsApp: [
    'TeamsAppInstallation.ReadWriteForUser.All',
    'TeamsAppInstallation.ReadWriteAndConsentForUser.All',
    'TeamsAppInstallation.ReadWriteSelectedForUser.All',
    'TeamsAppInstallation.ManageSelectedForUser.All',
  ],
  // …and these only the Teams app whose manifest webApplicationInfo.id is the calling app itself
  installSelfTeamsApp: ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All'],
  // userteamwork-list-installedapps, application: the read-only ones plus every one that installs
  readInstalledTeamsApps: ['TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.Read.All'],
} as const;

/**
 * checkMemberGroups on a user (directoryobject-checkmembergroups): a user reader together with a group
 * reader, or a directory reader. The ReadWrite permissions include their Read ones.
 */
export function requireCheckMemberGroups(caller: Caller): void {
  const directory = hasAny(caller, ['Directory.Read.All', 'Directory.ReadWrite.All']);
  const pair = hasAny(caller, ['User.Read.All', 'User.ReadWrite.All']) && hasAny(caller, ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All']);
  if (!directory && !pair) {
    throw graphErrors.directoryDenied('checkMemberGroups needs User.Read.All with GroupMember.Read.All (or Directory.Read.All)');
  }
}

/**
 * The Teams application access policy gates every meeting, recording and transcript read (for ad hoc
 * calls too: an inference, see adhoc-call-routes.ts).
 */
export function requireAccessPolicy(caller: Caller): void {
  if (!caller.app?.applicationAccessPolicy) throw graphErrors.noAccessPolicy();
}

export function requireTranscriptAccess(store: GraphStore): void {
  if (!store.fixture.tenant.transcriptApiAccess) throw graphErrors.transcriptsDisabled();
}
