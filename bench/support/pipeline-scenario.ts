import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createTlsTrust, type TlsTrust } from '../../api/src/net/tls-trust.js';
import { spawnApp, type AppProcess } from '../../sandbox/app-process.js';
import { appEnvironment } from '../../sandbox/app-environment.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { startEmulators, type Emulators } from '../../sandbox/emulators.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { freePort } from '../../sandbox/process-utils.js';
import type { SyntheticRecording } from './synthetic-fixture.js';

/**
 * One bench scenario of the whole pipeline: fresh emulators in this process, the app as its own process
 * (built JavaScript from dist/, or TypeScript under tsx), configured only by its environment, on SQLite
 * in a temporary directory, so its peak RSS (VmHWM) is its own. Used by bench/pipeline.ts and
 * bench/calls.ts.
 */
export interface KalturaEntry {
  id: string;
  referenceId: string | null;
  status: number;
  categories: string[];
  captions: unknown[];
  contentSize: number | null;
  contentSha256: string | null;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface Scenario {
  fixture: Fixture;
  emulators: Emulators;
  trust: TlsTrust;
  dir: string;
  env: Record<string, string>;
  app?: AppProcess;
  control<T>(emulator: { url: string }, method: string, path: string, body?: unknown): Promise<T>;
  entries(): Promise<KalturaEntry[]>;
  startApp(): Promise<AppProcess>;
  /** makes a recording (or transcript) available in Graph, which notifies the app's subscriptions */
  release(id: string, kind?: 'recording' | 'transcript'): Promise<void>;
}

export interface ScenarioOptions {
  /** the Graph the app talks to, when not the emulator's own (several emulated tenants behind one URL) */
  graph?(emulators: Emulators): Promise<{ url: string; close(): Promise<void> }>;
}

export async function scenario<T>(root: string, name: string, fixture: Fixture, run: (s: Scenario) => Promise<T>, options: ScenarioOptions = {}): Promise<T> {
  const dir = join(root, name);
  const emulators = await startEmulators(fixture, join(dir, 'emulators'));
  const trust = createTlsTrust(emulators.tls.caCertPem);
  const graph = await options.graph?.(emulators);
  const control = async <R>(emulator: { url: string }, method: string, path: string, body?: unknown): Promise<R> => {
    const res = await trust.fetch(`${emulator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as R;
  };
  const s: Scenario = {
    fixture,
    emulators,
    trust,
    dir,
    env: {},
    control,
    entries: async () => (await control<{ entries: KalturaEntry[] }>(emulators.kaltura, 'GET', '/__control/state')).entries,
    startApp: async () => {
      s.app = await spawnApp(s.env);
      return s.app;
    },
    release: async (id, kind = 'recording') => {
      const r = await control<{ notifications: Array<{ ok: boolean }> }>(emulators.graph, 'POST', `/__control/${kind}s/${encodeURIComponent(id)}/available`);
      if (!r.notifications.some((n) => n.ok)) throw new Error(`the release of ${id} notified no subscription: ${JSON.stringify(r.notifications)}`);
    },
  };
  try {
    await control(emulators.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    const seen = graph ? { ...emulators, graph: { ...emulators.graph, url: graph.url } } : emulators;
    s.env = { ...(await appEnvironment(fixture, seen, join(dir, 'app'), await freePort())), LOG_LEVEL: 'info' };
    return await run(s);
  } catch (err) {
    if (s.app) process.stderr.write(`bench ${name}: the app's last output:\n${s.app.output().slice(-8000)}\n`);
    throw err;
  } finally {
    await s.app?.stop();
    await graph?.close();
    await emulators.close();
    await trust.dispatcher.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Kaltura has it READY and in the integration's category, which the app does last */
export const archived = (e: KalturaEntry) => e.status === 2 && e.categories.length > 0;

export async function until<T>(what: string, timeoutMs: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** the app subscribes at start; releases before that would notify nobody */
export async function subscribed(s: Scenario): Promise<void> {
  await until('the app\'s Graph subscriptions', 30_000, 100, async () => {
    const g = await s.control<{ subscriptions: Array<{ status: string }> }>(s.emulators.graph, 'GET', '/__control/state');
    return g.subscriptions.filter((x) => x.status === 'active').length >= 2 ? true : undefined;
  });
}

/** every recording archived once, with exactly its bytes */
export async function checkContent(entries: KalturaEntry[], recordings: Array<Pick<SyntheticRecording, 'id' | 'size' | 'seed'>>): Promise<void> {
  for (const r of recordings) {
    const mine = entries.filter((e) => e.referenceId === `Teams_${r.id}`);
    if (mine.length !== 1) throw new Error(`${mine.length} entries for ${r.id}`);
    const expected = await contentSha256(r.seed, r.size);
    if (mine[0]!.contentSize !== r.size || mine[0]!.contentSha256 !== expected) {
      throw new Error(`${r.id}: Kaltura holds ${mine[0]!.contentSize} bytes with sha256 ${mine[0]!.contentSha256}, expected ${r.size} bytes with ${expected}`);
    }
  }
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
