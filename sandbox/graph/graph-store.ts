import { createHash } from 'node:crypto';
import type {
  Fixture,
  FixtureCall,
  FixtureCallRecording,
  FixtureCallTranscript,
  FixtureGroup,
  FixtureMeeting,
  FixtureRecording,
  FixtureTranscript,
  FixtureUser,
} from '../fixture/schema.js';

export type ArtifactKind = 'recording' | 'transcript';

export interface Artifact<T extends FixtureRecording | FixtureTranscript = FixtureRecording | FixtureTranscript> {
  kind: ArtifactKind;
  item: T;
  meeting: FixtureMeeting;
  /** recordings[i] and transcripts[i] of one meeting come from the same session: same correlation id */
  contentCorrelationId: string;
  callId: string;
  /**
   * Order in which artifacts became visible. Delta tokens and page snapshots are watermarks on it, so
   * an item made available mid-paging never shifts a page and always shows up in the next delta.
   */
  visibleSeq?: number;
  availableAt?: string;
}

/**
 * A recording or transcript of an ad hoc call (1:1, group, PSTN). Kept apart from meeting artifacts:
 * the meeting APIs never see these, and the adhocCalls APIs never see a meeting's.
 */
export interface CallArtifact<T extends FixtureCallRecording | FixtureCallTranscript = FixtureCallRecording | FixtureCallTranscript> {
  kind: ArtifactKind;
  item: T;
  call: FixtureCall;
  /** recordings[i] and transcripts[i] of one call share it: `{guid}-{yyyyMMdd_HHmmss}` as in Graph's examples */
  contentCorrelationId: string;
  /** the fixture's times, or the call's when the item has none */
  createdDateTime: string;
  endDateTime: string;
  visibleSeq?: number;
  availableAt?: string;
}

/** Either kind of artifact, as far as visibility and content are concerned. */
export type AnyArtifact = Artifact | CallArtifact;

export interface GraphSettings {
  /** default page size of getAllRecordings/getAllTranscripts and their delta; small so paging is exercised */
  pageSize: number;
  /** Graph gives the notification endpoint 10 s to answer the validation request */
  validationTimeoutMs: number;
  /** how long the emulator waits for a notification POST before recording it as failed */
  notificationTimeoutMs: number;
  /**
   * Recording content answered with 302 to a pre-authenticated URL on another origin (the download
   * host), as OneDrive/SharePoint-stored content may be (reference §2.3, unconfirmed for Graph).
   */
  contentRedirect: boolean;
}

export const defaultSettings = (): GraphSettings => ({ pageSize: 2, validationTimeoutMs: 10_000, notificationTimeoutMs: 10_000, contentRedirect: false });

/** A pre-authenticated download URL handed out by a 302. */
export interface DownloadGrant {
  kind: ArtifactKind;
  id: string;
  meetingId: string | null;
  /** set for an ad hoc call's recording */
  callId?: string;
  expiresAt: number;
}

export type SubscriptionTarget =
  | { kind: ArtifactKind; scope: 'tenant' }
  | { kind: ArtifactKind; scope: 'organizer'; userId: string }
  | { kind: ArtifactKind; scope: 'meeting'; meetingId: string }
  // ad hoc calls: communications/adhocCalls/getAll…, users/{id}/adhocCalls/getAll…, communications/adhocCalls/{id}/…
  | { kind: ArtifactKind; scope: 'adhocTenant' }
  | { kind: ArtifactKind; scope: 'adhocUser'; userId: string }
  | { kind: ArtifactKind; scope: 'adhocCall'; callId: string };

export function isAdhocTarget(t: SubscriptionTarget): boolean {
  return t.scope === 'adhocTenant' || t.scope === 'adhocUser' || t.scope === 'adhocCall';
}

export interface Subscription {
  id: string;
  resource: string;
  target: SubscriptionTarget;
  applicationId: string;
  creatorId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
  status: 'active' | 'deleted' | 'removed';
  reauthorizationRequired: boolean;
  createdAt: string;
}

export interface DeliveryRecord {
  at: string;
  kind: 'change' | 'lifecycle' | 'validation';
  subscriptionId?: string;
  url: string;
  /** what was posted (JSON for change and lifecycle, the token for validation) */
  payload: unknown;
  status?: number;
  contentType?: string;
  responseBody?: string;
  ms: number;
  ok: boolean;
  error?: string;
}

export interface ContentFetchRecord {
  at: string;
  kind: ArtifactKind;
  id: string;
  /** null for an ad hoc call's recording or transcript */
  meetingId: string | null;
  /** set for an ad hoc call's recording or transcript */
  callId?: string;
  method: string;
  /** the Range header as sent, or null */
  range: string | null;
  status: number;
  /** first and last byte served, inclusive; null for HEAD and 416 */
  served: [number, number] | null;
  bytesSent: number;
  complete: boolean;
  /** 'download' for the pre-authenticated URL a 302 pointed to */
  via?: 'graph' | 'download';
  /** whether the request carried an Authorization header (a download URL must not get the bearer) */
  authorization?: boolean;
}

