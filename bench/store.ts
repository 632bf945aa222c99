import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../api/src/clock.js';
import { createSecretBox } from '../api/src/security/secret-box.js';
import { openStore } from '../api/src/store/open-store.js';
import type { StoreOptions } from '../api/src/store/store.js';
import type { Bench, Emit } from './metric.js';
import { FERRETDB_HOW_TO, findFerretDb, startFerretDb } from './support/ferretdb-server.js';

/**
 * Store throughput on each adapter: enqueue N jobs (16 in flight, as concurrent webhook requests
 * would), then claim → complete all of them with 4 concurrent workers. Jobs are spread over 10
 * integrations so the fairness path is exercised.
 *
 * N is 10,000 (BENCH_STORE_JOBS) on SQLite and on a real MongoDB (MONGODB_URI). On FerretDB 1.24 it is
 * 1,000 (BENCH_STORE_FERRETDB_JOBS): its SQLite backend uses no index for reads, updates or deletes
 * (its `_id` index expression does not match its own queries), so each operation scans the collection
 * and 10,000 jobs would take most of an hour. Its figures show the protocol path works, not MongoDB's speed.
 */
const JOBS = Number(process.env['BENCH_STORE_JOBS'] ?? 10_000);
const FERRETDB_JOBS = Number(process.env['BENCH_STORE_FERRETDB_JOBS'] ?? 1_000);
const INTEGRATIONS = 10;
const ENQUEUE_IN_FLIGHT = 16;
const WORKERS = 4;

export const storeBench: Bench = {
  name: 'store',
  async run(emit) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
    try {
      await measure('store.sqlite', { kind: 'sqlite', file: join(dir, 'bench.sqlite') }, JOBS, emit);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const uri = process.env['MONGODB_URI'];
    if (uri) {
      await measure('store.mongodb', { kind: 'mongodb', uri, dbName: `bench_${randomBytes(4).toString('hex')}` }, JOBS, emit, true);
      return;
    }
    const ferret = findFerretDb();
    if (!ferret.found) {
      emit({ name: 'store.mongodb', value: null, unit: 'jobs/s', jobs: 0, skipped: `${ferret.reason}; ${FERRETDB_HOW_TO}` });
      return;
    }
    const server = await startFerretDb(ferret.path);
    try {
      await measure('store.mongodb-ferretdb', { kind: 'mongodb', uri: server.uri, dbName: 'bench' }, FERRETDB_JOBS, emit, false);
    } finally {
      await server.stop();
    }
  },
};

async function measure(prefix: string, options: StoreOptions, jobs: number, emit: Emit, dropAfter = false): Promise<void> {
  const store = await openStore(options, { clock: systemClock, secretBox: createSecretBox([{ id: 'bench', key: randomBytes(32) }]) });
  try {
    let next = 0;
    let started = performance.now();
    await Promise.all(
      Array.from({ length: ENQUEUE_IN_FLIGHT }, async () => {
        for (let i = next++; i < jobs; i = next++) {
          await store.jobs.enqueue({
            kind: 'ingest-recording',
            integrationId: `int-${i % INTEGRATIONS}`,
            idempotencyKey: `bench:${i}`,
            payload: { meetingId: `meeting-${i}`, recordingId: `recording-${i}`, organizerId: 'user-1' },
          });
        }
      }),
    );
    emit({ name: `${prefix}.enqueue`, value: rate(jobs, started), unit: 'jobs/s', jobs });

    let done = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        for (;;) {
          const job = await store.jobs.claim({ workerId: `bench-${w}`, leaseMs: 60_000, maxActivePerIntegration: 8 });
          if (!job) return;
          await store.jobs.complete(job, { entryId: `0_${done}` });
          done += 1;
        }
      }),
    );
    if (done !== jobs) throw new Error(`${prefix}: completed ${done} of ${jobs} jobs`);
    emit({ name: `${prefix}.claim_complete`, value: rate(jobs, started), unit: 'jobs/s', jobs });
  } finally {
    if (dropAfter) await dropDatabase(options);
    await store.close();
  }
}

async function dropDatabase(options: StoreOptions): Promise<void> {
  if (options.kind !== 'mongodb') return;
  const { MongoClient } = await import('mongodb');
  const client = await new MongoClient(options.uri).connect();
  try {
    await client.db(options.dbName).dropDatabase();
  } finally {
    await client.close();
  }
}

function rate(count: number, startedAt: number): number {
  return Math.round((count / ((performance.now() - startedAt) / 1000)) * 10) / 10;
}
