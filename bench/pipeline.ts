import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTlsTrust, type TlsTrust } from '../api/src/http/tls-trust.js';
import { appEnvironment } from '../sandbox/app-environment.js';
import { contentSha256 } from '../sandbox/content/deterministic-content.js';
import { startEmulators, type Emulators } from '../sandbox/emulators.js';
import type { Fixture } from '../sandbox/fixture/schema.js';
import { freePort } from '../sandbox/process-utils.js';
import type { Bench, Emit } from './metric.js';
import { spawnApp, type AppProcess } from '../sandbox/app-process.js';
import type { RawCopyJob, RawCopyResult } from './support/raw-copy.js';
import { syntheticFixture, type SyntheticRecording } from './support/synthetic-fixture.js';

/**
 * The whole pipeline: Graph emulator → the app → Kaltura emulator. The emulators run in this process;
 * the app runs as its own process (built JavaScript from dist/, or TypeScript under tsx), configured
 * only by its environment, on SQLite in a temporary directory, so its peak RSS (VmHWM) is its own.
 * Every scenario gets fresh emulators and a fresh app; every archived entry's sha256 is checked
 * before a figure is printed. An entry counts as archived when Kaltura has it READY (2) and in the
 * integration's category, which the app does last.
 *
 *  - pipeline_throughput_ratio: one BENCH_PIPELINE_BIG_MIB (1024) MiB recording, already in OneDrive
 *    when the app starts, from the app answering /healthz (its start-up sweep finds the recording)
 *    until archived; divided by the baseline in support/raw-copy.ts: a separate process that streams
 *    the same recording from the same Graph endpoint into a Kaltura upload token of the same emulator,
 *    in the same 8 MiB chunks one at a time, with plain fetch — run first, in the same scenario, while
 *    the app is not running yet. Both rates are printed too (pipeline_mib_per_s, raw_copy_mib_per_s).
 *  - peak_rss_mb_100mib, peak_rss_mb_1gib: the app's VmHWM after archiving one 100 MiB (and the big)
 *    recording, each in a fresh app process (start-up included), in MiB.
 *  - backlog_recordings_per_min: BENCH_PIPELINE_BACKLOG (500) × 1 MiB recordings already in OneDrive
 *    when the app starts (found by its first sweep), from the app answering /healthz until the last is
 *    archived.
 *  - latency_p50_ms, latency_p95_ms: BENCH_PIPELINE_LATENCY (50) × 10 MiB recordings released one every
 *    BENCH_PIPELINE_RELEASE_MS (1000) ms; each from its release (the Graph emulator posts the change
 *    notification) until archived, seen by polling Kaltura every 50 ms.
 */
const MiB = 1024 * 1024;
const BIG_MIB = Number(process.env['BENCH_PIPELINE_BIG_MIB'] ?? 1024);
const BACKLOG = Number(process.env['BENCH_PIPELINE_BACKLOG'] ?? 500);
const LATENCY_COUNT = Number(process.env['BENCH_PIPELINE_LATENCY'] ?? 50);
const RELEASE_EVERY_MS = Number(process.env['BENCH_PIPELINE_RELEASE_MS'] ?? 1000);
/** the app's default Kaltura chunk; the baseline uses the same */
const CHUNK = 8 * MiB;

