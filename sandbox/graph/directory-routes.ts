import type { Router } from '../emulator/router.js';
import type { FixtureGroup, FixtureUser } from '../fixture/schema.js';
import { permissions, requireAnyRole, requireCheckMemberGroups } from './graph-auth.js';
import { applicationJson, directoryObjectJson, groupJson, userJson } from './graph-resources.js';
import { mount, type GraphContext, type GraphDeps } from './graph-route.js';
import { graphErrors, sendGraphJson } from './graph-wire.js';
import { applySelect, decodeToken, encodeToken, nextLinkFor, pageToken, queryOption, topOption } from './odata-query.js';

/** Users and groups (reference §6): what owner mapping and opt-in/opt-out group filters need. */

const DIRECTORY_PAGE = 100;
const DIRECTORY_MAX_PAGE = 999;

type DirectoryObject = FixtureUser | FixtureGroup;
type Cast = 'user' | 'group' | undefined;

export function mountDirectoryRoutes(router: Router, deps: GraphDeps): void {
  mount(router, deps, 'GET', '/users', (ctx) => {
    requireAnyRole(ctx.caller, permissions.readUser, graphErrors.directoryDenied);
    const filter = queryOption(ctx.req, 'filter');
    const users = [...ctx.store.users.values()].filter(filter ? userFilter(filter) : () => true);
    sendPage(ctx, users.map(userJson), 'users', 'microsoft.graph.user');
  });

  // App registrations, for the app to read its own secrets' expiry: passwordCredentials carry the
  // expiry and a hint (the secret's first three characters), never the secret.
  mount(router, deps, 'GET', '/applications', (ctx) => {
    requireAnyRole(ctx.caller, permissions.readApplication, graphErrors.directoryDenied);
    const filter = queryOption(ctx.req, 'filter');
    let apps = ctx.store.fixture.appRegistrations;
    if (filter) {
      const m = /^\s*appId\s+eq\s+'([^']*)'\s*$/i.exec(filter);
      if (!m) throw graphErrors.badRequest(`Filter '${filter}' is not supported. Supported: appId eq '…'.`);
      apps = apps.filter((a) => a.clientId.toLowerCase() === m[1]!.toLowerCase());
    }
    const select = queryOption(ctx.req, 'select');
    sendGraphJson(ctx.res, 200, {
      '@odata.context': `${ctx.base}/$metadata#applications`,
      value: apps.map((a) => applySelect(applicationJson(a), select, 'microsoft.graph.application')),
    });
  });

  mount(router, deps, 'GET', '/users/:user', (ctx) => {
    requireAnyRole(ctx.caller, permissions.readUser, graphErrors.directoryDenied);
    const user = findUser(ctx, ctx.req.params.user!);
    const select = queryOption(ctx.req, 'select');
    const context = `${ctx.base}/$metadata#users${select ? `(${select})` : ''}/$entity`;
    sendGraphJson(ctx.res, 200, { '@odata.context': context, ...applySelect(userJson(user), select, 'microsoft.graph.user') });
  });

  for (const [suffix, cast] of [['', undefined], ['/microsoft.graph.group', 'group']] as const) {
    mount(router, deps, 'GET', `/users/:user/transitiveMemberOf${suffix}`, (ctx) => {
      requireAnyRole(ctx.caller, permissions.readMemberOf, graphErrors.directoryDenied);
      const user = findUser(ctx, ctx.req.params.user!);
      sendDirectoryPage(ctx, ctx.store.transitiveGroupsOf(user.id), cast);
    });
    mount(router, deps, 'GET', `/users/:user/memberOf${suffix}`, (ctx) => {
      requireAnyRole(ctx.caller, permissions.readMemberOf, graphErrors.directoryDenied);
      const user = findUser(ctx, ctx.req.params.user!);
      const direct = [...ctx.store.groups.values()].filter((g) => g.members.some((m) => m.toLowerCase() === user.id.toLowerCase()));
      sendDirectoryPage(ctx, direct, cast);
    });
  }

  mount(router, deps, 'POST', '/users/:user/checkMemberGroups', async (ctx) => {
    requireCheckMemberGroups(ctx.caller);
    const user = findUser(ctx, ctx.req.params.user!);
    const body = await readJson(ctx);
    const ids = (body as { groupIds?: unknown }).groupIds;
    if (!Array.isArray(ids) || ids.some((i) => typeof i !== 'string')) {
      throw graphErrors.badRequest("The request body must contain 'groupIds', an array of group ids.", 'Request_BadRequest');
    }
    if (ids.length > 20) throw graphErrors.badRequest('The number of groupIds exceeds the limit of 20.', 'Request_BadRequest');
    const mine = new Set(ctx.store.transitiveGroupsOf(user.id).map((g) => g.id.toLowerCase()));
    sendGraphJson(ctx.res, 200, {
      '@odata.context': `${ctx.base}/$metadata#Collection(Edm.String)`,
      value: (ids as string[]).filter((id) => mine.has(id.toLowerCase())),
    });
  });

  // List groups (group-list): the default directory query supports `startswith` and `eq` on
  // displayName, mail and mailNickname, and `eq` on id, with `$select` and `$top` (1–999)
  mount(router, deps, 'GET', '/groups', (ctx) => {
    requireAnyRole(ctx.caller, permissions.readGroup, graphErrors.directoryDenied);
    const filter = queryOption(ctx.req, 'filter');
    const groups = [...ctx.store.groups.values()].filter(filter ? groupFilter(filter) : () => true);
    sendPage(ctx, groups.map(groupJson), 'groups', 'microsoft.graph.group');
  });

  mount(router, deps, 'GET', '/groups/:group', (ctx) => {
    requireAnyRole(ctx.caller, permissions.readGroup, graphErrors.directoryDenied);
    const group = findGroup(ctx, ctx.req.params.group!);
    const select = queryOption(ctx.req, 'select');
    sendGraphJson(ctx.res, 200, {
      '@odata.context': `${ctx.base}/$metadata#groups${select ? `(${select})` : ''}/$entity`,
      ...applySelect(groupJson(group), select, 'microsoft.graph.group'),
    });
  });

  for (const [suffix, cast] of [['', undefined], ['/microsoft.graph.user', 'user'], ['/microsoft.graph.group', 'group']] as const) {
    mount(router, deps, 'GET', `/groups/:group/transitiveMembers${suffix}`, (ctx) => {
      requireAnyRole(ctx.caller, permissions.readGroup, graphErrors.directoryDenied);
      const group = findGroup(ctx, ctx.req.params.group!);
      sendDirectoryPage(ctx, ctx.store.transitiveMembersOf(group), cast);
    });
    mount(router, deps, 'GET', `/groups/:group/members${suffix}`, (ctx) => {
      requireAnyRole(ctx.caller, permissions.readGroup, graphErrors.directoryDenied);
      const group = findGroup(ctx, ctx.req.params.group!);
      const direct = group.members.flatMap((id) => {
        const o = ctx.store.users.get(id.toLowerCase()) ?? ctx.store.groups.get(id.toLowerCase());
        return o ? [o] : [];
      });
      sendDirectoryPage(ctx, direct, cast);
    });
  }
}

