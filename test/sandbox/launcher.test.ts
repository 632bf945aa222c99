import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsTrust } from '../../api/src/http/tls-trust.js';

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
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.output());
  });

  it('the demo: every recording reaches the emulated Kaltura within a minute, and each organizer hears of it', async () => {
    const urlsFile = join(dir, 'demo-urls.json');
    const p = run(['--urls-file', urlsFile, '--data-dir', join(dir, 'demo'), '--app-port', '0', '--release-every', '1']);
    try {
      const urls = JSON.parse(await waitForFile(urlsFile, 60_000, p.exited)) as Record<string, string>;
      const deadline = Date.now() + 60_000;
      let entries: Array<{ status: number; captions: unknown[] }> = [];
      while (Date.now() < deadline) {
        entries = ((await (await fetch(`${urls.kaltura}/__control/state`)).json()) as { entries: typeof entries }).entries;
        if (entries.length === 3 && entries.every((x) => x.status === 2)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(entries.filter((x) => x.status === 2).length, 3, JSON.stringify(entries));
      const page = await (await fetch(`${urls.kaltura}/__control/`)).text();
      assert.match(page, /Quarterly business review/);
      let messages: unknown[] = [];
      while (Date.now() < deadline && messages.length < 3) {
        messages = (await (await fetch(`${urls.connector}/__control/messages`)).json()) as unknown[];
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.equal(messages.length, 3);
      assert.match(p.output(), /the recording of "Sales kickoff" is now available/);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.output());
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
