import type { Router } from '../emulator/router.js';
import type { Fixture } from '../fixture/schema.js';
import { pushCapped, type AppInstallRecord } from './graph-store.js';
import { hasAny, permissions, type Caller } from './graph-auth.js';
import { mount, pathUser, type GraphContext, type GraphDeps } from './graph-route.js';
import { GraphHttpError, graphErrors, sendGraphJson } from './graph-wire.js';
import { applySelect, queryOption } from './odata-query.js';

/**
 * The Teams app in the tenant's app catalog and its installs in users' personal scope, for a bot
 * that installs itself before messaging someone who never opened it (msteams-docs
 * graph-proactive-bots-and-messages.md; Graph v1.0 appcatalogs-list-teamsapps,
 * userteamwork-list-installedapps, userteamwork-post-installedapps):
 *   GET  /appCatalogs/teamsApps[?$filter=externalId eq '{manifest id}']
 *   GET  /appCatalogs/teamsApps/{id}
 *   GET  /users/{id}/teamwork/installedApps[?$expand=teamsApp&$filter=teamsApp/id eq '{catalog id}']
 *   POST /users/{id}/teamwork/installedApps  {"teamsApp@odata.bind": ".../appCatalogs/teamsApps/{catalog id}"}
 * The catalog holds the fixture's one app, published to the organization (its id is the catalog's,
 * its externalId the manifest id).
 */

export const TEAMS_APP_DISPLAY_NAME = 'Teams Recording Archiver for Kaltura';
const TEAMS_APP_VERSION = '1.0.0';

/** Called after an install has been answered (never awaited by the request). */
export type AppInstalledNotifier = (install: AppInstallRecord) => void;