export interface DenialRecord {
  at: string;
  method: string;
  path: string;
  status: number;
  code: string;
  /** why, in words: Graph's own 403 message is often empty */
  reason: string;
}

/** One install of the Teams app through `POST /users/{id}/teamwork/installedApps`. */
export interface AppInstallRecord {
  at: string;
  userId: string;
  /** the client id of the app whose token asked */
  byAppId: string;
  /** what the onAppInstalled listeners threw, if anything */
  listenerErrors?: string[];
}

const MAX_LOG = 5_000;

export function pushCapped<T>(list: T[], entry: T): void {
  list.push(entry);
  if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
}

function derivedGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('#')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The emulated tenant's directory and meetings, built from the fixture, plus what happened since. */
export class GraphStore {
  fixture!: Fixture;
  settings: GraphSettings = defaultSettings();
  users = new Map<string, FixtureUser>();
  usersByUpn = new Map<string, FixtureUser>();
  groups = new Map<string, FixtureGroup>();
  meetings = new Map<string, FixtureMeeting>();
  artifacts = new Map<string, Artifact>();
  /** ad hoc calls by lowercased id */
  calls = new Map<string, FixtureCall>();
  callArtifacts = new Map<string, CallArtifact>();
  subscriptions = new Map<string, Subscription>();
  deliveries: DeliveryRecord[] = [];
  contentFetches: ContentFetchRecord[] = [];
  denials: DenialRecord[] = [];
  /**
   * Who has the Teams app installed in personal scope (lowercased Entra ids): the fixture's
   * teamsApp.installedFor, or every user when it says nothing.
   */
  teamsAppInstalledFor = new Set<string>();
  appInstalls: AppInstallRecord[] = [];
  /** origin of the download host; set once it listens, kept across fixture loads */
  downloadBase: string | null = null;
  downloads = new Map<string, DownloadGrant>();
  private seq = 0;

  load(fixture: Fixture): void {
    this.fixture = fixture;
    this.settings = defaultSettings();
    this.users = new Map(fixture.users.map((u) => [u.id.toLowerCase(), u]));
    this.usersByUpn = new Map(fixture.users.map((u) => [u.userPrincipalName.toLowerCase(), u]));
    this.groups = new Map(fixture.groups.map((g) => [g.id.toLowerCase(), g]));
    this.meetings = new Map(fixture.meetings.map((m) => [m.id, m]));
    this.artifacts = new Map();
    this.calls = new Map(fixture.calls.map((c) => [c.id.toLowerCase(), c]));
    this.callArtifacts = new Map();
    this.subscriptions = new Map();
    this.deliveries = [];
    this.contentFetches = [];
    this.downloads = new Map();
    this.denials = [];
    this.teamsAppInstalledFor = new Set((fixture.teamsApp.installedFor ?? fixture.users.map((u) => u.id)).map((id) => id.toLowerCase()));
    this.appInstalls = [];
    this.seq = 0;
    const initiallyVisible: Artifact[] = [];
    for (const meeting of fixture.meetings) {
      const add = (kind: ArtifactKind, item: FixtureRecording | FixtureTranscript, index: number): void => {
        const artifact: Artifact = {
          kind,
          item,
          meeting,
          contentCorrelationId: derivedGuid('correlation', meeting.id, String(index)),
          callId: derivedGuid('call', meeting.id, String(index)),
        };
        this.artifacts.set(artifactKey(kind, item.id), artifact);
        if (item.available) initiallyVisible.push(artifact);
      };
      meeting.recordings.forEach((r, i) => add('recording', r, i));
      meeting.transcripts.forEach((t, i) => add('transcript', t, i));
    }
    const callsVisible: CallArtifact[] = [];
    for (const call of fixture.calls) {
      const add = (kind: ArtifactKind, item: FixtureCallRecording | FixtureCallTranscript, index: number): void => {
        const artifact: CallArtifact = {
          kind,
          item,
          call,
          contentCorrelationId: `${derivedGuid('adhoc-correlation', call.id, String(index))}-${correlationStamp(call.startDateTime)}`,
          createdDateTime: item.createdDateTime ?? call.startDateTime,
          endDateTime: item.endDateTime ?? call.endDateTime,
        };
        this.callArtifacts.set(artifactKey(kind, item.id), artifact);
        if (item.available) callsVisible.push(artifact);
      };
      call.recordings.forEach((r, i) => add('recording', r, i));
      call.transcripts.forEach((t, i) => add('transcript', t, i));
    }
    initiallyVisible.sort((a, b) => compareArtifacts(a, b));
    for (const a of initiallyVisible) {
      a.visibleSeq = ++this.seq;
      a.availableAt = a.item.createdDateTime;
    }
    callsVisible.sort(compareCallArtifacts);
    for (const a of callsVisible) {
      a.visibleSeq = ++this.seq;
      a.availableAt = a.createdDateTime;
    }
  }