function findUser(ctx: GraphContext, idOrUpn: string): FixtureUser {
  const user = ctx.store.user(idOrUpn);
  if (!user) throw graphErrors.directoryNotFound(idOrUpn);
  return user;
}

function findGroup(ctx: GraphContext, id: string): FixtureGroup {
  const group = ctx.store.groups.get(id.toLowerCase());
  if (!group) throw graphErrors.directoryNotFound(id);
  return group;
}

async function readJson(ctx: GraphContext): Promise<unknown> {
  try {
    return await ctx.req.json();
  } catch {
    throw graphErrors.unreadableJson();
  }
}

/** `$filter=<property> eq '<value>'` on the handful of properties an app looks users up by. */
function userFilter(filter: string): (u: FixtureUser) => boolean {
  const m = /^\s*(id|userPrincipalName|mail|displayName)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
  if (!m) throw graphErrors.badRequest(`Unsupported or invalid query filter clause specified: '${filter}'.`, 'Request_UnsupportedQuery');
  const field = m[1]!.toLowerCase();
  const value = m[2]!.replace(/''/g, "'").toLowerCase();
  return (u) => {
    const actual = field === 'id' ? u.id : field === 'mail' ? u.mail : field === 'displayname' ? u.displayName : u.userPrincipalName;
    return (actual ?? '').toLowerCase() === value;
  };
}

