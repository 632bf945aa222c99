import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../api/src/clock.js';
import { createDuties, DUTIES, startScheduler, type Duties, type DutyDeps, type DutyPeriods } from '../../../api/src/ingestion/duties.js';
import { dutyJob, SYSTEM_LANE } from '../../../api/src/ingestion/job-kinds.js';
import { createLogger } from '../../../api/src/logging/logger.js';
import { JobQueue } from '../../../api/src/queue/job-queue.js';
import { openStore } from '../../../api/src/store/open-store.js';
import type { Store } from '../../../api/src/store/store.js';
import { testKeys } from '../../contract/harness-keys.js';

/**
 * Scheduled duties run once per period however many workers there are: every worker's timer enqueues
 * the duty job of the current period, and the key makes those one job.
 */
describe('scheduled duties', () => {
  let dir: string;
  let stores: Store[];
  const periods: DutyPeriods = { subscriptionsMs: 400, sweepMs: 400, healthMs: 400, secretExpiryMs: 400, purgeMs: 400 };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duties-'));
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('three workers sharing a database queue each duty once per period, their start counting as the period\'s', async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T00:00:00.100Z'));
    const keys = testKeys();
    for (let i = 0; i < 3; i += 1) stores.push(await openStore({ kind: 'sqlite', file: join(dir, 'db.sqlite') }, { clock, secretBox: keys.box }));
    // the duties' own work is not under test here, only how often it is queued
    const duties = (now: () => number): Duties =>
      ({
        jobFor: (name: string, at = now()) => dutyJob(name, 400, at),
        startJobFor: (name: string, at: number) => dutyJob(name, 1, at, 'start'),
      }) as unknown as Duties;
    const stops = stores.map((s) => startScheduler(duties(() => clock.now()), new JobQueue({ defaultMaxAttempts: 5, jobs: s.jobs, clock }), periods, createLogger('silent'), () => clock.now()));
    try {
      await new Promise((r) => setTimeout(r, 450)); // at least two ticks of every worker's timers
      clock.advance(400); // the next period begins
      await new Promise((r) => setTimeout(r, 450));
    } finally {
      stops.forEach((stop) => stop());
    }
    const jobs = (await stores[0]!.jobs.list({ integrationId: SYSTEM_LANE, limit: 200 })).items;
    for (const name of DUTIES) {
      const mine = jobs.filter((j) => (j.payload as { duty: string }).duty === name);
      assert.equal(mine.length, 2, `${name}: two periods, across three workers (${mine.map((j) => j.idempotencyKey).join(', ')})`);
    }

    // the period's jobs are done; a worker that restarts now checks the subscriptions again, and only those
    const queue = new JobQueue({ defaultMaxAttempts: 5, jobs: stores[0]!.jobs, clock });
    for (let job = await queue.claim({ workerId: 'w', leaseMs: 10_000 }); job; job = await queue.claim({ workerId: 'w', leaseMs: 10_000 })) await queue.complete(job);
    clock.advance(1); // still the same period, whose jobs are done
    const stop = startScheduler(duties(() => clock.now()), queue, periods, createLogger('silent'), () => clock.now());
    await new Promise((r) => setTimeout(r, 100));
    stop();
    const starts = (await stores[0]!.jobs.list({ integrationId: SYSTEM_LANE, limit: 200 })).items.filter((j) => j.idempotencyKey.includes(':start:'));
    assert.deepEqual(starts.map((j) => (j.payload as { duty: string }).duty), ['subscriptions']);
  });

  it('the purge duty deletes finished jobs older than the retention, and keeps the rest', async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
    const store = await openStore({ kind: 'sqlite', file: join(dir, 'purge.sqlite') }, { clock, secretBox: testKeys().box });
    stores.push(store);
    const queue = new JobQueue({ defaultMaxAttempts: 5, jobs: store.jobs, clock });
    const day = 86_400_000;
    const duties = createDuties({
      store,
      queue,
      // no integration exists, so the other duties have nothing to touch
      subscriptions: {} as DutyDeps['subscriptions'],
      health: { jobs: store.jobs, integrations: store.integrations } as unknown as DutyDeps['health'],
      clock,
      logger: createLogger('silent'),
      periods,
      retentionMs: 14 * day,
    });
    await queue.enqueue({ kind: 'k', integrationId: 'int-a', idempotencyKey: 'old', payload: {} });
    await queue.complete((await queue.claim({ workerId: 'w', leaseMs: 1000 }))!);
    clock.advance(10 * day);
    await queue.enqueue({ kind: 'k', integrationId: 'int-a', idempotencyKey: 'recent', payload: {} });
    await queue.complete((await queue.claim({ workerId: 'w', leaseMs: 1000 }))!);
    await queue.enqueue({ kind: 'k', integrationId: 'int-a', idempotencyKey: 'waiting', payload: {} });
    clock.advance(5 * day);
    await duties.runAll();
    const left = (await store.jobs.list({ integrationId: 'int-a' })).items.map((j) => j.idempotencyKey).sort();
    assert.deepEqual(left, ['recent', 'waiting']);
  });
});
