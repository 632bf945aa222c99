import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  AuthenticationHandler,
  Client,
  GraphError as SdkGraphError,
  HTTPMessageHandler,
  RedirectHandler,
  ResponseType,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import type { Dispatcher } from 'undici';
import type { AppTokenProvider } from './app-token-provider.js';
import { classifyGraphFailure, classifyNetworkFailure, GraphError, type GraphPermissionArea } from './graph-errors.js';
import { odataString, segment } from './graph-path.js';
import { accessGrants, grants } from './graph-permissions.js';
import type {
  CallArtifactInfo,
  ContentDownload,
  GraphPort,
  MeetingInfo,
  MeetingRole,
  RecordingInfo,
  SecretExpiry,
  SubscriptionInfo,
  TeamsUser,
  TranscriptInfo,
} from './graph-port.js';
import { TokenBucket } from '../net/token-bucket.js';

export interface GraphAdapterOptions {
  baseUrl: string;
  tokens: AppTokenProvider;
  /** trusts the configured CA for Graph calls (undici dispatcher, passed to Node's fetch) */
  dispatcher?: Dispatcher;
  /** Graph allows about 30 Teams GET requests per second per app per tenant; stay under it */
  requestsPerSecond?: number;
  /** the app registration and the first three characters of its secret, to find that secret's expiry */
  ownCredential?: { clientId: string; secretHint: string };
}

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

interface RawArtifact {
  id: string;
  meetingId: string;
  createdDateTime: string;
  endDateTime?: string;
  contentCorrelationId?: string;
  meetingOrganizer?: { user?: { id?: string } };
}

interface RawCallArtifact {
  id: string;
  callId: string;
  createdDateTime: string;
  endDateTime?: string;
  contentCorrelationId?: string;
  meetingOrganizer?: { user?: { id?: string } };
}

/** The initiator is the user whose path reached the item; meetingOrganizer names the same user. */
function toCallArtifact(a: RawCallArtifact, initiatorId: string, callId?: string): CallArtifactInfo {
  return {
    id: a.id,
    meetingId: '',
    callId: a.callId ?? callId,
    organizerId: initiatorId,
    createdDateTime: a.createdDateTime,
    endDateTime: a.endDateTime,
    contentCorrelationId: a.contentCorrelationId,
  };
}

/** Graph's tenant-wide subscription to ad hoc call transcripts exists on /beta only. */
const BETA_ONLY_RESOURCES: ReadonlySet<string> = new Set(['communications/adhoccalls/getalltranscripts']);

function subscriptionArea(resource: string): GraphPermissionArea {
  const r = resource.toLowerCase();
  if (r.includes('adhoccalls')) return r.includes('transcripts') ? 'callTranscripts' : 'callRecordings';
  return r.includes('transcripts') ? 'transcripts' : 'recordings';
}

interface RawParticipant {
  identity?: { user?: { id?: string } };
  upn?: string;
  role?: string;
}

function toArtifact(a: RawArtifact, meetingId: string, organizerId: string): RecordingInfo {
  return {
    id: a.id,
    meetingId: a.meetingId ?? meetingId,
    organizerId: a.meetingOrganizer?.user?.id ?? organizerId,
    createdDateTime: a.createdDateTime,
    endDateTime: a.endDateTime,
    contentCorrelationId: a.contentCorrelationId,
  };
}

function toRole(role: string | undefined): MeetingRole {
  if (role === 'coorganizer') return 'coorganizer';
  if (role === 'presenter' || role === 'producer') return 'presenter';
  return 'attendee';
}

