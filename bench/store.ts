import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../api/src/clock.js';
import { createSecretBox } from '../api/src/security/secret-box.js';
import { openStore } from '../api/src/store/open-store.js';
import type { Store, StoreOptions } from '../api/src/store/store.js';
import type { Bench, Emit } from './metric.js';
import { FERRETDB_HOW_TO, findFerretDb, startFerretDb } from './support/ferretdb-server.js';

/**
 * Store throughput on each adapter: enqueue N jobs (16 in flight, as concurrent webhook requests
 * would), then claim → complete all of them with 4 concurrent workers. N defaults to 10,000
 * (BENCH_STORE_JOBS overrides); jobs are spread over 10 integrations so the fairness path is exercised.
 */
const JOBS = Number(process.env['BENCH_STORE_JOBS'] ?? 10_000);
const INTEGRATIONS = 10;
const ENQUEUE_IN_FLIGHT = 16;
const WORKERS = 4;

export const storeBench: Bench = {
  name: 'store',
  async run(emit) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
    try {
      await measure('store.sqlite', { kind: 'sqlite', file: join(dir, 'bench.sqlite') }, emit);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const uri = process.env['MONGODB_URI'];
    if (uri) {
      await measure('store.mongodb', { kind: 'mongodb', uri, dbName: `bench_${randomBytes(4).toString('hex')}` }, emit, true);
      return;
    }
    const ferret = findFerretDb();
    if (!ferret.found) {
      emit({ name: 'store.mongodb', value: null, unit: 'jobs/s', skipped: `${ferret.reason}; ${FERRETDB_HOW_TO}` });
      return;
    }
    const server = await startFerretDb(ferret.path);
    try {
      await measure('store.mongodb-ferretdb', { kind: 'mongodb', uri: server.uri, dbName: 'bench' }, emit, false);
    } finally {
      await server.stop();
    }
  },
};

async function measure(prefix: string, options: StoreOptions, emit: Emit, dropAfter = false): Promise<void> {
  const store = await openStore(options, { clock: systemClock, secretBox: createSecretBox([{ id: 'bench', key: randomBytes(32) }]) });
  try {
    let next = 0;
    let started = performance.now();
    await Promise.all(
      Array.from({ length: ENQUEUE_IN_FLIGHT }, async () => {
        for (let i = next++; i < JOBS; i = next++) {
          await store.jobs.enqueue({
            kind: 'ingest-recording',
            integrationId: `int-${i % INTEGRATIONS}`,
            idempotencyKey: `bench:${i}`,
            payload: { meetingId: `meeting-${i}`, recordingId: `recording-${i}`, organizerId: 'user-1' },
          });
        }
      }),
    );
    emit({ name: `${prefix}.enqueue`, value: rate(JOBS, started), unit: 'jobs/s' });

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
    if (done !== JOBS) throw new Error(`${prefix}: completed ${done} of ${JOBS} jobs`);
    emit({ name: `${prefix}.claim_complete`, value: rate(JOBS, started), unit: 'jobs/s' });
  } finally {
    if (dropAfter) await dropDatabase(store, options);
    await store.close();
  }
}

async function dropDatabase(_store: Store, options: StoreOptions): Promise<void> {
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