export function mountTeamworkRoutes(router: Router, deps: GraphDeps, notifyInstalled: AppInstalledNotifier): void {
  mount(router, deps, 'GET', '/appCatalogs/teamsApps', (ctx) => {
    requireRoles(ctx.caller, permissions.readAppCatalog);
    const filter = queryOption(ctx.req, 'filter');
    const apps = [catalogApp(ctx.store.fixture)].filter(filter ? appFilter(filter, '') : () => true);
    const expand = expandOption(ctx, ['appDefinitions'], 'microsoft.graph.teamsApp');
    sendGraphJson(ctx.res, 200, {
      '@odata.context': `${ctx.base}/$metadata#appCatalogs/teamsApps`,
      value: apps.map((a) => withExpansions(ctx, a, expand)),
    });
  });

  mount(router, deps, 'GET', '/appCatalogs/teamsApps/:app', (ctx) => {
    requireRoles(ctx.caller, permissions.readAppCatalog);
    const app = catalogApp(ctx.store.fixture);
    if (app.id.toLowerCase() !== ctx.req.params.app!.toLowerCase()) throw appNotFound(ctx.req.params.app!);
    const expand = expandOption(ctx, ['appDefinitions'], 'microsoft.graph.teamsApp');
    sendGraphJson(ctx.res, 200, { '@odata.context': `${ctx.base}/$metadata#appCatalogs/teamsApps/$entity`, ...withExpansions(ctx, app, expand) });
  });

  mount(router, deps, 'GET', '/users/:user/teamwork/installedApps', (ctx) => {
    requireRoles(ctx.caller, [...permissions.readInstalledTeamsApps, ...installers]);
    const user = pathUser(ctx);
    const expand = expandOption(ctx, ['teamsApp', 'teamsAppDefinition'], 'microsoft.graph.userScopeTeamsAppInstallation');
    const filter = queryOption(ctx.req, 'filter');
    const app = catalogApp(ctx.store.fixture);
    // With only a "Self" permission Graph shows an app its own installation and nothing else: "the app
    // id given in the webApplicationInfo property and the app id used to generate the access token must
    // match. Otherwise, the API returns an empty result" (userteamwork-list-installedapps)
    const visible = !selfOnly(ctx.caller) || isTeamsAppItself(ctx.caller, ctx.store.fixture);
    const installed = visible && ctx.store.teamsAppInstalledFor.has(user.id.toLowerCase());
    const matches = installed && (!filter || appFilter(filter, 'teamsApp/')(app));
    const value = matches
      ? [
          {
            id: Buffer.from(`${user.id}##${app.id}`, 'utf8').toString('base64'),
            ...(expand.includes('teamsApp') ? { teamsApp: app } : {}),
            ...(expand.includes('teamsAppDefinition') ? { teamsAppDefinition: appDefinition(ctx.store.fixture) } : {}),
          },
        ]
      : [];
    sendGraphJson(ctx.res, 200, { '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/teamwork/installedApps`, value });
  });

  mount(router, deps, 'POST', '/users/:user/teamwork/installedApps', async (ctx) => {
    requireRoles(ctx.caller, installers);
    const user = pathUser(ctx);
    const catalogId = boundCatalogId(await readJson(ctx));
    const fixture = ctx.store.fixture;
    if (catalogId.toLowerCase() !== fixture.teamsApp.catalogId.toLowerCase()) throw appNotFound(catalogId);
    if (selfOnly(ctx.caller) && !isTeamsAppItself(ctx.caller, fixture)) {
      // Unconfirmed text; the rule is the permission's own: a Teams app installs itself, found by its
      // manifest's webApplicationInfo.id (msteams-docs graph-proactive-bots-and-messages.md)
      throw new GraphHttpError(
        403,
        'Forbidden',
        `The permission TeamsAppInstallation.ReadWriteSelfForUser.All lets app '${ctx.caller.appId}' install only the Teams app whose webApplicationInfo id it is; app '${catalogId}' has '${fixture.teamsApp.clientId}'.`,
        { reason: 'a "Self" installation permission, but the token is not the Teams app\'s own Entra app (teamsApp.clientId)' },
      );
    }
    const key = user.id.toLowerCase();
    if (ctx.store.teamsAppInstalledFor.has(key)) {
      // 409 is what Microsoft's own Company Communicator treats as "already installed"; the text is unconfirmed
      throw new GraphHttpError(409, 'Conflict', `The app '${catalogId}' is already installed for user '${user.id}'.`);
    }
    ctx.store.teamsAppInstalledFor.add(key);
    const install: AppInstallRecord = { at: new Date().toISOString(), userId: user.id, byAppId: ctx.caller.appId };
    pushCapped(ctx.store.appInstalls, install);
    // "201 Created … It does not return anything in the response body"
    ctx.res.writeHead(201, { 'content-length': '0' });
    ctx.res.end();
    // as in Teams, the bot hears of the install after the call has been answered
    notifyInstalled(install);
  });
}

const installers = [...permissions.installSelfTeamsApp, ...permissions.installAnyTeamsApp];

function requireRoles(caller: Caller, roles: readonly string[]): void {
  if (!hasAny(caller, roles)) throw graphErrors.teamsRoleMissing(roles, caller.roles);
}

/** The token's only installation permissions are "Self" ones (no read-all, no install-any). */
function selfOnly(caller: Caller): boolean {
  return !hasAny(caller, [...permissions.readInstalledTeamsApps, ...permissions.installAnyTeamsApp]);
}

/** The calling app is the Entra app the Teams app's manifest names in webApplicationInfo.id. */
function isTeamsAppItself(caller: Caller, fixture: Fixture): boolean {
  return caller.appId.toLowerCase() === fixture.teamsApp.clientId.toLowerCase();
}

/** A teamsApp as the catalog lists it (a type alias, so it also reads as a plain record). */
type CatalogApp = { id: string; externalId: string; displayName: string; distributionMethod: string };

function catalogApp(fixture: Fixture): CatalogApp {
  return {
    id: fixture.teamsApp.catalogId,
    externalId: fixture.teamsApp.appId,
    displayName: TEAMS_APP_DISPLAY_NAME,
    distributionMethod: 'organization',
  };
}

function appDefinition(fixture: Fixture): Record<string, unknown> {
  const catalogId = fixture.teamsApp.catalogId;
  return {
    id: Buffer.from(`${catalogId}##${TEAMS_APP_VERSION}`, 'utf8').toString('base64'),
    teamsAppId: catalogId,
    azureADAppId: fixture.teamsApp.clientId,
    displayName: TEAMS_APP_DISPLAY_NAME,
    version: TEAMS_APP_VERSION,
    publishingState: 'published',
  };
}

function withExpansions(ctx: GraphContext, app: CatalogApp, expand: string[]): Record<string, unknown> {
  const json: Record<string, unknown> = applySelect(app, queryOption(ctx.req, 'select'), 'microsoft.graph.teamsApp');
  if (expand.includes('appDefinitions')) json.appDefinitions = [appDefinition(ctx.store.fixture)];
  return json;
}

/** `$expand=a,b`: navigation properties by name, any case; anything else is Graph's 400. */
function expandOption(ctx: GraphContext, allowed: string[], typeName: string): string[] {
  const raw = queryOption(ctx.req, 'expand');
  if (!raw) return [];
  return raw.split(',').map((part) => {
    const name = part.trim();
    const known = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!known) throw graphErrors.badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
    return known;
  });
}

const APP_FIELDS = ['id', 'externalId', 'displayName', 'distributionMethod'] as const;

/**
 * `$filter` on a teamsApp's fields (or `teamsApp/<field>` on an installation): `eq`/`ne` against
 * string literals (quotes doubled), joined by `and`/`or`, `and` binding tighter. Ids and names are
 * compared case-insensitively. The docs allow `not` and parentheses too; they are refused here as
 * unsupported rather than misread.
 */
function appFilter(filter: string, prefix: string): (app: CatalogApp) => boolean {
  const clause = /\s*([A-Za-z/]+)\s+(eq|ne)\s+'((?:[^']|'')*)'\s*(?:(and|or)(?=\s)|$)/iy;
  const groups: Array<Array<(app: CatalogApp) => boolean>> = [[]];
  let at = 0;
  while (at < filter.length) {
    clause.lastIndex = at;
    const m = clause.exec(filter);
    const path = m?.[1] ?? '';
    const field = path.toLowerCase().startsWith(prefix.toLowerCase()) ? path.slice(prefix.length) : '';
    const known = APP_FIELDS.find((f) => f.toLowerCase() === field.toLowerCase());
    if (!m || !known) throw graphErrors.badRequest(`Invalid filter clause: '${filter}'.`);
    const value = m[3]!.replace(/''/g, "'").toLowerCase();
    const negate = m[2]!.toLowerCase() === 'ne';
    groups.at(-1)!.push((app) => ((app[known] ?? '').toLowerCase() === value) !== negate);
    at = clause.lastIndex;
    const joiner = m[4]?.toLowerCase();
    if (joiner === 'or') groups.push([]);
    if (joiner && at >= filter.length) throw graphErrors.badRequest(`Invalid filter clause: '${filter}'.`);
  }
  return (app) => groups.some((all) => all.length > 0 && all.every((test) => test(app)));
}

/** The catalog id out of `teamsApp@odata.bind`: any Graph root, so national clouds and the sandbox bind alike. */
function boundCatalogId(body: unknown): string {
  const bind = (body as Record<string, unknown> | null)?.['teamsApp@odata.bind'];
  if (typeof bind !== 'string') {
    throw graphErrors.badRequest("The request body must bind 'teamsApp@odata.bind' to an app of the catalog: .../appCatalogs/teamsApps/{id}.");
  }
  const m = /\/appCatalogs\/teamsApps(?:\/|\(')([^/?#()']+)'?\)?\/?$/i.exec(bind);
  if (!m) throw graphErrors.badRequest(`Invalid 'teamsApp@odata.bind' value '${bind}': expected .../appCatalogs/teamsApps/{id}.`);
  return decodeURIComponent(m[1]!);
}

/** Unconfirmed text; a catalog id Graph does not know answers 404 (Company Communicator reads it so). */
function appNotFound(id: string): GraphHttpError {
  return graphErrors.notFound(`The app '${id}' was not found in the app catalog.`);
}

async function readJson(ctx: GraphContext): Promise<unknown> {
  try {
    return await ctx.req.json();
  } catch {
    throw graphErrors.unreadableJson();
  }
}
