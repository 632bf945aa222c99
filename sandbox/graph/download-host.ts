import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { sendJson } from '../emulator/respond.js';
import { Router } from '../emulator/router.js';
import { rangedBodyOf } from './artifact-routes.js';
import { pushCapped, type GraphStore } from './graph-store.js';
import { GraphHttpError } from './graph-wire.js';
import { sendRanged } from './ranged-content.js';

/**
 * Where recording content goes when `contentRedirect` is on: a second origin, like the
 * OneDrive/SharePoint host a Graph 302 would point to, serving a pre-authenticated URL (the token in
 * the path is the authorization) with Range support. A request that carries an Authorization header
 * is refused and recorded: a client must not hand its Graph bearer token to another host. (What
 * SharePoint does with a stray bearer is not documented; refusing makes a leak visible.)
 */
export function createDownloadHost(store: GraphStore): EmulatorBehaviour {
  const routes = new Router().get('/download/:token', async (req, res) => {
    const at = new Date().toISOString();
    const grant = store.downloads.get(req.params.token!);
    const artifact = grant && (grant.callId ? store.callArtifact(grant.kind, grant.id) : store.artifact(grant.kind, grant.id));
    const authorization = req.headers.authorization !== undefined;
    if (!grant || !artifact || grant.expiresAt < Date.now()) {
      sendJson(res, 401, { error: { code: 'unauthenticated', message: 'The download link is invalid or has expired.' } });
      return;
    }
    const base = {
      at,
      kind: grant.kind,
      id: grant.id,
      meetingId: grant.meetingId,
      ...(grant.callId ? { callId: grant.callId } : {}),
      method: req.method,
      via: 'download' as const,
      authorization,
    };
    if (authorization) {
      pushCapped(store.contentFetches, { ...base, range: req.headers.range ?? null, status: 401, served: null, bytesSent: 0, complete: false });
      sendJson(res, 401, { error: { code: 'invalidRequest', message: 'A pre-authenticated download URL takes no Authorization header.' } });
      return;
    }
    try {
      const served = await sendRanged(req, res, rangedBodyOf(artifact));
      pushCapped(store.contentFetches, { ...base, ...served });
    } catch (err) {
      if (err instanceof GraphHttpError) {
        pushCapped(store.contentFetches, { ...base, range: req.headers.range ?? null, status: err.status, served: null, bytesSent: 0, complete: false });
        res.writeHead(err.status, { 'content-type': 'application/json', ...err.extra.headers });
        res.end(JSON.stringify({ error: { code: err.code, message: err.message } }));
        return;
      }
      throw err;
    }
  });
  return {
    name: 'graph-downloads',
    routes,
    load: () => undefined, // the Graph emulator owns the state
    state: () => ({ grants: store.downloads.size }),
  };
}
