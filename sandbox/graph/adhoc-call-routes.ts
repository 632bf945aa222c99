import type { Router } from '../emulator/router.js';
import type { FixtureCall, FixtureUser } from '../fixture/schema.js';
import { requireVttFormat, sendArtifactContent } from './artifact-routes.js';
import { parseDateTimeOffset, parseFunctionSegment, type FunctionCall } from './function-call.js';
import { permissions, requireAccessPolicy, requireAnyRole, requireTranscriptAccess } from './graph-auth.js';
import { teamworkUser } from './graph-resources.js';
import { mount, pathUser, type GraphContext, type GraphDeps } from './graph-route.js';
import { callCreatedAt, callEndedAt, compareCallArtifacts, type ArtifactKind, type CallArtifact } from './graph-store.js';
import { graphErrors, sendGraphJson } from './graph-wire.js';
import { applySelect, decodeToken, encodeToken, pageToken, queryOption, topOption } from './odata-query.js';

/**
 * Ad hoc calls (1:1, group and PSTN calls, no meeting behind them): their recordings and transcripts.
 *
 * CONFIRMED from Microsoft's documentation (microsoftgraph/microsoft-graph-docs-contrib, learn pages):
 * - `GET /users/{id}/adhocCalls/getAllRecordings(userId='{id}',startDateTime=…,endDateTime=…)` and
 *   `getAllTranscripts(…)`, v1.0 (api-reference/v1.0/api/adhoccall-getallrecordings.md and
 *   adhoccall-getalltranscripts.md @6a0412ab / @4d873417, ms.date 02/27/2026): "Get the callRecording
 *   objects from ad hoc call instances that a specific user initiates"; `userId` is "Required",
 *   startDateTime/endDateTime "Optional. Filter for artifacts created after/before the given … date".
 *   The example passes the GUID unquoted (`userId=d4220f1b-…`); both forms are read here.
 * - Application permissions CallRecordings.Read.All / CallTranscripts.Read.All, "higher privileged:
 *   not available"; delegated not supported (includes/permissions/adhoccall-getallrecordings-permissions.md).
 *   The meeting permissions (OnlineMeetingRecording.Read.All, …) do not grant them.
 * - The response of those examples: `@odata.context` `…/$metadata#users('{id}')/adhocCalls`,
 *   `@odata.count`, and items with id, callId (a GUID), contentCorrelationId
 *   (`{guid}-{yyyyMMdd_HHmmss}`), createdDateTime, endDateTime, meetingOrganizer.user = the initiating
 *   user (teamworkUserIdentity), `meetingId: null` (transcripts), and
 *   `recordingContentUrl` = `…/users/{id}/adhocCalls/{callId}/recordings/{id}` (no `/content` in the
 *   example!) / `transcriptContentUrl` = `…/adhocCalls/{callId}/transcripts/{id}/content`. Served as
 *   shown: a client builds the content URL itself.
 * - Ids: the notification examples' ids decode to `3##19:{thread}@thread.v2##{callId}-{unix}-TranscriptV2(##0)`,
 *   the getAll example's to a binary prefix + `19:{a}_{b}@unq.gbl.spaces` + `{callId}-{unix}-Recording`.
 *   Opaque base64 either way, so ids are percent-encoded in every URL built here.
 * - One item: `GET /users/{userId}/adhocCalls/{callId}/recordings/{recordingId}` and `/content`
 *   (callrecording-get, "for ad hoc calls": CallRecordings.Read.All); transcripts likewise, `/content`
 *   as `text/vtt` by default or with `$format=text/vtt` (calltranscript-get v1.0, 2026-09). `$select`
 *   is supported. The transcript page's tenant controls apply to ad hoc calls too: with Graph access
 *   to transcripts off, 403 `GraphAccessToTranscriptsDisabled`.
 * - No per-call listing: "Enumeration is not available on ad hoc calls" (MicrosoftDocs/msteams-docs
 *   PR #13175, overview-transcripts.md) and "Enumeration of artifacts for a particular call isn't
 *   available" (beta adhocCall resource). `GET …/adhocCalls/{callId}/recordings` is therefore not
 *   served (Graph's 400 "Resource not found for the segment"), though a beta page describes one.
 * - No delta: the callRecording/callTranscript delta pages cover online meetings only; `…/delta` is
 *   not served for ad hoc calls.
 * - Change notifications (concepts/teams-changenotifications-callrecording-and-calltranscript.md, and the
 *   v1.0 changelog of March 2026): `communications/adhocCalls/getAllRecordings` (CallRecordings.Read.All),
 *   `communications/adhocCalls/getAllTranscripts` (CallTranscripts.Read.All; "available only on the
 *   /beta endpoint": refused on v1.0 here), `users/{userId}/adhocCalls/getAllRecordings|getAllTranscripts`,
 *   `communications/adhocCalls/{adhocCallId}/recordings` (CallRecordings.Read.All) and
 *   `…/{adhocCallId}/transcripts` (application: "Not supported": refused). Same lifetime rules as the
 *   meeting resources. `resourceData.@odata.type` is `#Microsoft.Graph.callRecording|callTranscript`.
 *
 * INFERRED (not stated, or stated inconsistently):
 * - The notification `resource` path. Graph's four ad hoc examples write it four ways:
 *   `users/{id}/adhocCalls/{callId}/transcripts/{id}`, `users/{id}/adhoccalls/{callId}/transcripts('{id}')`,
 *   `users/{id}/adhoccalls('{callId}')/recordings('{id}')` and `users/{id}/adhoccalls/adhocCalls/{callId}/…`.
 *   Sent here: `resource` = `users/{initiatorId}/adhocCalls/{callId}/recordings/{id}` (the form of the
 *   example without resource data, and what Microsoft's sample OfficeDev/Microsoft-Teams-Samples
 *   samples/tab-adhoccalls-transcript-recording parses), `@odata.id` =
 *   `users/{initiatorId}/adhoccalls/{callId}/recordings('{id}')` (the form most examples give it).
 *   A client should take `resourceData.id` and parse both forms, any case.
 * - Whose artifacts they are: the docs say "calls … a specific user initiates" and, for the
 *   subscriptions, "where a specific user initiates the recording/transcription". The fixture models
 *   the call's initiator as that user for every item, and only the initiator's path reaches them
 *   (as the organizer's does for meetings); other participants' ids get 404.
 * - The application access policy: the get pages say application permissions need one "for the user
 *   in the path" without exempting ad hoc calls, so it is required here as for meetings.
 * - The 403 without CallRecordings.Read.All / CallTranscripts.Read.All: no body is documented; the
 *   meeting APIs' (`Forbidden`, empty message) is sent. Subscriptions without them: the Teams
 *   `ExtensionError` 403, as for meetings.
 * - Paging: not described for ad hoc calls; Microsoft's sample pages with `$top` and `@odata.nextLink`,
 *   so it is served like the meeting getAll (opaque skipToken, default page size from the settings).
 * - `createdDateTime` of a held-back item is the moment it was released (as for meetings), and its
 *   `endDateTime` moves with it (the item keeps its length); otherwise the fixture's, or the call's
 *   (in Graph's example createdDateTime is the recording's start).
 * - `meetingId: null` is sent on recordings too (the resource has the property; for ad hoc calls it
 *   "is null"). No `@odata.type` on the items, as in the examples.
 * - Participants: no ad hoc API returns them (the adhocCall resource has only an id); the fixture
 *   keeps them for the control state only.
 */

