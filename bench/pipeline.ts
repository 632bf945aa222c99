import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bench, Emit } from './metric.js';
import { startGraphLanes } from './support/graph-lanes.js';
import { integrationLanes } from './support/integration-lanes.js';
import { archived, checkContent, round1, scenario, subscribed, until, type Scenario } from './support/pipeline-scenario.js';
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
 *  - backlog_recordings_per_min_10_integrations: the same with BENCH_PIPELINE_INTEGRATIONS (10)
 *    integrations, each its own organization (support/integration-lanes.ts) with a backlog of
 *    BENCH_PIPELINE_PER_INTEGRATION (100) × 1 MiB recordings, so the queue's turn-taking across
 *    integrations and its cap per integration (MAX_ACTIVE_PER_INTEGRATION) are in the figure.
 *  - latency_p50_ms, latency_p95_ms: BENCH_PIPELINE_LATENCY (50) × 10 MiB recordings released one every
 *    BENCH_PIPELINE_RELEASE_MS (1000) ms; each from its release (the Graph emulator posts the change
 *    notification) until archived, seen by polling Kaltura every 50 ms.
 *
 * BENCH_PIPELINE_SCENARIOS (comma-separated: rss-100mib, big, backlog, backlog-integrations, latency)
 * runs only those.
 */
const MiB = 1024 * 1024;
const BIG_MIB = Number(process.env['BENCH_PIPELINE_BIG_MIB'] ?? 1024);
const BACKLOG = Number(process.env['BENCH_PIPELINE_BACKLOG'] ?? 500);
const LATENCY_COUNT = Number(process.env['BENCH_PIPELINE_LATENCY'] ?? 50);
const RELEASE_EVERY_MS = Number(process.env['BENCH_PIPELINE_RELEASE_MS'] ?? 1000);
const INTEGRATIONS = Number(process.env['BENCH_PIPELINE_INTEGRATIONS'] ?? 10);
const PER_INTEGRATION = Number(process.env['BENCH_PIPELINE_PER_INTEGRATION'] ?? 100);
const ONLY = process.env['BENCH_PIPELINE_SCENARIOS']?.split(',').map((n) => n.trim());
/** the app's default Kaltura chunk; the baseline uses the same */
const CHUNK = 8 * MiB;

export const pipelineBench: Bench = {
  name: 'pipeline',
  async run(emit) {
    if (process.platform !== 'linux') {
      for (const name of ['pipeline_throughput_ratio', 'peak_rss_mb_100mib', 'peak_rss_mb_1gib', 'backlog_recordings_per_min', `backlog_recordings_per_min_${INTEGRATIONS}_integrations`, 'latency_p50_ms', 'latency_p95_ms']) {
        emit({ name, value: null, unit: '', skipped: 'needs Linux (/proc/<pid>/status for the peak RSS)' });
      }
      return;
    }
    const root = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
    try {
      const scenarios = { 'rss-100mib': rss100, big: bigRecording, backlog, 'backlog-integrations': backlogIntegrations, latency };
      for (const [name, run] of Object.entries(scenarios)) if (!ONLY || ONLY.includes(name)) await run(root, emit);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};

const synthetic = (name: string, recordings: SyntheticRecording[]) => syntheticFixture(recordings, { description: `bench: ${name}` });

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
  await scenario(root, 'rss-100mib', await synthetic('rss-100mib', [r]), async (s) => {
    const { peakRss } = await archiveOne(s, r, 100);
    emit({ name: 'peak_rss_mb_100mib', value: mib(peakRss), unit: 'MiB' });
  });
}

async function bigRecording(root: string, emit: Emit): Promise<void> {
  const r: SyntheticRecording = { id: `bench-${BIG_MIB}mib`, size: BIG_MIB * MiB, seed: `bench-${BIG_MIB}mib`, available: false };
  await scenario(root, 'big', await synthetic('big', [r]), async (s) => {
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
  await scenario(root, 'backlog', await synthetic('backlog', recordings), async (s) => {
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

async function backlogIntegrations(root: string, emit: Emit): Promise<void> {
  const lanes = await integrationLanes(INTEGRATIONS, PER_INTEGRATION, MiB);
  const total = lanes.recordings.length;
  await scenario(
    root,
    'backlog-integrations',
    lanes.fixture,
    async (s) => {
      await s.startApp();
      const started = performance.now();
      const entries = await until(`${total} recordings of ${INTEGRATIONS} integrations archived`, 30 * 60_000, 250, async () => {
        const all = await s.entries();
        return all.filter(archived).length >= total ? all : undefined;
      });
      const ms = performance.now() - started;
      await checkContent(entries, lanes.recordings);
      emit({ name: `backlog_recordings_per_min_${INTEGRATIONS}_integrations`, value: round1(total / (ms / 60_000)), unit: 'recordings/min', jobs: total });
    },
    { graph: (emulators) => startGraphLanes(emulators, lanes.lanes) },
  );
}

async function latency(root: string, emit: Emit): Promise<void> {
  const recordings: SyntheticRecording[] = Array.from({ length: LATENCY_COUNT }, (_, i) => ({
    id: `bench-latency-${i}`,
    size: 10 * MiB,
    seed: `bench-latency-${i}`,
    available: false,
  }));
  await scenario(root, 'latency', await synthetic('latency', recordings), async (s) => {
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
