import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../api/src/config.js';
import { createLogger } from '../../api/src/logging/logger.js';
import { startApp, type AppOverrides, type RunningApp } from '../../api/src/main.js';
import { appEnvironment } from '../../sandbox/app-environment.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { freePort } from '../../sandbox/process-utils.js';
import { startTestEmulators, type TestEmulators } from './emulators.js';
import type { KalturaEntryState } from './kaltura-state.js';

export type { KalturaEntryState };


export interface AppHarness {
  e: TestEmulators;
  app: RunningApp;
  env: Record<string, string>;
  entries(): Promise<KalturaEntryState[]>;
  messages(): Promise<Array<{ recipient?: { id?: string; aadObjectId?: string }; attachments?: Array<{ content?: unknown }> }>>;
  release(kind: 'recording' | 'transcript', id: string): Promise<unknown>;
  /** what people do in Teams, through the emulated channel (signed as Teams signs it) to the app's /api/messages */
  teams: {
    install(user: string): Promise<{ conversationId: string; deliveries: Array<{ type: string; status: number }> }>;
    uninstall(user: string): Promise<{ conversationId: string; deliveries: Array<{ type: string; status: number }> }>;
    say(user: string, text: string): Promise<{ activityId: string; status: number }>;
  };
  /** restarts the app (same data dir, same emulators) */
  restart(overrides?: AppOverrides): Promise<void>;
  close(): Promise<void>;
}

/** Settings that make the app quick to react in tests (the same settings production tunes). */
export const fastApp: Record<string, string> = {
  WORKER_CONCURRENCY: '2',
  WORKER_POLL_MS: '100',
  WORKER_LEASE_MS: '10000',
  SUBSCRIPTION_CHECK_MS: '60000',
  SWEEP_EVERY_MS: '3600000',
  HEALTH_RECHECK_MS: '500',
  TRANSCRIPT_WAIT_MS: '300',
};

/** The emulators plus the real app in this process, configured only through its environment. */
export async function startAppHarness(fixture?: Fixture, settings: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<AppHarness> {
  const e = await startTestEmulators(fixture);
  const dataDir = await mkdtemp(join(tmpdir(), 'archiver-app-'));
  const env = { ...(await appEnvironment(e.fixture, e, dataDir, await freePort())), ...fastApp, ...settings, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' };
  const logger = createLogger(env.LOG_LEVEL!);
  let app = await startApp(loadConfig(env), logger, overrides);
  await e.control(e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
  await e.control(e.connector, 'POST', '/__control/settings', { messagingEndpoint: `http://127.0.0.1:${(env as Record<string, string>).PORT}/api/messages` });
  const h: AppHarness = {
    e,
    get app() {
      return app;
    },
    env,
    entries: async () => (await e.control<{ entries: KalturaEntryState[] }>(e.kaltura, 'GET', '/__control/state')).entries,
    // what the bot sent (the page also lists what people did, which is not the bot's)
    messages: async () => e.control(e.connector, 'GET', '/__control/messages?kind=create,send,reply,update'),
    release: (kind, id) => e.control(e.graph, 'POST', `/__control/${kind}s/${encodeURIComponent(id)}/available`),
    teams: {
      install: (user) => e.control(e.connector, 'POST', '/__control/install', { user }),
      uninstall: (user) => e.control(e.connector, 'POST', '/__control/uninstall', { user }),
      say: (user, text) => e.control(e.connector, 'POST', '/__control/say', { user, text }),
    },
    restart: async (o = overrides) => {
      await app.close();
      app = await startApp(loadConfig(env), logger, o);
    },
    close: async () => {
      await app.close().catch(() => undefined);
      await e.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Polls until `check` returns a truthy value, or fails with what it last saw. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}
