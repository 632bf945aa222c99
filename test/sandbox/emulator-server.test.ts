import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../sandbox/emulator/emulator-server.js';
import { sendJson } from '../../sandbox/emulator/respond.js';
import { Router } from '../../sandbox/emulator/router.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';

/** The shared server every emulator runs on: fault injection, request log and the common control API. */
describe('emulator server', () => {
  let emulator: RunningEmulator;
  let loads: string[];

  before(async () => {
    loads = [];
    const routes = new Router()
      .get('/things/:id', (req, res) => sendJson(res, 200, { id: req.params.id }))
      .post('/things', async (req, res) => sendJson(res, 201, await req.json()));
    emulator = await startEmulator(
      {
        name: 'test',
        routes,
        load: (f: Fixture) => {
          loads.push(f.tenant.displayName);
        },
        state: () => ({ loads }),
        notFound: (_req, res) => sendJson(res, 404, { custom: true }),
      },
      await demoFixture(),
    );
  });
  after(() => emulator.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(emulator.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };

  it('routes with decoded params and answers unknown paths in the service\'s own shape', async () => {
    assert.deepEqual((await call('GET', '/things/a%3Db')).body, { id: 'a=b' });
    assert.deepEqual(await call('GET', '/nothing').then((r) => [r.status, r.body]), [404, { custom: true }]);
  });

  it('injects a fault for exactly `count` matching requests, then answers normally', async () => {
    const added = await call('POST', '/__control/faults', {
      method: 'GET',
      path: '/things/x',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { error: 'slow down' },
      count: 2,
    });
    assert.equal(added.status, 201);
    for (let i = 0; i < 2; i++) {
      const r = await call('GET', '/things/x');
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '7');
      assert.deepEqual(r.body, { error: 'slow down' });
    }
    assert.equal((await call('GET', '/things/x')).status, 200);
    assert.equal((await call('POST', '/things', { a: 1 })).status, 201, 'a fault for GET leaves POST alone');
  });

  it('matches faults by pattern and can reset the connection', async () => {
    await call('POST', '/__control/faults', { pathPattern: '^/things/r\\d+$', resetConnection: true });
    await assert.rejects(fetch(emulator.url + '/things/r1'));
    assert.equal((await call('GET', '/things/r2')).status, 200);
  });

  it('rejects a malformed fault with 400 and a reason', async () => {
    const r = await call('POST', '/__control/faults', { path: '/x' });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /status, resetConnection or delayMs/);
    const both = await call('POST', '/__control/faults', { path: '/x', pathPattern: 'x', status: 500 });
    assert.equal(both.status, 400);
  });

  it('logs every service request with its final status, and can clear the log', async () => {
    await call('DELETE', '/__control/requests');
    await call('GET', '/things/logged?x=1');
    const log = (await call('GET', '/__control/requests')).body as Array<{ path: string; status: number; query: string }>;
    assert.equal(log.length, 1);
    assert.deepEqual([log[0]!.path, log[0]!.status, log[0]!.query], ['/things/logged', 200, '?x=1']);
  });

  it('loads a posted fixture, resets to it, and refuses an invalid one without losing the current', async () => {
    const f = structuredClone(await demoFixture()) as Fixture;
    f.tenant.displayName = 'Posted';
    assert.equal((await call('POST', '/__control/fixture', f)).status, 200);
    assert.equal((await call('POST', '/__control/reset')).status, 200);
    assert.deepEqual(loads.slice(-2), ['Posted', 'Posted']);
    const bad = await call('POST', '/__control/fixture', { tenant: { id: 'x' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /not a valid sandbox fixture/);
    assert.equal((await call('GET', '/__control/fixture')).body.tenant.displayName, 'Posted');
    assert.deepEqual((await call('GET', '/__control/state')).body, { loads });
  });
});
