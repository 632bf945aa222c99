import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsTrust, type TlsTrust } from '../../api/src/net/tls-trust.js';
import { startEmulators, type Emulators } from '../../sandbox/emulators.js';
import { loadFixtureFile } from '../../sandbox/fixture/load-fixture.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';

export const demoFixturePath = new URL('../../sandbox/fixtures/demo.json', import.meta.url).pathname;

export async function demoFixture(): Promise<Fixture> {
  return loadFixtureFile(demoFixturePath);
}

/**
 * The demo tenant with every meeting's recording and transcript available from the start (its call's
 * stay held back), the integration's settings changed, then `mutate` applied.
 */
export async function demoMeetingsAvailable(settings: Record<string, unknown>, mutate: (f: Fixture) => void = () => undefined): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  for (const m of f.meetings) {
    for (const r of m.recordings) r.available = true;
    for (const t of m.transcripts) t.available = true;
  }
  Object.assign(f.integrations[0]!.settings, settings);
  mutate(f);
  return f;
}

export interface TestEmulators extends Emulators {
  fixture: Fixture;
  dataDir: string;
  /** trusts the sandbox CA explicitly, as the app does */
  trust: TlsTrust;
  /** JSON call to an emulator's control API */
  control<T = unknown>(emulator: { url: string }, method: string, path: string, body?: unknown): Promise<T>;
}

/** Starts all emulators on a fresh data directory. Call `close()` in `after`. */
export async function startTestEmulators(fixture?: Fixture): Promise<TestEmulators> {
  const f = fixture ?? (await demoFixture());
  const dataDir = await mkdtemp(join(tmpdir(), 'archiver-test-'));
  const emulators = await startEmulators(f, dataDir);
  const trust = createTlsTrust(emulators.tls.caCertPem);
  return {
    ...emulators,
    fixture: f,
    dataDir,
    trust,
    control: async <T>(emulator: { url: string }, method: string, path: string, body?: unknown): Promise<T> => {
      const res = await trust.fetch(`${emulator.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    close: async () => {
      await emulators.close();
      await trust.dispatcher.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
