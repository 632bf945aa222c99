import { permissions, requireAccessPolicy, requireAnyRole, requireTranscriptAccess } from './graph-auth.js';
import { parseDateTimeOffset, type FunctionCall } from './function-call.js';
import { artifactJson } from './graph-resources.js';
import { pathUser, type GraphContext } from './graph-route.js';
import { compareArtifacts, createdAt, type Artifact, type ArtifactKind } from './graph-store.js';
import { graphErrors, sendGraphJson } from './graph-wire.js';
import { decodeToken, encodeToken, pageToken, queryOption, topOption } from './odata-query.js';

/**
 * `getAllRecordings(...)` / `getAllTranscripts(...)` and their `/delta` (reference §2.1, §2.4).
 * A page token carries the whole query plus a visibility watermark, so query parameters are only read
 * on the first request, pages stay stable while items appear, and a deltaLink returns only what
 * became available after it was issued.
 */

interface GetAllToken extends Record<string, unknown> {
  k: ArtifactKind;
  d: boolean;
  o: string;
  s?: number;
  e?: number;
  n: number;
  off: number;
  /** items with visibleSeq in (lo, hi] are in this round; hi is fixed on a round's first page */
  lo: number;
  hi?: number;
}

const MAX_TOP = 100;

export function sendGetAll(ctx: GraphContext, call: FunctionCall, delta: boolean): void {
  const kind: ArtifactKind = /recordings$/i.test(call.name) ? 'recording' : 'transcript';
  requireAnyRole(ctx.caller, kind === 'recording' ? permissions.readRecording : permissions.readTranscript, graphErrors.teamsDenied);
  requireAccessPolicy(ctx.caller);
  if (kind === 'transcript') requireTranscriptAccess(ctx.store);
  const user = pathUser(ctx);

  const raw = pageToken(ctx.req);
  const token = raw ? fromToken(raw, kind, delta) : firstRequest(ctx, call, kind, delta);
  const hi = token.hi ?? ctx.store.currentSeq;
  const all = [...ctx.store.artifacts.values()]
    .filter((a) => matches(a, token, hi))
    .sort(compareArtifacts);
  const page = all.slice(token.off, token.off + token.n);

  const fn = kind === 'recording' ? 'getAllRecordings' : 'getAllTranscripts';
  const link = (next: GetAllToken): string =>
    `${ctx.base}/users/${user.id}/onlineMeetings/${fn}(meetingOrganizerUserId='${token.o}')${delta ? '/delta' : ''}` +
    `?skipToken=${encodeToken('getall', next)}`;

  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.base}/$metadata#Collection(${kind === 'recording' ? 'callRecording' : 'callTranscript'})`,
  };
  if (token.off + token.n < all.length) {
    body['@odata.nextLink'] = link({ ...token, hi, off: token.off + token.n });
  } else if (delta) {
    const { hi: _done, ...rest } = token;
    body['@odata.deltaLink'] = link({ ...rest, lo: hi, off: 0 });
  }
  body['@odata.count'] = page.length;
  body.value = page.map((a) => artifactJson(ctx.base, a, ctx.store.fixture.tenant.id));
  sendGraphJson(ctx.res, 200, body);
}

function firstRequest(ctx: GraphContext, call: FunctionCall, kind: ArtifactKind, delta: boolean): GetAllToken {
  const organizer = call.args.get('meetingorganizeruserid') ?? organizerFromFilter(queryOption(ctx.req, 'filter'));
  if (!organizer) {
    throw graphErrors.badRequest(
      "meetingOrganizerUserId is required: pass it as a function parameter or as $filter=MeetingOrganizer/User/Id eq '{userId}'.",
    );
  }
  return {
    k: kind,
    d: delta,
    // a UPN works too; the token keeps the object id
    o: ctx.store.user(organizer)?.id ?? organizer,
    s: parseDateTimeOffset('startDateTime', call.args.get('startdatetime')),
    e: parseDateTimeOffset('endDateTime', call.args.get('enddatetime')),
    n: topOption(ctx.req, MAX_TOP) ?? ctx.store.settings.pageSize,
    off: 0,
    lo: 0,
  };
}

function organizerFromFilter(filter: string | undefined): string | undefined {
  if (!filter) return undefined;
  const m = /^\s*MeetingOrganizer\/User\/Id\s+eq\s+'([^']*)'\s*$/i.exec(filter);
  if (!m) throw graphErrors.badRequest(`Filter '${filter}' is not supported. Supported: MeetingOrganizer/User/Id eq '{userId}'.`);
  return m[1];
}

function fromToken(raw: string, kind: ArtifactKind, delta: boolean): GetAllToken {
  const t = decodeToken<GetAllToken>('getall', raw);
  if (t.k !== kind || t.d !== delta) throw graphErrors.badRequest('The provided skip token is invalid or expired.');
  return t;
}

function matches(a: Artifact, t: GetAllToken, hi: number): boolean {
  if (a.kind !== t.k || a.visibleSeq === undefined) return false;
  if (a.visibleSeq <= t.lo || a.visibleSeq > hi) return false;
  if (a.meeting.organizerId.toLowerCase() !== t.o.toLowerCase()) return false;
  const created = Date.parse(createdAt(a));
  if (t.s !== undefined && created < t.s) return false;
  if (t.e !== undefined && created > t.e) return false;
  return true;
}