const MAX_TOP = 100;
const SEGMENT: Record<ArtifactKind, string> = { recording: 'recordings', transcript: 'transcripts' };

interface AdhocGetAllToken extends Record<string, unknown> {
  k: ArtifactKind;
  /** the user whose calls, by object id */
  u: string;
  s?: number;
  e?: number;
  n: number;
  off: number;
  /** items with visibleSeq ≤ hi; fixed on the first page so pages stay stable while items appear */
  hi?: number;
}

export function mountAdhocCallRoutes(router: Router, deps: GraphDeps): void {
  mount(router, deps, 'GET', '/users/:user/adhocCalls/:segment', (ctx) => {
    const segment = ctx.req.params.segment!;
    const call = /^\s*(microsoft\.graph\.)?getAll(Recordings|Transcripts)\b/i.test(segment) ? parseFunctionSegment(segment) : undefined;
    // an ad hoc call itself has no documented GET
    if (!call) throw graphErrors.segmentNotFound(segment);
    sendAdhocGetAll(ctx, call);
  });

  for (const kind of ['recording', 'transcript'] as const) {
    const seg = SEGMENT[kind];
    const typeName = kind === 'recording' ? 'microsoft.graph.callRecording' : 'microsoft.graph.callTranscript';

    mount(router, deps, 'GET', `/users/:user/adhocCalls/:call/${seg}/:id`, (ctx) => {
      const { user, call } = authorizedCall(ctx, kind);
      const a = visibleCallArtifact(ctx, call, kind);
      const select = queryOption(ctx.req, 'select');
      sendGraphJson(ctx.res, 200, {
        '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/adhocCalls('${call.id}')/${seg}/$entity`,
        ...applySelect(callArtifactJson(ctx.base, a, ctx.store.fixture.tenant.id), select, typeName),
      });
    });

    mount(router, deps, 'GET', `/users/:user/adhocCalls/:call/${seg}/:id/content`, async (ctx) => {
      const { call } = authorizedCall(ctx, kind);
      const a = visibleCallArtifact(ctx, call, kind);
      if (kind === 'transcript') requireVttFormat(ctx);
      await sendArtifactContent(ctx, a, { meetingId: null, callId: call.id });
    });
  }
}

function requireCallPermission(ctx: GraphContext, kind: ArtifactKind): void {
  requireAnyRole(ctx.caller, kind === 'recording' ? permissions.readCallRecording : permissions.readCallTranscript, graphErrors.teamsDenied);
  requireAccessPolicy(ctx.caller);
  if (kind === 'transcript') requireTranscriptAccess(ctx.store);
}

