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
import { FERRETDB_HOW_TO, FERRETDB_VERSION, findFerretDb, startFerretDb } from '../sandbox/ferretdb-server.js';
import { findPostgres, POSTGRES_HOW_TO, startPostgres } from './support/postgres-server.js';

/**
 * Store throughput on each adapter: enqueue N jobs (16 in flight, as concurrent webhook requests
 * would), then claim → complete all of them with 4 concurrent workers. Jobs are spread over 10
 * integrations so the fairness path is exercised.
 *
 * N is 10,000 (BENCH_STORE_JOBS) on SQLite and on the MongoDB adapter. The MongoDB adapter runs
 * against MONGODB_URI when set, else against a FerretDB on a PostgreSQL started here: FerretDB's
 * PostgreSQL backend filters in SQL, so its figures are those of a real deployment. FerretDB on its
 * SQLite backend (the contract suite's server) decodes every document of a collection for each query;
 * it is measured too, with 500 jobs (BENCH_STORE_FERRETDB_SQLITE_JOBS, 0 to leave out), so
 * nobody mistakes it for a production choice.
 */
export interface StoreBenchOptions {
  jobs: number;
  ferretDbSqliteJobs: number;
  /** a MongoDB to measure instead of the FerretDB on PostgreSQL */
  mongodbUri?: string;
}

const INTEGRATIONS = 10;
const ENQUEUE_IN_FLIGHT = 16;
const WORKERS = 4;

export function createStoreBench(options: StoreBenchOptions): Bench {
  return {
    name: 'store',
    async run(emit) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
      try {
        await measure('store.sqlite', { kind: 'sqlite', file: join(dir, 'bench.sqlite') }, options.jobs, emit, 'better-sqlite3');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      if (options.mongodbUri) {
        const dbName = `bench_${randomBytes(4).toString('hex')}`;
        await measure('store.mongodb', { kind: 'mongodb', uri: options.mongodbUri, dbName }, options.jobs, emit, 'MONGODB_URI', true);
      } else {
        await onFerretDbPostgres(emit, (uri, server) => measure('store.mongodb', { kind: 'mongodb', uri, dbName: 'bench' }, options.jobs, emit, server));
      }

      if (options.ferretDbSqliteJobs > 0) await ferretDbSqlite(options.ferretDbSqliteJobs, emit);
    },
  };
}

export const storeBench = createStoreBench({
  jobs: Number(process.env['BENCH_STORE_JOBS'] ?? 10_000),
  ferretDbSqliteJobs: Number(process.env['BENCH_STORE_FERRETDB_SQLITE_JOBS'] ?? 500),
  ...(process.env['MONGODB_URI'] ? { mongodbUri: process.env['MONGODB_URI'] } : {}),
});

async function onFerretDbPostgres(emit: Emit, body: (uri: string, server: string) => Promise<void>): Promise<void> {
  const ferret = findFerretDb();
  const postgres = findPostgres();
  if (!ferret.found || !postgres.found) {
    const missing = [!ferret.found && `${ferret.reason}: ${FERRETDB_HOW_TO}`, !postgres.found && `${postgres.reason}: ${POSTGRES_HOW_TO}`];
    const skipped = `needs FerretDB and PostgreSQL, or MONGODB_URI; ${missing.filter(Boolean).join('; ')}`;
    for (const step of ['enqueue', 'claim_complete']) emit({ name: `store.mongodb.${step}`, value: null, unit: 'jobs/s', jobs: 0, skipped });
    return;
  }
  const pg = await startPostgres(postgres);
  try {
    const server = await startFerretDb(ferret.path, { kind: 'postgresql', url: pg.url });
    try {
      await body(server.uri, `FerretDB ${FERRETDB_VERSION} on PostgreSQL ${pg.version}`);
    } finally {
      await server.stop();
    }
  } finally {
    await pg.stop();
  }
}

async function ferretDbSqlite(jobs: number, emit: Emit): Promise<void> {
  const ferret = findFerretDb();
  if (!ferret.found) {
    const skipped = `${ferret.reason}; ${FERRETDB_HOW_TO}`;
    for (const step of ['enqueue', 'claim_complete']) emit({ name: `store.mongodb-ferretdb-sqlite.${step}`, value: null, unit: 'jobs/s', jobs: 0, skipped });
    return;
  }
  const server = await startFerretDb(ferret.path);
  try {
    await measure('store.mongodb-ferretdb-sqlite', { kind: 'mongodb', uri: server.uri, dbName: 'bench' }, jobs, emit, `FerretDB ${FERRETDB_VERSION} on SQLite`);
  } finally {
    await server.stop();
  }
}

async function measure(prefix: string, options: StoreOptions, jobs: number, emit: Emit, server: string, dropAfter = false): Promise<void> {
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
    emit({ name: `${prefix}.enqueue`, value: rate(jobs, started), unit: 'jobs/s', jobs, server });

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
    emit({ name: `${prefix}.claim_complete`, value: rate(jobs, started), unit: 'jobs/s', jobs, server });
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
