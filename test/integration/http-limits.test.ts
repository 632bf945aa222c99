import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../api/src/config.js';
import { createLogger } from '../../api/src/logging/logger.js';
import { startApp, type RunningApp } from '../../api/src/main.js';
import { freePort } from '../../sandbox/process-utils.js';
import { eventually, rawSocket, statusOf } from '../unit/http/support.js';

/**
 * The real app, configured only by its environment, with no integrations and every outbound URL on a
 * closed loopback port: what is under test is how its HTTP server treats clients.
 */
describe('the app’s HTTP server: readiness and what a client may hold', () => {
  let dir: string;
  let app: RunningApp | undefined;
  let port: number;

  async function start(extra: Record<string, string> = {}): Promise<RunningApp> {
    port = await freePort();
    const nowhere = 'http://127.0.0.1:9';
    const env = {
      ARCHIVER_MODE: 'sandbox',
      PORT: String(port),
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      WORKER_POLL_MS: '50',
      ENTRA_AUTHORITY_HOST: nowhere,
      GRAPH_BASE_URL: nowhere,
      KALTURA_SERVICE_URL: nowhere,
      BOT_CONNECTOR_URL: `${nowhere}/`,
      ...extra,
    };
    app = await startApp(loadConfig(env), createLogger('silent'));
    return app;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archiver-http-'));
  });
  afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('/healthz says 503 with the reason once the store is gone; /livez still 200', async () => {
    const a = await start();
    assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
    await a.store.close();
    await new Promise((r) => setTimeout(r, 1_100)); // past the probe's cache
    const res = await fetch(`${a.url}/healthz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; reason: string };
    assert.equal(body.status, 'unavailable');
    assert.match(body.reason, /^store unreachable: /);
    assert.equal((await fetch(`${a.url}/livez`)).status, 200);
  });

  it('/healthz says 503 shutting down from the moment close() is called', async () => {
    const a = await start();
    // a probe already on the wire when shutdown begins: its connection is busy, so close() waits for it
    const probe = await rawSocket(port);
    probe.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = a.close();
    probe.write('\r\n');
    await probe.gone;
    await closing;
    app = undefined;
    assert.equal(statusOf(probe.received()), 503);
    assert.match(probe.received(), /"reason":"shutting down"/);
  });

  it('shares HTTP_BODY_BUDGET_BYTES across bodies: one held open leaves no room, the next gets 503 at once', async () => {
    await start({ HTTP_BODY_BUDGET_BYTES: String(1024 * 1024) });
    const held = await rawSocket(port);
    held.write(`POST /api/graph/notifications HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${1024 * 1024}\r\n\r\n{"value":[`);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value":[]}' });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.ok(Date.now() - started < 1_000);
    held.destroy();
    await eventually('the held body released', () => true);
    await new Promise((r) => setTimeout(r, 100));
    const after = await fetch(`http://127.0.0.1:${port}/api/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value":[]}' });
    assert.equal(after.status, 202);
  });

  it('answers 408 to a body that stalls for HTTP_BODY_IDLE_TIMEOUT_MS', async () => {
    await start({ HTTP_BODY_IDLE_TIMEOUT_MS: '300' });
    const s = await rawSocket(port);
    const started = Date.now();
    s.write('POST /api/graph/notifications HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"value":[');
    await s.gone;
    assert.equal(statusOf(s.received()), 408);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });

  it('closes sockets beyond HTTP_MAX_CONNECTIONS as they arrive', async () => {
    await start({ HTTP_MAX_CONNECTIONS: '3' });
    const open = await Promise.all([rawSocket(port), rawSocket(port), rawSocket(port)]);
    for (const s of open) s.write('GET /livez HTTP/1.1\r\nhost: x\r\n'); // busy: headers not finished
    await new Promise((r) => setTimeout(r, 100));
    const extra = await rawSocket(port);
    extra.write('GET /livez HTTP/1.1\r\nhost: x\r\n\r\n');
    await extra.gone;
    assert.equal(extra.received(), '', 'refused without an answer');
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200, 'room again once they are gone');
  });
});
