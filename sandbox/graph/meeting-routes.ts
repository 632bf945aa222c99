import type { Router } from '../emulator/router.js';
import type { FixtureMeeting, FixtureUser } from '../fixture/schema.js';
import { permissions, requireAccessPolicy, requireAnyRole } from './graph-auth.js';
import { parseFunctionSegment } from './function-call.js';
import { sendGetAll } from './get-all-artifacts.js';
import { joinMeetingIdOf, meetingJson } from './graph-resources.js';
import { mount, pathUser, type GraphContext, type GraphDeps } from './graph-route.js';
import { graphErrors, headerValue, sendGraphJson } from './graph-wire.js';
import { queryOption } from './odata-query.js';

/**
 * `/users/{id}/onlineMeetings…` (reference §3): one meeting by id, the `$filter=JoinWebUrl eq '…'`
 * collection, and the `getAllRecordings(...)`/`getAllTranscripts(...)` functions that share the path.
 */

export function mountMeetingRoutes(router: Router, deps: GraphDeps): void {
  mount(router, deps, 'GET', '/users/:user/onlineMeetings', (ctx) => {
    authorizeMeetingRead(ctx);
    const user = pathUser(ctx);
    const filter = queryOption(ctx.req, 'filter');
    if (!filter) {
      throw graphErrors.badRequest("Listing online meetings requires a $filter on JoinWebUrl or joinMeetingIdSettings/joinMeetingId.");
    }
    const match = meetingFilter(filter);
    const found = [...ctx.store.meetings.values()].filter((m) => involves(m, user) && match(m));
    sendGraphJson(ctx.res, 200, {
      '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/onlineMeetings`,
      value: found.map((m) => meetingBody(ctx, m)),
    });
  });

  mount(router, deps, 'GET', '/users/:user/onlineMeetings/:segment', (ctx) => {
    const call = getAllCall(ctx.req.params.segment!);
    if (call) return sendGetAll(ctx, call, false);
    authorizeMeetingRead(ctx);
    const user = pathUser(ctx);
    const meeting = ctx.store.meetings.get(ctx.req.params.segment!);
    if (!meeting || !involves(meeting, user)) {
      throw graphErrors.notFound(`The online meeting '${ctx.req.params.segment}' was not found for user '${user.id}'.`);
    }
    sendGraphJson(
      ctx.res,
      200,
      { '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/onlineMeetings/$entity`, ...meetingBody(ctx, meeting) },
      preferenceApplied(ctx),
    );
  });

  mount(router, deps, 'GET', '/users/:user/onlineMeetings/:segment/delta', (ctx) => {
    const call = getAllCall(ctx.req.params.segment!);
    if (!call) throw graphErrors.segmentNotFound('delta');
    return sendGetAll(ctx, call, true);
  });
}

function getAllCall(segment: string): ReturnType<typeof parseFunctionSegment> {
  if (!/^\s*(microsoft\.graph\.)?getAll(Recordings|Transcripts)\b/i.test(segment)) return undefined;
  return parseFunctionSegment(segment);
}

function authorizeMeetingRead(ctx: GraphContext): void {
  requireAnyRole(ctx.caller, permissions.readMeeting, graphErrors.teamsDenied);
  requireAccessPolicy(ctx.caller);
}

/** "These request URLs accept both the organizer's and the invited attendee's user ID" (reference §3). */
function involves(m: FixtureMeeting, user: FixtureUser): boolean {
  const id = user.id.toLowerCase();
  return m.organizerId.toLowerCase() === id || m.participants.some((p) => p.userId.toLowerCase() === id);
}

function wantsUnknownEnumMembers(ctx: GraphContext): boolean {
  return /include-unknown-enum-members/i.test(headerValue(ctx.req, 'prefer') ?? '');
}

function preferenceApplied(ctx: GraphContext): Record<string, string> {
  return wantsUnknownEnumMembers(ctx) ? { 'preference-applied': 'include-unknown-enum-members' } : {};
}

function meetingBody(ctx: GraphContext, m: FixtureMeeting): Record<string, unknown> {
  return meetingJson(m, (id) => ctx.store.user(id), ctx.store.fixture.tenant.id, wantsUnknownEnumMembers(ctx));
}

/**
 * `JoinWebUrl eq '…'` (the URL percent-encoded inside the quotes, so compared decoded) or
 * `joinMeetingIdSettings/joinMeetingId eq '…'`.
 */
function meetingFilter(filter: string): (m: FixtureMeeting) => boolean {
  const m = /^\s*([A-Za-z/]+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
  const field = m?.[1]?.toLowerCase();
  const value = m?.[2]?.replace(/''/g, "'");
  if (field === 'joinweburl' && value !== undefined) {
    const wanted = normalizeUrl(value);
    return (meeting) => normalizeUrl(meeting.joinWebUrl) === wanted;
  }
  if (field === 'joinmeetingidsettings/joinmeetingid' && value !== undefined) {
    return (meeting) => joinMeetingIdOf(meeting) === value;
  }
  throw graphErrors.badRequest(`Filter '${filter}' is not supported. Supported: JoinWebUrl eq '…', joinMeetingIdSettings/joinMeetingId eq '…'.`);
}

function normalizeUrl(u: string): string {
  let s = u;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(s);
      if (next === s) break;
      s = next;
    } catch {
      break;
    }
  }
  return s.toLowerCase();
}
