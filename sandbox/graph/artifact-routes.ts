import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { contentStream } from '../content/deterministic-content.js';
import type { Router } from '../emulator/router.js';
import type { FixtureCallRecording, FixtureCallTranscript, FixtureMeeting, FixtureRecording, FixtureTranscript } from '../fixture/schema.js';
import { permissions, requireAccessPolicy, requireAnyRole, requireTranscriptAccess } from './graph-auth.js';
import { artifactJson } from './graph-resources.js';
import { mount, pathUser, type GraphContext, type GraphDeps } from './graph-route.js';
import { pushCapped, type Artifact, type ArtifactKind } from './graph-store.js';
import { GraphHttpError, graphErrors, sendGraphJson } from './graph-wire.js';
import { applySelect, queryOption } from './odata-query.js';
import { sendRanged, type RangedBody } from './ranged-content.js';

/**
 * One meeting's recordings and transcripts (reference §2.1–§2.3): list, get, and `/content` —
 * recordings as `video/mp4` streamed from the fixture seed, transcripts as `text/vtt`, both with Range.
 * Only items with `available: true` (or made available through the control API) exist.
 */

const SEGMENT: Record<ArtifactKind, string> = { recording: 'recordings', transcript: 'transcripts' };
/** how long a pre-authenticated download URL stays good */
const DOWNLOAD_GRANT_MS = 10 * 60_000;

export function mountArtifactRoutes(router: Router, deps: GraphDeps): void {
  for (const kind of ['recording', 'transcript'] as const) {
    const seg = SEGMENT[kind];
    const typeName = kind === 'recording' ? 'microsoft.graph.callRecording' : 'microsoft.graph.callTranscript';

    mount(router, deps, 'GET', `/users/:user/onlineMeetings/:meeting/${seg}`, (ctx) => {
      const meeting = authorizedMeeting(ctx, kind);
      let items = visibleOf(ctx, meeting, kind);
      const filter = queryOption(ctx.req, 'filter');
      if (filter) items = items.filter(correlationFilter(filter));
      const select = queryOption(ctx.req, 'select');
      sendGraphJson(ctx.res, 200, {
        '@odata.context': `${ctx.base}/$metadata#users('${meeting.organizerId}')/onlineMeetings('${meeting.id}')/${seg}`,
        value: items.map((a) => applySelect(artifactJson(ctx.base, a, ctx.store.fixture.tenant.id), select, typeName)),
      });
    });

    mount(router, deps, 'GET', `/users/:user/onlineMeetings/:meeting/${seg}/:id`, (ctx) => {
      const meeting = authorizedMeeting(ctx, kind);
      const a = visibleArtifact(ctx, meeting, kind);
      const select = queryOption(ctx.req, 'select');
      sendGraphJson(ctx.res, 200, {
        '@odata.context': `${ctx.base}/$metadata#users('${meeting.organizerId}')/onlineMeetings('${meeting.id}')/${seg}/$entity`,
        ...applySelect(artifactJson(ctx.base, a, ctx.store.fixture.tenant.id), select, typeName),
      });
    });

    mount(router, deps, 'GET', `/users/:user/onlineMeetings/:meeting/${seg}/:id/content`, async (ctx) => {
      const meeting = authorizedMeeting(ctx, kind);
      const a = visibleArtifact(ctx, meeting, kind);
      if (kind === 'transcript') requireVttFormat(ctx);
      await sendArtifactContent(ctx, a, { meetingId: meeting.id });
    });
  }
}

/**
 * `/content` of a recording or transcript, meeting or ad hoc call: streamed with Range, or, for a
 * recording when `contentRedirect` is on, a 302 to a pre-authenticated URL on the download host.
 * Every answer is recorded in the state's contentFetches.
 */