  get currentSeq(): number {
    return this.seq;
  }

  user(idOrUpn: string): FixtureUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.get(key) ?? this.usersByUpn.get(key);
  }

  artifact(kind: ArtifactKind, id: string): Artifact | undefined {
    return this.artifacts.get(artifactKey(kind, id));
  }

  callArtifact(kind: ArtifactKind, id: string): CallArtifact | undefined {
    return this.callArtifacts.get(artifactKey(kind, id));
  }

  call(id: string): FixtureCall | undefined {
    return this.calls.get(id.toLowerCase());
  }

  visible<A extends AnyArtifact>(a: A | undefined): a is A {
    return a !== undefined && a.visibleSeq !== undefined;
  }

  /** Makes a hidden recording or transcript (of a meeting or a call) visible; false when it already was. */
  makeAvailable(a: AnyArtifact): boolean {
    if (a.visibleSeq !== undefined) return false;
    a.visibleSeq = ++this.seq;
    a.availableAt = new Date().toISOString();
    return true;
  }

  /** Groups the user belongs to, directly or through nested groups. */
  transitiveGroupsOf(memberId: string): FixtureGroup[] {
    const found = new Map<string, FixtureGroup>();
    const frontier = [memberId.toLowerCase()];
    while (frontier.length) {
      const id = frontier.pop()!;
      for (const g of this.groups.values()) {
        if (found.has(g.id.toLowerCase())) continue;
        if (g.members.some((m) => m.toLowerCase() === id)) {
          found.set(g.id.toLowerCase(), g);
          frontier.push(g.id.toLowerCase());
        }
      }
    }
    return [...found.values()];
  }

  /** Users and groups inside a group, following nested groups. */
  transitiveMembersOf(group: FixtureGroup): Array<FixtureUser | FixtureGroup> {
    const seen = new Set<string>([group.id.toLowerCase()]);
    const out: Array<FixtureUser | FixtureGroup> = [];
    const frontier = [...group.members];
    while (frontier.length) {
      const id = frontier.shift()!.toLowerCase();
      if (seen.has(id)) continue;
      seen.add(id);
      const user = this.users.get(id);
      if (user) out.push(user);
      const nested = this.groups.get(id);
      if (nested) {
        out.push(nested);
        frontier.push(...nested.members);
      }
    }
    return out;
  }

  /** Subscriptions that are neither deleted nor past their expiration. */
  liveSubscriptions(now = Date.now()): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => isLive(s, now));
  }
}

export function isLive(s: Subscription, now = Date.now()): boolean {
  return s.status === 'active' && Date.parse(s.expirationDateTime) > now;
}

export function artifactKey(kind: ArtifactKind, id: string): string {
  return `${kind}:${id}`;
}

/**
 * When Graph says the recording or transcript was created: the fixture's time for one that was there
 * from the start, the moment it was made available for one held back (as a meeting ending now would).
 */
export function createdAt(a: Artifact): string {
  return a.availableAt ?? a.item.createdDateTime;
}

/** Graph's correlation suffix, e.g. 20251007_072521 (reference: adhoccall-getallrecordings example). */
function correlationStamp(iso: string): string {
  const d = new Date(iso).toISOString();
  return `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}_${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}`;
}

/** An ad hoc call artifact's createdDateTime: like a meeting's, the release time for one held back. */
export function callCreatedAt(a: CallArtifact): string {
  return a.availableAt ?? a.createdDateTime;
}

/**
 * Its end, moved with its start when it was released later: Graph never shows an artifact ending
 * before it was created, and the recording keeps its length.
 */
export function callEndedAt(a: CallArtifact): string {
  if (!a.availableAt) return a.endDateTime;
  const length = Math.max(0, Date.parse(a.endDateTime) - Date.parse(a.createdDateTime));
  return new Date(Date.parse(a.availableAt) + length).toISOString().replace(/\.000Z$/, 'Z');
}

export function compareCallArtifacts(a: CallArtifact, b: CallArtifact): number {
  const t = Date.parse(callCreatedAt(a)) - Date.parse(callCreatedAt(b));
  return t !== 0 ? t : a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0;
}

/** getAll* order: oldest first, ties broken by id so pages are stable. */
export function compareArtifacts(a: Artifact, b: Artifact): number {
  const t = Date.parse(createdAt(a)) - Date.parse(createdAt(b));
  return t !== 0 ? t : a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0;
}
