import type { ServerResponse } from 'node:http';
import type { EmulatorRequest, Handler, Router } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { authenticate, type Caller } from './graph-auth.js';
import { pushCapped, type GraphStore } from './graph-store.js';
import type { FixtureUser } from '../fixture/schema.js';
import { GraphHttpError, graphErrors, sendGraphError, serviceRoot, stampGraphHeaders } from './graph-wire.js';

export interface GraphDeps {
  keys: TokenKeys;
  store: GraphStore;
}

/** What a Graph handler gets: the verified caller and where it called us from. */
export interface GraphContext {
  req: EmulatorRequest;
  res: ServerResponse;
  caller: Caller;
  store: GraphStore;
  /** "v1.0" or "beta", as the client asked */
  version: string;
  /** scheme://host, from the Host header */
  root: string;
  /** scheme://host/version, from the Host header, for absolute links */
  base: string;
}

export type GraphHandler = (ctx: GraphContext) => unknown | Promise<unknown>;

export const VERSIONS = ['v1.0', 'beta'] as const;

/** Wraps a handler with Graph's headers, bearer-token check and error envelope. */
export function graphRoute(deps: GraphDeps, handler: GraphHandler): Handler {
  return async (req, res) => {
    stampGraphHeaders(req, res);
    try {
      const caller = await authenticate(deps.keys, deps.store, req);
      const version = req.path.split('/')[1] ?? 'v1.0';
      const root = serviceRoot(req);
      await handler({ req, res, caller, store: deps.store, version, root, base: `${root}/${version}` });
    } catch (err) {
      if (!(err instanceof GraphHttpError)) throw err;
      if (err.status === 401 || err.status === 403) {
        pushCapped(deps.store.denials, {
          at: new Date().toISOString(),
          method: req.method,
          path: req.path,
          status: err.status,
          code: err.extra.innerCode ?? err.code,
          reason: err.extra.reason ?? err.message,
        });
      }
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      sendGraphError(req, res, err);
    }
  };
}

/** Registers one handler under /v1.0 and /beta: the paths are the same on both (reference §2.1). */
export function mount(router: Router, deps: GraphDeps, method: string, pattern: string, handler: GraphHandler): void {
  const wrapped = graphRoute(deps, handler);
  for (const v of VERSIONS) router.add(method, `/${v}${pattern}`, wrapped);
}

/** The user in the path, by object id (UPNs are accepted too, as Graph does for /users/{upn}). */
export function pathUser(ctx: GraphContext): FixtureUser {
  const id = ctx.req.params.user!;
  const user = ctx.store.user(id);
  if (!user) throw graphErrors.notFound(`User '${id}' was not found.`);
  return user;
}
