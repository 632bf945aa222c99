import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { Router } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { mountAdhocCallRoutes } from './adhoc-call-routes.js';
import { mountArtifactRoutes } from './artifact-routes.js';
import { createControlRoutes } from './control-routes.js';
import { mountDirectoryRoutes } from './directory-routes.js';
import { createDownloadHost } from './download-host.js';
import { GraphStore, isLive } from './graph-store.js';
import { GraphHttpError, graphErrors, sendGraphError, stampGraphHeaders } from './graph-wire.js';
import { mountMeetingRoutes } from './meeting-routes.js';
import { mountSubscriptionRoutes, subscriptionJson } from './subscription-routes.js';
import { mountTeamworkRoutes } from './teamwork-routes.js';

/**
 * The emulated Microsoft Graph: directory reads, online meetings, recordings and transcripts (with
 * streamed, ranged content), getAll… and delta paging, ad hoc calls' recordings and transcripts, webhook subscriptions with real deliveries to
 * the app, and the Teams app's catalog entry and per-user installs. Every route is served under /v1.0
 * and /beta. See reference/microsoft-graph.md §2–§6 and reference/teams-platform.md ("Proactive install
 * via Graph").
 */
export interface GraphEmulatorBehaviour extends EmulatorBehaviour {
  /** the second origin recording content is redirected to when `contentRedirect` is on */
  downloadHost: EmulatorBehaviour;
  /** where the download host listens (its origin), once started */
  setDownloadBase(origin: string): void;
  /**
   * Calls `listener` with the user's Entra id each time `POST /users/{id}/teamwork/installedApps`
   * installs the Teams app, after Graph has answered 201, as Teams then tells the bot (the launcher
   * passes it to the connector emulator, which posts the install activities). Listeners outlive
   * fixture loads; the returned function removes this one.
   */
  onAppInstalled(listener: AppInstalledListener): () => void;
  /**
   * Marks the Teams app installed or uninstalled for a user (Entra id or UPN) without calling
   * listeners, so an install or uninstall made on the connector's control API shows in Graph too.
   * Returns whether anything changed; throws for a user the fixture does not have.
   */
  setAppInstalled(user: string, installed: boolean): boolean;
}

export type AppInstalledListener = (userId: string) => void | Promise<void>;

export function createGraphEmulator(deps: { keys: TokenKeys }): GraphEmulatorBehaviour {
  const store = new GraphStore();
  // Graph path segments are case-insensitive (onlineMeetings = onlinemeetings); captured ids keep their case.
  const routes = new Router(true);
  const graphDeps = { keys: deps.keys, store };
  const installListeners = new Set<AppInstalledListener>();
  mountDirectoryRoutes(routes, graphDeps);
  mountMeetingRoutes(routes, graphDeps);
  mountArtifactRoutes(routes, graphDeps);
  mountAdhocCallRoutes(routes, graphDeps);
  mountSubscriptionRoutes(routes, graphDeps);
  mountTeamworkRoutes(routes, graphDeps, (install) => {
    for (const listener of installListeners) {
      // a failing listener must not fail the install Graph already answered; the state shows it
      Promise.resolve()
        .then(() => listener(install.userId))
        .catch((err: unknown) => (install.listenerErrors ??= []).push(err instanceof Error ? err.message : String(err)));
    }
  });

  return {
    name: 'graph',
    downloadHost: createDownloadHost(store),
    setDownloadBase: (origin) => {
      store.downloadBase = origin;
    },
    onAppInstalled: (listener) => {
      installListeners.add(listener);
      return () => installListeners.delete(listener);
    },
    setAppInstalled: (user, installed) => {
      const found = store.user(user);
      if (!found) throw new Error(`no user '${user}' in the Graph fixture`);
      const key = found.id.toLowerCase();
      const had = store.teamsAppInstalledFor.has(key);
      if (installed) store.teamsAppInstalledFor.add(key);
      else store.teamsAppInstalledFor.delete(key);
      return had !== installed;
    },
    routes,
    controlRoutes: createControlRoutes(store),
    load: (fixture) => store.load(fixture),
    state: () => graphState(store),
    notFound: (req, res) => {
      stampGraphHeaders(req, res);
      const segments = req.path.split('/').filter(Boolean);
      const [version, top] = segments;
      if (version !== 'v1.0' && version !== 'beta') {
        sendGraphError(req, res, graphErrors.badRequest(`Invalid version: ${version ?? ''}`));
        return;
      }
      const known = ['users', 'groups', 'subscriptions', 'appcatalogs'];
      const unknown = top && !known.includes(top.toLowerCase()) ? top : (segments[segments.length - 1] ?? '');
      sendGraphError(req, res, graphErrors.segmentNotFound(unknown));
    },
    internalError: (req, res, err) => {
      sendGraphError(req, res, new GraphHttpError(500, 'InternalServerError', err.message));
    },
  };
}

/**
 * `GET /__control/state`: what the app did to Graph and what Graph did to the app. A subscription's
 * clientState is the secret that makes a notification believable, so the state only says whether one
 * is set: anyone who can read the control API could otherwise forge notifications to the app.
 */
function graphState(store: GraphStore): unknown {
  const now = Date.now();
  return {
    settings: store.settings,
    subscriptions: [...store.subscriptions.values()].map((s) => ({
      ...withoutClientState(subscriptionJson(s)),
      hasClientState: s.clientState !== null,
      target: s.target,
      status: s.status === 'active' && !isLive(s, now) ? 'expired' : s.status,
      reauthorizationRequired: s.reauthorizationRequired,
      createdAt: s.createdAt,
    })),
    notifications: store.deliveries.filter((d) => d.kind !== 'validation'),
    validations: store.deliveries.filter((d) => d.kind === 'validation'),
    contentFetches: store.contentFetches,
    artifacts: [...store.artifacts.values()].map((a) => ({
      kind: a.kind,
      id: a.item.id,
      meetingId: a.meeting.id,
      organizerId: a.meeting.organizerId,
      available: a.visibleSeq !== undefined,
      availableAt: a.availableAt ?? null,
    })),
    calls: store.fixture.calls.map((c) => ({
      id: c.id,
      initiatorId: c.initiatorId,
      participants: c.participants,
      startDateTime: c.startDateTime,
      endDateTime: c.endDateTime,
      artifacts: [...c.recordings.map((r) => ['recording', r.id] as const), ...c.transcripts.map((t) => ['transcript', t.id] as const)].map(
        ([kind, id]) => {
          const a = store.callArtifact(kind, id);
          return { kind, id, available: a?.visibleSeq !== undefined, availableAt: a?.availableAt ?? null };
        },
      ),
    })),
    denials: store.denials,
    teamsApp: {
      appId: store.fixture.teamsApp.appId,
      catalogId: store.fixture.teamsApp.catalogId,
      installedFor: [...store.fixture.users].filter((u) => store.teamsAppInstalledFor.has(u.id.toLowerCase())).map((u) => u.id),
      installs: store.appInstalls,
    },
  };
}

function withoutClientState(json: Record<string, unknown>): Record<string, unknown> {
  const { clientState: _secret, ...rest } = json;
  return rest;
}
