import assert from 'node:assert/strict';
import { createStoreBench } from '../../bench/store.js';
import type { Metric } from '../../bench/metric.js';
import { findFerretDb } from '../../sandbox/ferretdb-server.js';
import { findPostgres } from '../../bench/support/postgres-server.js';

/**
 * `npm run bench`'s store figures, on a small queue: every adapter and server the bench measures
 * must start, run all the jobs and print a figure. (How fast is the bench's business, not a test's.)
 */
describe('store bench', function () {
  this.timeout(300_000);

  it('prints enqueue and claim→complete figures for SQLite, FerretDB on PostgreSQL and FerretDB on SQLite', async function () {
    const tools = [findFerretDb(), findPostgres()];
    const absent = tools.filter((t) => !t.found).map((t) => (t.found ? '' : t.reason));
    if (absent.length > 0 && !process.env['CI']) {
      console.warn(`\n!! SKIPPING the store bench check: ${absent.join('; ')} (see bench/support/*-server.ts)\n`);
      return this.skip();
    }

    const metrics: Metric[] = [];
    await createStoreBench({ jobs: 300, ferretDbSqliteJobs: 60 }).run((m) => metrics.push(m));

    assert.deepEqual(
      metrics.map((m) => m.name),
      [
        'store.sqlite.enqueue',
        'store.sqlite.claim_complete',
        'store.mongodb.enqueue',
        'store.mongodb.claim_complete',
        'store.mongodb-ferretdb-sqlite.enqueue',
        'store.mongodb-ferretdb-sqlite.claim_complete',
      ],
    );
    for (const m of metrics) {
      assert.equal(m.skipped, undefined, `${m.name} skipped: ${m.skipped}`);
      assert.ok(typeof m.value === 'number' && m.value > 0, `${m.name} = ${m.value}`);
      assert.equal(m.unit, 'jobs/s');
      assert.equal(m.jobs, m.name.includes('ferretdb-sqlite') ? 60 : 300);
    }
    assert.match(metrics[2]!.server ?? '', /^FerretDB v1\.24\.2 on PostgreSQL \d+/);
    // A JSON line each, as `npm run bench` prints them.
    for (const m of metrics) assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  });
});