function authorizedCall(ctx: GraphContext, kind: ArtifactKind): { user: FixtureUser; call: FixtureCall } {
  requireCallPermission(ctx, kind);
  const user = pathUser(ctx);
  const call = ctx.store.call(ctx.req.params.call!);
  if (!call || call.initiatorId.toLowerCase() !== user.id.toLowerCase()) {
    throw graphErrors.notFound(`The ad hoc call '${ctx.req.params.call}' was not found for user '${user.id}'.`);
  }
  return { user, call };
}

function visibleCallArtifact(ctx: GraphContext, call: FixtureCall, kind: ArtifactKind): CallArtifact {
  const id = ctx.req.params.id!;
  const a = ctx.store.callArtifact(kind, id);
  if (!ctx.store.visible(a) || a.call.id !== call.id) {
    throw graphErrors.notFound(`The ${kind} '${id}' was not found in ad hoc call '${call.id}'.`);
  }
  return a;
}

/** The URL Graph's getAll examples give; the recording one has no `/content` there. */
function contentUrlOf(base: string, a: CallArtifact): string {
  const url = `${base}/users/${a.call.initiatorId}/adhocCalls/${a.call.id}/${SEGMENT[a.kind]}/${encodeURIComponent(a.item.id)}`;
  return a.kind === 'recording' ? url : `${url}/content`;
}

/** callRecording / callTranscript of an ad hoc call, in the property order of Graph's examples. */
export function callArtifactJson(base: string, a: CallArtifact, tenantId: string): Record<string, unknown> {
  const organizer = { application: null, device: null, user: teamworkUser(a.call.initiatorId, tenantId) };
  const common = {
    id: a.item.id,
    meetingId: null,
    callId: a.call.id,
    contentCorrelationId: a.contentCorrelationId,
    createdDateTime: callCreatedAt(a),
    endDateTime: callEndedAt(a),
  };
  return a.kind === 'recording'
    ? { ...common, recordingContentUrl: contentUrlOf(base, a), meetingOrganizer: organizer }
    : { ...common, transcriptContentUrl: contentUrlOf(base, a), meetingOrganizer: organizer };
}

function sendAdhocGetAll(ctx: GraphContext, call: FunctionCall): void {
  const kind: ArtifactKind = /recordings$/i.test(call.name) ? 'recording' : 'transcript';
  requireCallPermission(ctx, kind);
  const user = pathUser(ctx);
  const raw = pageToken(ctx.req);
  const token = raw ? fromToken(raw, kind) : firstRequest(ctx, call, kind);
  const hi = token.hi ?? ctx.store.currentSeq;
  const all = [...ctx.store.callArtifacts.values()].filter((a) => matches(a, token, hi)).sort(compareCallArtifacts);
  const page = all.slice(token.off, token.off + token.n);

  const fn = kind === 'recording' ? 'getAllRecordings' : 'getAllTranscripts';
  const body: Record<string, unknown> = { '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/adhocCalls` };
  if (token.off + token.n < all.length) {
    const next: AdhocGetAllToken = { ...token, hi, off: token.off + token.n };
    body['@odata.nextLink'] = `${ctx.base}/users/${user.id}/adhocCalls/${fn}(userId='${token.u}')?skipToken=${encodeToken('adhocgetall', next)}`;
  }
  body['@odata.count'] = page.length;
  body.value = page.map((a) => callArtifactJson(ctx.base, a, ctx.store.fixture.tenant.id));
  sendGraphJson(ctx.res, 200, body);
}

function firstRequest(ctx: GraphContext, call: FunctionCall, kind: ArtifactKind): AdhocGetAllToken {
  const userId = call.args.get('userid');
  if (!userId) throw graphErrors.badRequest('userId is required: pass it as a function parameter, e.g. getAllRecordings(userId=\'{userId}\').');
  return {
    k: kind,
    // a UPN works too; the token keeps the object id
    u: ctx.store.user(userId)?.id ?? userId,
    s: parseDateTimeOffset('startDateTime', call.args.get('startdatetime')),
    e: parseDateTimeOffset('endDateTime', call.args.get('enddatetime')),
    n: topOption(ctx.req, MAX_TOP) ?? ctx.store.settings.pageSize,
    off: 0,
  };
}

function fromToken(raw: string, kind: ArtifactKind): AdhocGetAllToken {
  const t = decodeToken<AdhocGetAllToken>('adhocgetall', raw);
  if (t.k !== kind) throw graphErrors.badRequest('The provided skip token is invalid or expired.');
  return t;
}

function matches(a: CallArtifact, t: AdhocGetAllToken, hi: number): boolean {
  if (a.kind !== t.k || a.visibleSeq === undefined || a.visibleSeq > hi) return false;
  if (a.call.initiatorId.toLowerCase() !== t.u.toLowerCase()) return false;
  const created = Date.parse(callCreatedAt(a));
  if (t.s !== undefined && created < t.s) return false;
  if (t.e !== undefined && created > t.e) return false;
  return true;
}