export const pipelineBench: Bench = {
  name: 'pipeline',
  async run(emit) {
    if (process.platform !== 'linux') {
      for (const name of ['pipeline_throughput_ratio', 'peak_rss_mb_100mib', 'peak_rss_mb_1gib', 'backlog_recordings_per_min', 'latency_p50_ms', 'latency_p95_ms']) {
        emit({ name, value: null, unit: '', skipped: 'needs Linux (/proc/<pid>/status for the peak RSS)' });
      }
      return;
    }
    const root = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
    try {
      await rss100(root, emit);
      await bigRecording(root, emit);
      await backlog(root, emit);
      await latency(root, emit);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};

interface KalturaEntry {
  referenceId: string | null;
  status: number;
  categories: string[];
  contentSize: number | null;
  contentSha256: string | null;
}

interface Scenario {
  fixture: Fixture;
  emulators: Emulators;
  trust: TlsTrust;
  dir: string;
  env: Record<string, string>;
  app?: AppProcess;
  control<T>(emulator: { url: string }, method: string, path: string, body?: unknown): Promise<T>;
  entries(): Promise<KalturaEntry[]>;
  startApp(): Promise<AppProcess>;
  release(recordingId: string): Promise<void>;
}

async function scenario<T>(root: string, name: string, recordings: SyntheticRecording[], run: (s: Scenario) => Promise<T>): Promise<T> {
  const fixture = await syntheticFixture(recordings, { description: `bench: ${name}` });
  const dir = join(root, name);
  const emulators = await startEmulators(fixture, join(dir, 'emulators'));
  const trust = createTlsTrust(emulators.tls.caCertPem);
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
  await control(emulators.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
  const env = { ...(await appEnvironment(fixture, emulators, join(dir, 'app'), await freePort())), LOG_LEVEL: 'info' };
  const s: Scenario = {
    fixture,
    emulators,
    trust,
    dir,
    env,
    control,
    entries: async () => (await control<{ entries: KalturaEntry[] }>(emulators.kaltura, 'GET', '/__control/state')).entries,
    startApp: async () => {
      s.app = await spawnApp(env);
      return s.app;
    },
    release: async (recordingId) => {
      const r = await control<{ notifications: Array<{ ok: boolean }> }>(emulators.graph, 'POST', `/__control/recordings/${encodeURIComponent(recordingId)}/available`);
      if (!r.notifications.some((n) => n.ok)) throw new Error(`the release of ${recordingId} notified no subscription: ${JSON.stringify(r.notifications)}`);
    },
  };
  try {
    return await run(s);
  } catch (err) {
    if (s.app) process.stderr.write(`bench pipeline/${name}: the app's last output:\n${s.app.output().slice(-8000)}\n`);
    throw err;
  } finally {
    await s.app?.stop();
    await emulators.close();
    await trust.dispatcher.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const archived = (e: KalturaEntry) => e.status === 2 && e.categories.length > 0;

async function until<T>(what: string, timeoutMs: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** the app subscribes at start; releases before that would notify nobody */
async function subscribed(s: Scenario): Promise<void> {
  await until('the app\'s Graph subscriptions', 30_000, 100, async () => {
    const g = await s.control<{ subscriptions: Array<{ status: string }> }>(s.emulators.graph, 'GET', '/__control/state');
    return g.subscriptions.filter((x) => x.status === 'active').length >= 2 ? true : undefined;
  });
}

async function checkContent(entries: KalturaEntry[], recordings: SyntheticRecording[]): Promise<void> {
  for (const r of recordings) {
    const mine = entries.filter((e) => e.referenceId === `Teams_${r.id}`);
    if (mine.length !== 1) throw new Error(`${mine.length} entries for ${r.id}`);
    const expected = await contentSha256(r.seed, r.size);
    if (mine[0]!.contentSize !== r.size || mine[0]!.contentSha256 !== expected) {
      throw new Error(`${r.id}: Kaltura holds ${mine[0]!.contentSize} bytes with sha256 ${mine[0]!.contentSha256}, expected ${r.size} bytes with ${expected}`);
    }
  }
}

const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** one recording released and archived in a fresh app: the app's peak RSS, and how long it took */
async function archiveOne(s: Scenario, r: SyntheticRecording, pollMs: number): Promise<{ ms: number; peakRss: number }> {
  const app = await s.startApp();
  await subscribed(s);
  const started = performance.now();
  await s.release(r.id);
  await until(`${r.id} archived`, 15 * 60_000, pollMs, async () => ((await s.entries()).some((e) => e.referenceId === `Teams_${r.id}` && archived(e)) ? true : undefined));
  const ms = performance.now() - started;
  const peakRss = await app.peakRssBytes();
  await checkContent(await s.entries(), [r]);
  return { ms, peakRss };
}

async function rss100(root: string, emit: Emit): Promise<void> {
  const r: SyntheticRecording = { id: 'bench-100mib', size: 100 * MiB, seed: 'bench-100mib', available: false };
  await scenario(root, 'rss-100mib', [r], async (s) => {
    const { peakRss } = await archiveOne(s, r, 100);
    emit({ name: 'peak_rss_mb_100mib', value: mib(peakRss), unit: 'MiB' });
  });
}

async function bigRecording(root: string, emit: Emit): Promise<void> {
  const r: SyntheticRecording = { id: `bench-${BIG_MIB}mib`, size: BIG_MIB * MiB, seed: `bench-${BIG_MIB}mib`, available: false };
  await scenario(root, 'big', [r], async (s) => {
    // the baseline first, while no app runs; the recording is visible to it through the control API's
    // release, which notifies nobody yet (the app has not subscribed)
    await s.control(s.emulators.graph, 'POST', `/__control/recordings/${encodeURIComponent(r.id)}/available`);
    const raw = await runRawCopy(s, r);
    if (raw.bytes !== r.size) throw new Error(`the baseline copied ${raw.bytes} of ${r.size} bytes`);
    // the pipeline: the app finds it by its start-up sweep (it is already in OneDrive), timed from start
    const app = await s.startApp();
    const started = performance.now();
    await until(`${r.id} archived`, 30 * 60_000, 100, async () => ((await s.entries()).some((e) => e.referenceId === `Teams_${r.id}` && archived(e)) ? true : undefined));
    const ms = performance.now() - started;
    const peakRss = await app.peakRssBytes();
    await checkContent(await s.entries(), [r]);
    const pipelineRate = r.size / MiB / (ms / 1000);
    const rawRate = r.size / MiB / (raw.ms / 1000);
    emit({ name: 'pipeline_mib_per_s', value: round1(pipelineRate), unit: 'MiB/s' });
    emit({ name: 'raw_copy_mib_per_s', value: round1(rawRate), unit: 'MiB/s' });
    emit({ name: 'pipeline_throughput_ratio', value: Math.round((pipelineRate / rawRate) * 1000) / 1000, unit: 'ratio' });
    emit({ name: BIG_MIB === 1024 ? 'peak_rss_mb_1gib' : `peak_rss_mb_${BIG_MIB}mib`, value: mib(peakRss), unit: 'MiB' });
  });
}

async function runRawCopy(s: Scenario, r: SyntheticRecording): Promise<RawCopyResult> {
  const f = s.fixture;
  const integration = f.integrations[0]!;
  const meeting = f.meetings.find((m) => m.recordings.some((x) => x.id === r.id))!;
  const job: RawCopyJob = {
    entraUrl: s.emulators.entra.url,
    graphUrl: s.emulators.graph.url,
    kalturaUrl: s.emulators.kaltura.url,
    caCertFile: s.emulators.tls.caCertFile,
    tenantId: f.tenant.id,
    clientId: integration.appClientId,
    clientSecret: integration.appClientSecret,
    scope: 'https://graph.microsoft.com/.default',
    organizerId: meeting.organizerId,
    meetingId: meeting.id,
    recordingId: r.id,
    partnerId: f.kaltura.partnerId,
    adminSecret: f.kaltura.adminSecret,
    chunkSize: CHUNK,
  };
  const fromSource = import.meta.url.endsWith('.ts');
  const script = new URL(fromSource ? './support/raw-copy.ts' : './support/raw-copy.js', import.meta.url).pathname;
  const child = spawn(process.execPath, fromSource ? ['--import', 'tsx', script] : [script], {
    env: { ...process.env, RAW_COPY_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-8000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the raw copy failed (exit ${code}): ${err}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as RawCopyResult;
}

async function backlog(root: string, emit: Emit): Promise<void> {
  const recordings: SyntheticRecording[] = Array.from({ length: BACKLOG }, (_, i) => ({
    id: `bench-backlog-${i}`,
    size: MiB,
    seed: `bench-backlog-${i}`,
    available: true,
  }));
  await scenario(root, 'backlog', recordings, async (s) => {
    await s.startApp();
    const started = performance.now();
    const entries = await until(`${BACKLOG} recordings archived`, 30 * 60_000, 250, async () => {
      const all = await s.entries();
      return all.filter(archived).length >= BACKLOG ? all : undefined;
    });
    const ms = performance.now() - started;
    await checkContent(entries, recordings);
    emit({ name: 'backlog_recordings_per_min', value: round1(BACKLOG / (ms / 60_000)), unit: 'recordings/min' });
  });
}

async function latency(root: string, emit: Emit): Promise<void> {
  const recordings: SyntheticRecording[] = Array.from({ length: LATENCY_COUNT }, (_, i) => ({
    id: `bench-latency-${i}`,
    size: 10 * MiB,
    seed: `bench-latency-${i}`,
    available: false,
  }));
  await scenario(root, 'latency', recordings, async (s) => {
    await s.startApp();
    await subscribed(s);
    // let the start-up sweep (which finds nothing) finish, so it is not in the first figures
    await new Promise((r) => setTimeout(r, 2_000));
    const releasedAt = new Map<string, number>();
    const archivedAt = new Map<string, number>();
    let releasing = true;
    const watcher = (async () => {
      while (releasing || archivedAt.size < LATENCY_COUNT) {
        const now = performance.now();
        for (const e of await s.entries()) {
          if (e.referenceId && archived(e) && !archivedAt.has(e.referenceId)) archivedAt.set(e.referenceId, now);
        }
        if (!releasing && archivedAt.size < LATENCY_COUNT && now - Math.max(...releasedAt.values()) > 10 * 60_000) {
          throw new Error(`only ${archivedAt.size} of ${LATENCY_COUNT} archived 10 minutes after the last release`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      for (const r of recordings) {
        const next = performance.now() + RELEASE_EVERY_MS;
        releasedAt.set(`Teams_${r.id}`, performance.now());
        await s.release(r.id);
        await new Promise((res) => setTimeout(res, Math.max(0, next - performance.now())));
      }
    } finally {
      releasing = false;
    }
    await watcher;
    await checkContent(await s.entries(), recordings);
    const latencies = [...releasedAt].map(([ref, at]) => archivedAt.get(ref)! - at).sort((a, b) => a - b);
    emit({ name: 'latency_p50_ms', value: Math.round(percentile(latencies, 50)), unit: 'ms' });
    emit({ name: 'latency_p95_ms', value: Math.round(percentile(latencies, 95)), unit: 'ms' });
  });
}

/** nearest rank */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
