import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../sandbox/emulator/emulator-server.js';
import type { Emulators } from '../../sandbox/emulators.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { createGraphEmulator } from '../../sandbox/graph/graph-emulator.js';

export interface GraphLanes {
  /** the app's GRAPH_BASE_URL */
  url: string;
  lanes: RunningEmulator[];
  close(): Promise<void>;
}

/**
 * One Graph emulator per lane fixture (each its own organization, see integration-lanes.ts), trusting
 * the shared Entra emulator's tokens, behind one HTTPS front that sends each request to the lane whose
 * app registration the bearer token names (its `appid` claim; it was verified by nobody yet, which is
 * the lane's job). The Host header goes through unchanged, so the absolute URLs a lane builds (next
 * links, content) lead back to the front.
 */
export async function startGraphLanes(emulators: Emulators, fixtures: Fixture[]): Promise<GraphLanes> {
  const tls = { cert: emulators.tls.serverCertPem, key: emulators.tls.serverKeyPem };
  const lanes: RunningEmulator[] = [];
  const agent = new Agent({ keepAlive: true, ca: emulators.tls.caCertPem });
  const server = createServer(tls, (req, res) => {
    const lane = byApp.get(appIdOf(req.headers.authorization)) ?? lanes[0]!;
    const upstream = request(new URL(req.url ?? '/', lane.url), { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    agent.destroy();
    await Promise.all(lanes.map((l) => l.close()));
  };
  const byApp = new Map<string, RunningEmulator>();
  try {
    for (const fixture of fixtures) {
      const lane = await startEmulator(createGraphEmulator({ keys: emulators.keys }), fixture, { tls });
      lanes.push(lane);
      for (const app of fixture.appRegistrations) byApp.set(app.clientId.toLowerCase(), lane);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, lanes, close };
}

function appIdOf(authorization: string | undefined): string {
  const payload = /^Bearer [^.]+\.([^.]+)\./i.exec(authorization ?? '')?.[1];
  if (!payload) return '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { appid?: unknown; azp?: unknown };
    return String(claims.appid ?? claims.azp ?? '').toLowerCase();
  } catch {
    return '';
  }
}
