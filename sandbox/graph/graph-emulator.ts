import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { Router } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { mountArtifactRoutes } from './artifact-routes.js';
import { createControlRoutes } from './control-routes.js';
import { mountDirectoryRoutes } from './directory-routes.js';
import { createDownloadHost } from './download-host.js';
import { GraphStore, isLive } from './graph-store.js';
import { GraphHttpError, graphErrors, sendGraphError, stampGraphHeaders } from './graph-wire.js';
import { mountMeetingRoutes } from './meeting-routes.js';
import { mountSubscriptionRoutes, subscriptionJson } from './subscription-routes.js';

/**
 * The emulated Microsoft Graph: directory reads, online meetings, recordings and transcripts (with
 * streamed, ranged content), getAll… and delta paging, and webhook subscriptions with real deliveries to
 * the app. Every route is served under /v1.0 and /beta. See reference/microsoft-graph.md §2–§6.
 */
export interface GraphEmulatorBehaviour extends EmulatorBehaviour {
  /** the second origin recording content is redirected to when `contentRedirect` is on */
  downloadHost: EmulatorBehaviour;
  /** where the download host listens (its origin), once started */
  setDownloadBase(origin: string): void;
}

export function createGraphEmulator(deps: { keys: TokenKeys }): GraphEmulatorBehaviour {
  const store = new GraphStore();
  // Graph path segments are case-insensitive (onlineMeetings = onlinemeetings); captured ids keep their case.
  const routes = new Router(true);
  const graphDeps = { keys: deps.keys, store };
  mountDirectoryRoutes(routes, graphDeps);
  mountMeetingRoutes(routes, graphDeps);
  mountArtifactRoutes(routes, graphDeps);
  mountSubscriptionRoutes(routes, graphDeps);

  return {
    name: 'graph',
    downloadHost: createDownloadHost(store),
    setDownloadBase: (origin) => {
      store.downloadBase = origin;
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
      const known = ['users', 'groups', 'subscriptions'];
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
    denials: store.denials,
  };
}

function withoutClientState(json: Record<string, unknown>): Record<string, unknown> {
  const { clientState: _secret, ...rest } = json;
  return rest;
}
