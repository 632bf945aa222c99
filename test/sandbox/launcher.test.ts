import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsTrust } from '../../api/src/net/tls-trust.js';
import { freePort } from '../../sandbox/process-utils.js';

const launcher = new URL('../../sandbox/start.ts', import.meta.url).pathname;
const minimal = new URL('../fixtures/minimal.json', import.meta.url).pathname;

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', launcher, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitForFile(path: string, timeoutMs: number, exited: Promise<unknown>): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  while (Date.now() < deadline && !done) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${path} not written`);
}

describe('sandbox launcher (npm run sandbox)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archiver-launcher-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('starts a hand-written fixture, writes the URLs file when all are ready, and stops on SIGTERM', async () => {
    const urlsFile = join(dir, 'urls.json');
    const p = run(['--fixture', minimal, '--urls-file', urlsFile, '--data-dir', join(dir, 'data'), '--app-port', '0', '--quiet']);
    try {
      const urls = JSON.parse(await waitForFile(urlsFile, 60_000, p.exited)) as Record<string, string>;
      assert.deepEqual(Object.keys(urls).sort(), ['app', 'caCert', 'connector', 'entra', 'graph', 'kaltura']);
      for (const k of ['app', 'entra', 'graph', 'kaltura', 'connector']) assert.match(urls[k]!, /^https?:\/\/127\.0\.0\.1:\d+$/, k);
      assert.match(urls.entra!, /^https:/);
      assert.match(urls.graph!, /^https:/);
      const health = await fetch(`${urls.app}/healthz`);
      assert.equal(health.status, 200);
      // the emulators serve the fixture given, over TLS trusted through the CA file named in the URLs file
      const trust = createTlsTrust(await readFile(urls.caCert!, 'utf8'));
      const fixture = (await (await trust.fetch(`${urls.graph}/__control/fixture`)).json()) as { tenant: { displayName: string } };
      assert.equal(fixture.tenant.displayName, 'Fabrikam');
      await trust.dispatcher.close();
      // the integrations' secrets were on disk in clear only until the app had created them
      await assert.rejects(access(join(dir, 'data', 'integrations.json')), /ENOENT/);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.output());
  });

  /** One `npm start` of the demo: every recording archived, every organizer told, then Ctrl+C. */
  async function demoFlows(dataDir: string, urlsFile: string): Promise<void> {
    await rm(urlsFile, { force: true });
    const p = run(['--urls-file', urlsFile, '--data-dir', dataDir, '--app-port', '0', '--release-every', '1']);
    try {
      const urls = JSON.parse(await waitForFile(urlsFile, 60_000, p.exited)) as Record<string, string>;
      const deadline = Date.now() + 60_000;
      let entries: Array<{ status: number; captions: unknown[] }> = [];
      while (Date.now() < deadline) {
        entries = ((await (await fetch(`${urls.kaltura}/__control/state`)).json()) as { entries: typeof entries }).entries;
        if (entries.length === 4 && entries.every((x) => x.status === 2)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // the three meetings and the demo's 1:1 call (the demo integration includes ad hoc calls)
      assert.equal(entries.filter((x) => x.status === 2).length, 4, `${JSON.stringify(entries)}\n${p.output()}`);
      const page = await (await fetch(`${urls.kaltura}/__control/`)).text();
      assert.match(page, /Quarterly business review/);
      assert.match(page, /Teams call with Lee Gu/, 'the call, named after the other party its transcript names');
      // one card per organizer; a card updated in place (its transcript came later) is still one
      type Sent = { kind: string; recipient: { aadObjectId: string }; cards: Array<{ title?: string }> };
      const sent = async () => (await (await fetch(`${urls.connector}/__control/messages?kind=create,send,reply`)).json()) as Sent[];
      let messages: Sent[] = [];
      while (Date.now() < deadline && messages.length < 4) {
        messages = (await sent()).filter((m) => /archived in Kaltura/.test(m.cards[0]?.title ?? ''));
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.equal(messages.length, 4);
      assert.equal(messages.filter((m) => /call recording/.test(m.cards[0]?.title ?? '')).length, 1, 'the call\'s initiator got a call card');
      // the launcher installed the app for everyone in the fixture: each got one welcome card
      const welcomed = (await sent()).filter((m) => /^Welcome/.test(m.cards[0]?.title ?? '')).map((m) => m.recipient.aadObjectId);
      assert.equal(welcomed.length, new Set(welcomed).size, 'one welcome each');
      assert.ok(welcomed.length >= 3, `${welcomed.length} welcome cards`);
      assert.match(p.output(), /the recording of "Sales kickoff" is now available/);
      assert.match(p.output(), /data, reset at each start +\S*demo/, 'the banner says the data is reset at each start');
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.output());
  }

  it('the demo: every recording reaches the emulated Kaltura within a minute, and each organizer hears of it, at every start', async function () {
    this.timeout(240_000);
    const dataDir = join(dir, 'demo');
    await demoFlows(dataDir, join(dir, 'demo-urls.json'));
    // a second `npm start` on the same data: new emulator ports, and the demo flows again
    await demoFlows(dataDir, join(dir, 'demo-urls.json'));
  });

  it('stops at once, naming the port and how to choose another, when the app port is taken', async () => {
    const port = await freePort();
    // another process that even answers /healthz: it must not pass for the app
    const squatter: Server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      const started = Date.now();
      const p = run(['--fixture', minimal, '--data-dir', join(dir, 'busy'), '--app-port', String(port)]);
      assert.equal(await p.exited, 1, p.output());
      assert.ok(Date.now() - started < 30_000, 'it did not wait for a health check');
      assert.match(p.output(), new RegExp(`port ${port} is already in use`));
      assert.match(p.output(), /--app-port N/);
      assert.match(p.output(), /PORT=N/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('says so, and how to start again, when the app stops unexpectedly', async () => {
    const urlsFile = join(dir, 'dies-urls.json');
    const p = run(['--fixture', minimal, '--urls-file', urlsFile, '--data-dir', join(dir, 'dies'), '--app-port', '0', '--quiet']);
    await waitForFile(urlsFile, 60_000, p.exited);
    // a second launcher on the same data would clear it under the running one: it refuses instead
    const second = run(['--fixture', minimal, '--data-dir', join(dir, 'dies'), '--app-port', '0', '--quiet']);
    assert.equal(await second.exited, 1, second.output());
    assert.match(second.output(), new RegExp(`another sandbox \\(pid ${p.child.pid}\\) is running`));
    // the launcher's children: the app, and perhaps a compiler service of tsx's
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(p.child.pid)], { encoding: 'utf8' }).trim().split('\n');
    const apps = children.filter((line) => line.includes('api/src/main.'));
    assert.equal(apps.length, 1, `one app process among ${children.join('; ')}`);
    process.kill(Number(apps[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
    assert.equal(await p.exited, 1, p.output());
    assert.match(p.output(), /the app stopped unexpectedly \(signal SIGKILL\)/);
    assert.match(p.output(), /run `npm start` again/);
  });

  it('refuses an invalid fixture with a message naming the problem', async () => {
    const bad = join(dir, 'bad.json');
    const raw = JSON.parse(await readFile(minimal, 'utf8'));
    delete raw.kaltura;
    await writeFile(bad, JSON.stringify(raw));
    const p = run(['--fixture', bad, '--data-dir', join(dir, 'data2'), '--app-port', '0']);
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /sandbox failed to start: .*bad\.json is not a valid sandbox fixture/s);
    assert.match(p.output(), /kaltura/);
  });
});
