import assert from 'node:assert/strict';
import type { Server } from 'restify';
import { storeReadiness, type Readiness } from '../../../api/src/http/readiness.js';
import { createHttpServer, listen } from '../../../api/src/http/server.js';
import { capturedLogger } from './support.js';

const SECRET_URI = 'mongodb://archiver:hunter2@db.internal:27017/archiver';

/** what a driver may throw: its message carries the connection string */
function driverError(): Error {
  return Object.assign(new Error(`failed to connect to ${SECRET_URI}`), { name: 'MongoServerSelectionError', code: 'ECONNREFUSED' });
}

describe('/healthz is readiness, /livez is liveness', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
  });

  async function serve(readiness: Readiness): Promise<string> {
    server = createHttpServer({ logger: capturedLogger('silent').logger, readiness });
    return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  }

  it('answers 200 while ready and 503 with the reason while not; /livez stays 200', async () => {
    let state: Awaited<ReturnType<Readiness>> = { ok: true };
    const url = await serve(async () => state);
    const ok = await fetch(`${url}/healthz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { status: 'ok' });

    state = { ok: false, reason: 'store unreachable: Timeout' };
    const down = await fetch(`${url}/healthz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'unavailable', reason: 'store unreachable: Timeout' });
    assert.equal(down.headers.get('cache-control'), 'no-store');

    const live = await fetch(`${url}/livez`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'alive' });
  });

  it('a readiness check that throws is a 503, not a hung or crashed probe', async () => {
    const url = await serve(async () => {
      throw driverError();
    });
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 503);
    assert.doesNotMatch(await res.text(), /hunter2|mongodb:/);
  });

  it('the store check names the failure without its message, so no connection string leaks', async () => {
    const log = capturedLogger('info');
    let failing = true;
    const ready = storeReadiness({
      store: { ping: async () => (failing ? Promise.reject(driverError()) : undefined) },
      shuttingDown: () => false,
      logger: log.logger,
      cacheMs: 0,
    });
    const url = await serve(ready);
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${url}/healthz`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { status: string; reason: string };
      assert.equal(body.status, 'unavailable');
      assert.equal(body.reason, 'store unreachable: MongoServerSelectionError (ECONNREFUSED)');
    }
    assert.equal(log.lines().length, 1, 'one warning per outage, not one per probe');
    failing = false;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal(log.lines().length, 2, 'and one line when it is over');
  });

  it('a store that does not answer is unreachable after the ping timeout', async () => {
    const ready = storeReadiness({
      store: { ping: () => new Promise<void>(() => undefined) },
      shuttingDown: () => false,
      logger: capturedLogger('silent').logger,
      pingTimeoutMs: 50,
    });
    const result = await ready();
    assert.equal(result.ok, false);
    assert.match((result as { reason: string }).reason, /^store unreachable: Timeout/);
  });

  it('says shutting down once the flag is up, whatever the store says', async () => {
    let stopping = false;
    let pings = 0;
    const ready = storeReadiness({
      store: { ping: async () => void (pings += 1) },
      shuttingDown: () => stopping,
      logger: capturedLogger('silent').logger,
    });
    assert.deepEqual(await ready(), { ok: true });
    stopping = true;
    assert.deepEqual(await ready(), { ok: false, reason: 'shutting down' });
    assert.equal(pings, 1);
  });

  it('many probes at once share one ping', async () => {
    let pings = 0;
    const ready = storeReadiness({
      store: { ping: () => new Promise<void>((r) => setTimeout(() => r(void (pings += 1)), 20)) },
      shuttingDown: () => false,
      logger: capturedLogger('silent').logger,
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => ready()));
    assert.ok(results.every((r) => r.ok));
    assert.equal(pings, 1);
  });
});