/** Whole seconds, rounded outwards so a window never cuts off the second an item appeared in. */
function graphDate(d: Date, edge: 'start' | 'end'): string {
  const ms = d.getTime();
  const rounded = edge === 'start' ? Math.floor(ms / 1000) * 1000 : Math.ceil(ms / 1000) * 1000;
  return new Date(rounded).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * GraphPort over @microsoft/microsoft-graph-client. The SDK's own retry handler is left out on purpose:
 * throttling and outages go back to the job queue, which waits out Retry-After without holding a
 * worker, instead of sleeping inside a call.
 */
export class GraphAdapter implements GraphPort {
  private readonly client: Client;
  private readonly bucket: TokenBucket;
  private roles: string[] = [];

  constructor(private readonly options: GraphAdapterOptions) {
    const auth = new AuthenticationHandler({
      getAccessToken: async () => {
        const token = await options.tokens.getToken();
        this.roles = token.roles;
        return token.accessToken;
      },
    });
    const redirect = new RedirectHandler();
    const http = new HTTPMessageHandler();
    auth.setNext(redirect);
    redirect.setNext(http);
    this.client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${options.baseUrl}/`,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(options.baseUrl).hostname]),
      fetchOptions: (options.dispatcher ? { dispatcher: options.dispatcher } : {}) as FetchOptions,
    });
    this.bucket = new TokenBucket(options.requestsPerSecond ?? 25);
  }

  /** Fails fast, with the precise code, when no permission in the token grants what an operation needs. */
  private async requireRole(area: GraphPermissionArea): Promise<void> {
    const token = await this.options.tokens.getToken();
    this.roles = token.roles;
    if (!grants(token.roles, area)) {
      const { least, code } = accessGrants[area];
      throw new GraphError(code, `the app registration's token has no ${least} application permission (nor a broader one that includes it)`, {
        blocking: true,
      });
    }
  }

  private async call<T>(area: GraphPermissionArea, what: string, run: (client: Client) => Promise<T>): Promise<T> {
    await this.requireRole(area);
    await this.bucket.take();
    try {
      return await run(this.client);
    } catch (err) {
      throw this.classify(err, area, what);
    }
  }

  private classify(err: unknown, area: GraphPermissionArea, what: string): Error {
    if (err instanceof GraphError) return err;
    if (err instanceof SdkGraphError && err.statusCode > 0) {
      return classifyGraphFailure(err.statusCode, { error: safeJson(err.body) }, err.headers, area, what);
    }
    return classifyNetworkFailure(err, what);
  }

  async verifyAccess(options: { transcripts?: boolean; entraGroups?: boolean } = {}): Promise<void> {
    await this.requireRole('recordings');
    await this.requireRole('meetings');
    await this.requireRole('users');
    if (options.transcripts) await this.requireRole('transcripts');
    if (options.entraGroups) await this.requireRole('groups');
    // an empty window still runs the access-policy and transcript-switch checks on Graph's side
    const probe = await this.probe();
    if (!probe) return;
    const { userId, window } = probe;
    for await (const _ of this.listRecordings(userId, window)) break;
    if (options.transcripts) for await (const _ of this.listTranscripts(userId, window)) break;
  }

  async verifyCallAccess(options: { transcripts: boolean }): Promise<void> {
    await this.requireRole('callRecordings');
    if (options.transcripts) await this.requireRole('callTranscripts');
    // an empty window runs Graph's own checks (access policy, transcript switch) on the calls path
    const probe = await this.probe();
    if (!probe) return;
    const { userId, window } = probe;
    for await (const _ of this.listCallRecordings(userId, window)) break;
    if (options.transcripts) for await (const _ of this.listCallTranscripts(userId, window)) break;
  }

  listCallRecordings(initiatorId: string, window: { from: Date; to: Date }): AsyncIterable<CallArtifactInfo> {
    return this.listCallArtifacts('callRecordings', 'getAllRecordings', initiatorId, window);
  }

  listCallTranscripts(initiatorId: string, window: { from: Date; to: Date }): AsyncIterable<CallArtifactInfo> {
    return this.listCallArtifacts('callTranscripts', 'getAllTranscripts', initiatorId, window);
  }

  private async *listCallArtifacts(
    area: 'callRecordings' | 'callTranscripts',
    fn: string,
    initiatorId: string,
    window: { from: Date; to: Date },
  ): AsyncIterable<CallArtifactInfo> {
    const pages = this.getAllPages<RawCallArtifact>(area, `/users/${segment(initiatorId)}/adhocCalls/${fn}`, { userId: initiatorId }, window);
    for await (const a of pages) yield toCallArtifact(a, initiatorId);
  }

  /**
   * A getAllRecordings / getAllTranscripts function of a user's meetings or ad hoc calls, over a
   * window, every page: the two APIs differ in their path and in the name of the user parameter.
   */
  private async *getAllPages<T>(area: GraphPermissionArea, fn: string, user: Record<string, string>, window: { from: Date; to: Date }): AsyncIterable<T> {
    const [[param, userId]] = Object.entries(user) as [[string, string]];
    let next: string | undefined = `${fn}(${param}=${odataString(userId)},startDateTime=${graphDate(window.from, 'start')},endDateTime=${graphDate(window.to, 'end')})`;
    while (next) {
      const url: string = next;
      const page: Page<T> = await this.call(area, `list ${area} of ${userId}`, (c) => c.api(url).get());
      yield* page.value;
      next = page['@odata.nextLink'];
    }
  }

  async getCallArtifact(kind: 'recording' | 'transcript', initiatorId: string, callId: string, id: string): Promise<CallArtifactInfo | undefined> {
    const area = kind === 'recording' ? 'callRecordings' : 'callTranscripts';
    try {
      const a: RawCallArtifact = await this.call(area, `get ad hoc call ${kind} ${id}`, (c) =>
        c.api(`/users/${segment(initiatorId)}/adhocCalls/${segment(callId)}/${kind}s/${segment(id)}`).get(),
      );
      return toCallArtifact(a, initiatorId, callId);
    } catch (err) {
      if (err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Someone to ask about, and a window of the last minute: listing nothing still runs Graph's checks. */
  private async probe(): Promise<{ userId: string; window: { from: Date; to: Date } } | undefined> {
    const someone = await this.call('users', 'list users', (c) => c.api('/users').select('id').top(1).get() as Promise<Page<{ id: string }>>);
    const userId = someone.value[0]?.id;
    return userId ? { userId, window: { from: new Date(Date.now() - 60_000), to: new Date() } } : undefined;
  }

  async grantedPermissions(): Promise<string[]> {
    const token = await this.options.tokens.getToken();
    this.roles = token.roles;
    return token.roles;
  }

  async ownSecretExpiry(): Promise<SecretExpiry> {
    const own = this.options.ownCredential;
    if (!own) return { known: false, reason: 'no credential to look up' };
    const token = await this.options.tokens.getToken();
    this.roles = token.roles;
    if (!grants(token.roles, 'applications')) {
      return { known: false, reason: 'the app registration has no Application.Read.All permission, so it cannot read its secrets\' expiry' };
    }
    await this.bucket.take();
    let page: Page<{ appId: string; passwordCredentials?: Array<{ hint?: string | null; endDateTime?: string | null }> }>;
    try {
      page = await this.client.api('/applications').filter(`appId eq '${own.clientId.replace(/'/g, "''")}'`).select(['appId', 'passwordCredentials']).get();
    } catch (err) {
      if (err instanceof SdkGraphError && err.statusCode === 403) return { known: false, reason: 'Graph refused to show the app registration' };
      throw this.classify(err, 'users', 'read the app registration');
    }
    const ends = (page.value[0]?.passwordCredentials ?? [])
      .filter((c) => c.hint === own.secretHint && c.endDateTime)
      .map((c) => c.endDateTime!)
      .sort();
    // several secrets can share a hint: only the latest expiry is certain not to be too early
    const latest = ends.at(-1);
    return latest ? { known: true, expiresAt: latest } : { known: false, reason: 'no secret of the app registration starts with the characters of the one in use' };
  }

  async getUser(idOrUpn: string): Promise<TeamsUser | undefined> {
    try {
      return await this.call('users', `get user ${idOrUpn}`, (c) =>
        c.api(`/users/${segment(idOrUpn)}`).select(['id', 'userPrincipalName', 'mail', 'displayName', 'givenName', 'surname']).get(),
      );
    } catch (err) {
      if (err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async *listUsers(): AsyncIterable<TeamsUser> {
    let next: string | undefined = '/users?$select=id,userPrincipalName,mail,displayName,givenName,surname&$top=999';
    while (next) {
      const url: string = next;
      const page: Page<TeamsUser> = await this.call('users', 'list users', (c) => c.api(url).get());
      yield* page.value;
      next = page['@odata.nextLink'];
    }
  }

  meetingRecordings(organizerId: string, meetingId: string): Promise<RecordingInfo[]> {
    return this.meetingArtifacts('recordings', organizerId, meetingId);
  }

  meetingTranscripts(organizerId: string, meetingId: string): Promise<TranscriptInfo[]> {
    return this.meetingArtifacts('transcripts', organizerId, meetingId);
  }

  async getRecording(organizerId: string, meetingId: string, recordingId: string): Promise<RecordingInfo | undefined> {
    try {
      const a: RawArtifact = await this.call('recordings', `get recording ${recordingId}`, (c) =>
        c.api(`/users/${segment(organizerId)}/onlineMeetings/${segment(meetingId)}/recordings/${segment(recordingId)}`).get(),
      );
      return toArtifact(a, meetingId, organizerId);
    } catch (err) {
      if (err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND') return undefined;
      throw err;
    }
  }

  private async meetingArtifacts(area: 'recordings' | 'transcripts', organizerId: string, meetingId: string): Promise<RecordingInfo[]> {
    const page: Page<RawArtifact> = await this.call(area, `list ${area} of meeting ${meetingId}`, (c) =>
      c.api(`/users/${segment(organizerId)}/onlineMeetings/${segment(meetingId)}/${area}`).get(),
    );
    return page.value.map((a) => toArtifact(a, meetingId, organizerId));
  }

  async getMeeting(organizerId: string, meetingId: string): Promise<MeetingInfo> {
    const raw = await this.call('meetings', `get meeting ${meetingId}`, (c) =>
      c
        .api(`/users/${segment(organizerId)}/onlineMeetings/${segment(meetingId)}`)
        .header('Prefer', 'include-unknown-enum-members')
        .get() as Promise<{
        id: string;
        subject?: string | null;
        startDateTime: string;
        endDateTime: string;
        joinWebUrl?: string;
        participants?: { organizer?: RawParticipant; attendees?: RawParticipant[] };
      }>,
    );
    const organizer = raw.participants?.organizer?.identity?.user?.id ?? organizerId;
    const participants = (raw.participants?.attendees ?? [])
      .filter((a) => a.identity?.user?.id && a.identity.user.id !== organizer)
      .map((a) => ({ userId: a.identity!.user!.id!, upn: a.upn, role: toRole(a.role) }));
    return {
      id: raw.id,
      subject: raw.subject ?? '',
      startDateTime: raw.startDateTime,
      endDateTime: raw.endDateTime,
      joinWebUrl: raw.joinWebUrl,
      organizerId: organizer,
      participants,
    };
  }

  listRecordings(organizerId: string, window: { from: Date; to: Date }): AsyncIterable<RecordingInfo> {
    return this.listArtifacts('recordings', 'getAllRecordings', organizerId, window);
  }

  listTranscripts(organizerId: string, window: { from: Date; to: Date }): AsyncIterable<TranscriptInfo> {
    return this.listArtifacts('transcripts', 'getAllTranscripts', organizerId, window);
  }

  private async *listArtifacts(
    area: 'recordings' | 'transcripts',
    fn: string,
    organizerId: string,
    window: { from: Date; to: Date },
  ): AsyncIterable<RecordingInfo> {
    const pages = this.getAllPages<RawArtifact>(area, `/users/${segment(organizerId)}/onlineMeetings/${fn}`, { meetingOrganizerUserId: organizerId }, window);
    for await (const a of pages) yield toArtifact(a, a.meetingId, organizerId);
  }

  async downloadRecording(recording: RecordingInfo, offset: number): Promise<ContentDownload> {
    const path = `${artifactPath(recording, 'recordings')}/content`;
    const what = `download recording ${recording.id}`;
    const area = recording.callId ? 'callRecordings' : 'recordings';
    const response = await this.call(area, what, (c) => {
      const request = c.api(path).responseType(ResponseType.RAW);
      if (offset > 0) request.header('Range', `bytes=${offset}-`);
      return request.get() as Promise<Response>;
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw classifyGraphFailure(response.status, text, response.headers, area, what);
    }
    if (!response.body) throw new GraphError('GRAPH_REQUEST_FAILED', `${what}: no body`, { retryable: true });
    const stream = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    if (response.status === 206) {
      const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(response.headers.get('content-range') ?? '');
      if (!m) throw new GraphError('GRAPH_REQUEST_FAILED', `${what}: 206 without a usable Content-Range`, { retryable: true });
      return { stream, offset: Number(m[1]), totalSize: Number(m[3]) };
    }
    // 200: the whole recording (the server ignored Range); the caller starts over from byte 0
    const length = Number(response.headers.get('content-length'));
    if (!Number.isFinite(length)) throw new GraphError('GRAPH_REQUEST_FAILED', `${what}: no Content-Length`, { retryable: true });
    return { stream, offset: 0, totalSize: length };
  }

  async transcriptVtt(transcript: TranscriptInfo): Promise<string> {
    const path = `${artifactPath(transcript, 'transcripts')}/content`;
    const what = `download transcript ${transcript.id}`;
    const area = transcript.callId ? 'callTranscripts' : 'transcripts';
    const response = await this.call(area, what, (c) =>
      c.api(path).query({ $format: 'text/vtt' }).responseType(ResponseType.RAW).get() as Promise<Response>,
    );
    const text = await response.text();
    if (!response.ok) throw classifyGraphFailure(response.status, text, response.headers, area, what);
    return text;
  }

  async getGroup(groupId: string): Promise<{ id: string; displayName: string | null } | undefined> {
    try {
      const g = await this.call('groups', `get group ${groupId}`, (c) =>
        c.api(`/groups/${segment(groupId)}`).select(['id', 'displayName']).get() as Promise<{ id: string; displayName?: string | null }>,
      );
      return { id: g.id, displayName: g.displayName ?? null };
    } catch (err) {
      if (err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async searchGroups(prefix: string, top: number): Promise<Array<{ id: string; displayName: string | null }>> {
    // startswith on displayName is a default (not advanced) query on groups: no ConsistencyLevel needed
    const filter = prefix ? `startswith(displayName,'${prefix.replace(/'/g, "''")}')` : undefined;
    const page = await this.call('groups', 'search groups', (c) => {
      let request = c.api('/groups').select(['id', 'displayName']).top(top);
      if (filter) request = request.filter(filter);
      return request.get() as Promise<Page<{ id: string; displayName?: string | null }>>;
    });
    return page.value.slice(0, top).map((g) => ({ id: g.id, displayName: g.displayName ?? null }));
  }

  async memberGroups(userId: string, groupIds: string[]): Promise<string[]> {
    const member: string[] = [];
    for (let i = 0; i < groupIds.length; i += 20) {
      const batch = groupIds.slice(i, i + 20);
      const result = await this.call('groups', `check groups of ${userId}`, (c) =>
        c.api(`/users/${segment(userId)}/checkMemberGroups`).post({ groupIds: batch }) as Promise<{ value: string[] }>,
      );
      member.push(...result.value);
    }
    return member;
  }

  async findTeamsApp(externalId: string): Promise<{ id: string } | null> {
    const page = await this.call('appCatalog', `find Teams app ${externalId} in the app catalog`, (c) =>
      c
        .api('/appCatalogs/teamsApps')
        .filter(`externalId eq '${externalId.replace(/'/g, "''")}'`)
        .select(['id', 'externalId'])
        .get() as Promise<Page<{ id: string; externalId?: string | null }>>,
    );
    // the filter already matched; checking again keeps a lax server from handing us someone else's app
    const app = page.value.find((a) => (a.externalId ?? '').toLowerCase() === externalId.toLowerCase());
    return app ? { id: app.id } : null;
  }

  async installTeamsAppForUser(userId: string, catalogId: string): Promise<'installed' | 'already-installed'> {
    // the bind names the catalog app under the Graph root in use, so a national cloud binds to itself
    const bind = `${this.options.baseUrl.replace(/\/+$/, '')}/v1.0/appCatalogs/teamsApps/${segment(catalogId)}`;
    try {
      await this.call('teamsAppInstall', `install Teams app ${catalogId} for ${userId}`, (c) =>
        c.api(`/users/${segment(userId)}/teamwork/installedApps`).post({ 'teamsApp@odata.bind': bind }),
      );
      return 'installed';
    } catch (err) {
      // Graph answers an install that is already there with 409 Conflict (Microsoft's Company Communicator reads it so)
      if (err instanceof GraphError && err.status === 409) return 'already-installed';
      throw err;
    }
  }

  async createSubscription(input: {
    resource: string;
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    clientState: string;
    expirationDateTime: Date;
  }): Promise<SubscriptionInfo> {
    const area = subscriptionArea(input.resource);
    const beta = BETA_ONLY_RESOURCES.has(input.resource.toLowerCase());
    // renewing and deleting go to v1.0: a subscription is one object whichever version made it
    return this.call(area, `subscribe to ${input.resource}`, (c) =>
      c.api('/subscriptions').version(beta ? 'beta' : 'v1.0').post({
        changeType: 'created',
        resource: input.resource,
        notificationUrl: input.notificationUrl,
        lifecycleNotificationUrl: input.lifecycleNotificationUrl,
        clientState: input.clientState,
        expirationDateTime: input.expirationDateTime.toISOString(),
        includeResourceData: false,
        latestSupportedTlsVersion: 'v1_2',
      }),
    );
  }

  async renewSubscription(id: string, expirationDateTime: Date): Promise<SubscriptionInfo> {
    return this.call('subscriptions', `renew subscription ${id}`, (c) =>
      c.api(`/subscriptions/${segment(id)}`).patch({ expirationDateTime: expirationDateTime.toISOString() }),
    );
  }

  async reauthorizeSubscription(id: string): Promise<void> {
    await this.call('subscriptions', `reauthorize subscription ${id}`, (c) => c.api(`/subscriptions/${segment(id)}/reauthorize`).post({}));
  }

  async deleteSubscription(id: string): Promise<void> {
    try {
      await this.call('subscriptions', `delete subscription ${id}`, (c) => c.api(`/subscriptions/${segment(id)}`).delete());
    } catch (err) {
      if (err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND') return;
      throw err;
    }
  }
}

/** Where a meeting's or an ad hoc call's artifact lives. */
function artifactPath(a: RecordingInfo, kind: 'recordings' | 'transcripts'): string {
  const parent = a.callId ? `adhocCalls/${segment(a.callId)}` : `onlineMeetings/${segment(a.meetingId)}`;
  return `/users/${segment(a.organizerId)}/${parent}/${kind}/${segment(a.id)}`;
}

function safeJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return { message: body };
  }
}
