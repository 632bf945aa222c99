import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../sandbox/process-utils.js';
import { spawnApp, type AppProcess } from '../sandbox/app-process.js';
import type { Bench } from './metric.js';

/**
 * Memory under held-open request bodies: BENCH_SLOW_BODIES_SOCKETS (600) loopback sockets each send a
 * Graph notification's headers with Content-Length 1 MiB and all of the body but its last KiB, then
 * hold the connection for BENCH_SLOW_BODIES_HOLD_MS (5000) ms. The app runs as its own process (built
 * JavaScript from dist/), on SQLite in a temporary directory, with no integrations and every outbound
 * URL on a closed loopback port, so nothing but these sockets touches it.
 *
 *  - idle_rss_mb: the app's resident set, settled after start-up, before any socket opens.
 *  - peak_rss_mb_600_slow_bodies: the app's peak resident set (VmHWM) from then until the sockets
 *    close; the high-water mark is reset at idle (/proc/<pid>/clear_refs) so start-up does not count,
 *    else the largest resident set sampled every 50 ms is printed.
 * How the sockets were answered (503 budget exhausted, 408 stalled, still held…) goes to stderr.
 */
const MiB = 1024 * 1024;
const SOCKETS = Number(process.env['BENCH_SLOW_BODIES_SOCKETS'] ?? 600);
const HOLD_MS = Number(process.env['BENCH_SLOW_BODIES_HOLD_MS'] ?? 5_000);
/** sockets connecting at once, under the listen backlog */
const CONNECT_IN_FLIGHT = 50;
const SETTLE_MS = 2_000;

async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** resets VmHWM to the current RSS (Linux 4.0+); false where that is not allowed */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return (await statusKb(pid, 'VmHWM')) <= (await statusKb(pid, 'VmRSS')) + 1024;
  } catch {
    return false;
  }
}

interface Held {
  socket: Socket;
  answer: string;
  closed: boolean;
}

function openSlowBody(port: number, head: Buffer, body: Buffer): Promise<Held> {
  return new Promise((resolve) => {
    const held: Held = { socket: connect(port, '127.0.0.1'), answer: '', closed: false };
    held.socket.on('data', (d: Buffer) => {
      if (held.answer.length < 64) held.answer += d.toString('latin1', 0, 64);
    });
    held.socket.on('error', () => undefined);
    held.socket.once('close', () => {
      held.closed = true;
      resolve(held);
    });
    held.socket.once('connect', () => {
      held.socket.write(head);
      held.socket.write(body);
      resolve(held);
    });
  });
}

function tally(all: Held[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const h of all) {
    const status = /^HTTP\/1\.1 (\d{3})/.exec(h.answer)?.[1];
    const key = status ? `answered_${status}` : h.closed ? 'closed_unanswered' : 'held_open';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function attack(app: AppProcess, port: number): Promise<{ peakKb: number; counts: Record<string, number> }> {
  const head = Buffer.from(
    `POST /api/graph/notifications HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n`,
  );
  const body = Buffer.alloc(MiB - 1024, 0x20); // one buffer for every socket: the bench holds 1 MiB, not 600
  const reset = await resetPeak(app.pid);
  let sampledKb = await statusKb(app.pid, 'VmRSS');
  const sampler = setInterval(() => {
    statusKb(app.pid, 'VmRSS').then((kb) => (sampledKb = Math.max(sampledKb, kb)), () => undefined);
  }, 50);
  const all: Held[] = [];
  try {
    for (let i = 0; i < SOCKETS; i += CONNECT_IN_FLIGHT) {
      const batch = Array.from({ length: Math.min(CONNECT_IN_FLIGHT, SOCKETS - i) }, () => openSlowBody(port, head, body));
      all.push(...(await Promise.all(batch)));
    }
    await new Promise((r) => setTimeout(r, HOLD_MS));
    const counts = tally(all);
    const peakKb = reset ? await statusKb(app.pid, 'VmHWM') : Math.max(sampledKb, await statusKb(app.pid, 'VmRSS'));
    return { peakKb, counts };
  } finally {
    clearInterval(sampler);
    for (const h of all) h.socket.destroy();
  }
}

export const slowBodiesBench: Bench = {
  name: 'slow-bodies',
  async run(emit) {
    if (process.platform !== 'linux') {
      for (const name of ['idle_rss_mb', 'peak_rss_mb_600_slow_bodies']) {
        emit({ name, value: null, unit: 'MiB', skipped: 'needs Linux (/proc/<pid>/status for the RSS)' });
      }
      return;
    }
    const root = await mkdtemp(join(tmpdir(), 'bench-slow-bodies-'));
    let app: AppProcess | undefined;
    try {
      const port = await freePort();
      const nowhere = 'http://127.0.0.1:9';
      app = await spawnApp({
        ARCHIVER_MODE: 'sandbox',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(root, 'data'),
        LOG_LEVEL: 'warn',
        ENTRA_AUTHORITY_HOST: nowhere,
        GRAPH_BASE_URL: nowhere,
        KALTURA_SERVICE_URL: nowhere,
        BOT_CONNECTOR_URL: `${nowhere}/`,
      });
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const idleKb = await statusKb(app.pid, 'VmRSS');
      const { peakKb, counts } = await attack(app, port);
      process.stderr.write(`slow-bodies: ${SOCKETS} sockets, after ${HOLD_MS} ms: ${JSON.stringify(counts)}\n`);
      emit({ name: 'idle_rss_mb', value: Math.round(idleKb / 102.4) / 10, unit: 'MiB' });
      emit({ name: 'peak_rss_mb_600_slow_bodies', value: Math.round(peakKb / 102.4) / 10, unit: 'MiB', jobs: SOCKETS });
    } finally {
      await app?.stop();
      await rm(root, { recursive: true, force: true });
    }
  },
};