export async function sendArtifactContent(
  ctx: GraphContext,
  a: Parameters<typeof rangedBodyOf>[0],
  where: { meetingId: string | null; callId?: string },
): Promise<void> {
  const kind = a.kind;
  const at = new Date().toISOString();
  const ids = { id: a.item.id, meetingId: where.meetingId, ...(where.callId ? { callId: where.callId } : {}) };
  const record = (r: { status: number; range: string | null; served: [number, number] | null; bytesSent: number; complete: boolean }) =>
    pushCapped(ctx.store.contentFetches, { at, kind, ...ids, method: ctx.req.method, via: 'graph', authorization: true, ...r });
  if (kind === 'recording' && ctx.store.settings.contentRedirect && ctx.store.downloadBase) {
    const token = randomBytes(18).toString('base64url');
    ctx.store.downloads.set(token, { kind, ...ids, expiresAt: Date.now() + DOWNLOAD_GRANT_MS });
    record({ status: 302, range: ctx.req.headers.range ?? null, served: null, bytesSent: 0, complete: false });
    ctx.res.writeHead(302, { location: `${ctx.store.downloadBase}/download/${token}?tempauth=1`, 'content-length': '0' });
    ctx.res.end();
    return;
  }
  try {
    record(await sendRanged(ctx.req, ctx.res, rangedBodyOf(a)));
  } catch (err) {
    if (err instanceof GraphHttpError && err.status === 416) {
      record({ status: 416, range: ctx.req.headers.range ?? null, served: null, bytesSent: 0, complete: false });
    }
    throw err;
  }
}

function authorizedMeeting(ctx: GraphContext, kind: ArtifactKind): FixtureMeeting {
  requireAnyRole(ctx.caller, kind === 'recording' ? permissions.readRecording : permissions.readTranscript, graphErrors.teamsDenied);
  requireAccessPolicy(ctx.caller);
  if (kind === 'transcript') requireTranscriptAccess(ctx.store);
  const user = pathUser(ctx);
  const meeting = ctx.store.meetings.get(ctx.req.params.meeting!);
  // Recordings and transcripts are addressed through the organizer (reference §2.1, §4.3).
  if (!meeting || meeting.organizerId.toLowerCase() !== user.id.toLowerCase()) {
    throw graphErrors.notFound(`The online meeting '${ctx.req.params.meeting}' was not found for organizer '${user.id}'.`);
  }
  return meeting;
}

function visibleOf(ctx: GraphContext, meeting: FixtureMeeting, kind: ArtifactKind): Artifact[] {
  const items: Array<FixtureRecording | FixtureTranscript> = kind === 'recording' ? meeting.recordings : meeting.transcripts;
  return items.map((i) => ctx.store.artifact(kind, i.id)).filter((a) => ctx.store.visible(a));
}

function visibleArtifact(ctx: GraphContext, meeting: FixtureMeeting, kind: ArtifactKind): Artifact {
  const id = ctx.req.params.id!;
  const a = ctx.store.artifact(kind, id);
  if (!ctx.store.visible(a) || a.meeting.id !== meeting.id) {
    throw graphErrors.notFound(`The ${kind} '${id}' was not found in meeting '${meeting.id}'.`);
  }
  return a;
}

function correlationFilter(filter: string): (a: Artifact) => boolean {
  const m = /^\s*contentCorrelationId\s+eq\s+'([^']*)'\s*$/i.exec(filter);
  if (!m) throw graphErrors.badRequest(`Filter '${filter}' is not supported. Supported: contentCorrelationId eq '…'.`);
  return (a) => a.contentCorrelationId === m[1];
}

/** VTT is the only transcript format left (docx was retired in 2023, reference §2.3). */
export function requireVttFormat(ctx: GraphContext): void {
  const format = queryOption(ctx.req, 'format');
  if (format !== undefined && format.toLowerCase() !== 'text/vtt') {
    throw graphErrors.badRequest(`The format '${format}' is not supported. Supported format: text/vtt.`);
  }
}

/** The content of a recording (deterministic bytes from its seed) or a transcript (its VTT), meeting or call. */
export function rangedBodyOf(a: {
  kind: ArtifactKind;
  item: FixtureRecording | FixtureTranscript | FixtureCallRecording | FixtureCallTranscript;
}): RangedBody {
  if (a.kind === 'recording') {
    const r = a.item as FixtureRecording | FixtureCallRecording;
    return {
      size: r.size,
      contentType: 'video/mp4',
      etag: `"${createHash('sha256').update(`${r.seed}:${r.size}`).digest('hex').slice(0, 32)}"`,
      open: (start, end) => contentStream(r.seed, r.size, start, end),
    };
  }
  const vtt = Buffer.from((a.item as FixtureTranscript | FixtureCallTranscript).vtt, 'utf8');
  return {
    size: vtt.length,
    contentType: 'text/vtt',
    etag: `"${createHash('sha256').update(vtt).digest('hex').slice(0, 32)}"`,
    open: (start, end) => Readable.from([vtt.subarray(start, end + 1)]),
  };
}