/**
 * One `$filter` clause on groups: `startswith(<property>,'<value>')` or `<property> eq '<value>'`,
 * string literals with quotes doubled ('' is one '), compared case-insensitively as the directory does.
 * A lone quote inside a literal is a syntax error, as on Graph.
 */
function groupFilter(filter: string): (g: FixtureGroup) => boolean {
  const literal = "'((?:[^']|'')*)'";
  const starts = new RegExp(`^\\s*startswith\\(\\s*(displayName|mail|mailNickname)\\s*,\\s*${literal}\\s*\\)\\s*$`, 'i').exec(filter);
  const equals = new RegExp(`^\\s*(id|displayName|mail|mailNickname)\\s+eq\\s+${literal}\\s*$`, 'i').exec(filter);
  const m = starts ?? equals;
  if (!m) throw graphErrors.badRequest(`Unsupported or invalid query filter clause specified: '${filter}'.`, 'Request_UnsupportedQuery');
  const field = m[1]!.toLowerCase();
  const value = m[2]!.replace(/''/g, "'").toLowerCase();
  return (g) => {
    const json = groupJson(g);
    const key = Object.keys(json).find((k) => k.toLowerCase() === field)!;
    const actual = typeof json[key] === 'string' ? (json[key] as string).toLowerCase() : undefined;
    if (actual === undefined) return false;
    return starts ? actual.startsWith(value) : actual === value;
  };
}

/** A directoryObject collection: each item carries its `@odata.type`; a cast keeps one type. */
function sendDirectoryPage(ctx: GraphContext, objects: DirectoryObject[], cast: Cast): void {
  const filtered = objects.filter((o) => cast === undefined || ('userPrincipalName' in o ? cast === 'user' : cast === 'group'));
  const type = cast === 'user' ? 'users' : cast === 'group' ? 'groups' : 'directoryObjects';
  sendPage(ctx, filtered.map(directoryObjectJson), type, 'microsoft.graph.directoryObject');
}

/** One page with `$select`, `$top` and an opaque `$skiptoken`. */
function sendPage(ctx: GraphContext, items: Array<Record<string, unknown>>, contextName: string, typeName: string): void {
  const token = pageToken(ctx.req);
  const offset = token ? Number(decodeToken<{ o: number }>('dir', token).o) : 0;
  const size = topOption(ctx.req, DIRECTORY_MAX_PAGE) ?? DIRECTORY_PAGE;
  const select = queryOption(ctx.req, 'select');
  const page = items.slice(offset, offset + size).map((json) => {
    const type = typeof json['@odata.type'] === 'string' ? json['@odata.type'].slice(1) : typeName;
    return applySelect(json, select, type);
  });
  const body: Record<string, unknown> = { '@odata.context': `${ctx.base}/$metadata#${contextName}` };
  if (offset + size < items.length) {
    body['@odata.nextLink'] = nextLinkFor(ctx.root, ctx.req, encodeToken('dir', { o: offset + size }));
  }
  body.value = page;
  sendGraphJson(ctx.res, 200, body);
}
