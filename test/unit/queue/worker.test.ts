import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ManualClock, systemClock, type Clock } from '../../../api/src/clock.js';
import { createLogger } from '../../../api/src/logging/logger.js';
import { JobQueue } from '../../../api/src/queue/job-queue.js';
import { keepLease } from '../../../api/src/queue/lease-keeper.js';
import { createWorker, type JobHandler } from '../../../api/src/queue/worker.js';
import { createSecretBox } from '../../../api/src/security/secret-box.js';
import { LeaseLostError } from '../../../api/src/store/errors.js';
import { openStore } from '../../../api/src/store/open-store.js';
import type { Job } from '../../../api/src/store/model.js';
import type { Store } from '../../../api/src/store/store.js';

const silent = createLogger('silent');
/** what WORKER_CONCURRENCY and WORKER_LEASE_MS give by default */
const defaults = { concurrency: 2, leaseMs: 60_000 };

const until = async (check: () => Promise<boolean>, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('queue worker', function () {
  let dir: string;
  let store: Store;
  let queue: JobQueue;

  const open = async (clock: Clock) => {
    store = await openStore({ kind: 'sqlite', file: join(dir, 'w.sqlite') }, { clock, secretBox: createSecretBox([{ id: 'k', key: randomBytes(32) }]) });
    queue = new JobQueue({ defaultMaxAttempts: 5, jobs: store.jobs, clock, retry: { baseDelayMs: 60_000 } });
  };
  const enqueue = (key: string, kind = 'work', integrationId = 'int-a') => queue.enqueue({ kind, integrationId, idempotencyKey: key, payload: { key } });
  const job = async (key: string, kind = 'work') => (await store.jobs.list({ kind, limit: 200 })).items.find((j) => j.idempotencyKey === key) as Job;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'worker-'));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs handlers by kind, saves progress, completes, and retries a failure later', async function () {
    await open(systemClock);
    await enqueue('ok');
    await enqueue('flaky');
    const seen: string[] = [];
    const handler: JobHandler = async (j, ctx) => {
      seen.push(j.idempotencyKey);
      await ctx.saveProgress({ step: 'downloaded' });
      if (j.idempotencyKey === 'flaky') throw Object.assign(new Error('reset'), { code: 'NET_RESET', retryable: true });
      return { entryId: '0_x' };
    };
    const worker = createWorker({ ...defaults, logger: silent, queue, workerId: 'w', handlers: { work: handler }, pollMs: 20, leaseMs: 5000 });
    worker.start();
    await until(async () => (await job('ok')).state === 'completed' && (await job('flaky')).state === 'queued' && (await job('flaky')).lastError !== null, 'jobs to settle');
    await worker.stop();
    assert.deepEqual(seen.sort(), ['flaky', 'ok']);
    assert.deepEqual((await job('ok')).result, { entryId: '0_x' });
    const flaky = await job('flaky');
    assert.equal(flaky.lastError?.code, 'NET_RESET');
    assert.deepEqual(flaky.progress, { step: 'downloaded' });
    assert.ok(flaky.notBefore > Date.now() + 20_000, 'retry is backed off');
  });

  it('logs every retry of a transient fault at warn, with its cause, on a child logger naming the job', async function () {
    await open(systemClock);
    await enqueue('flaky');
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const worker = createWorker({
      ...defaults,
      logger: createLogger('info', sink),
      queue,
      workerId: 'w',
      pollMs: 20,
      handlers: { work: async () => Promise.reject(Object.assign(new Error('Graph answered 503'), { code: 'GRAPH_UNAVAILABLE', retryable: true, retryAfterMs: 30_000 })) },
    });
    worker.start();
    await until(async () => lines.some((l) => l.msg === 'job failed; it will be retried'), 'the warning');
    await worker.stop();
    const line = lines.find((l) => l.msg === 'job failed; it will be retried')!;
    assert.equal(line.level, 40, 'warn');
    const flaky = await job('flaky');
    assert.deepEqual([line.jobId, line.integrationId, line.kind], [flaky.id, 'int-a', 'work']);
    assert.deepEqual(line.cause, { code: 'GRAPH_UNAVAILABLE', message: 'Graph answered 503', retryAfterMs: 30_000 });
  });

  it('pauses the integration on a blocking error and gives the job back without using an attempt', async function () {
    await open(systemClock);
    await enqueue('a1');
    let calls = 0;
    const worker = createWorker({
      ...defaults,
      logger: silent,
      queue,
      workerId: 'w',
      pollMs: 20,
      handlers: {
        work: async () => {
          calls += 1;
          throw Object.assign(new Error('secret expired'), { code: 'SECRET_EXPIRED', retryable: false, blocking: true });
        },
      },
    });
    worker.start();
    await until(async () => (await queue.paused()).length === 1, 'the pause');
    await new Promise((r) => setTimeout(r, 150));
    await worker.stop();
    assert.equal(calls, 1, 'no hot loop on a paused integration');
    assert.deepEqual((await queue.paused()).map((p) => [p.integrationId, p.reason]), [['int-a', 'SECRET_EXPIRED']]);
    const j = await job('a1');
    assert.equal(j.state, 'queued');
    assert.equal(j.attempts, 0);
  });

  it('claims only the kinds it has handlers for', async function () {
    await open(systemClock);
    await enqueue('x', 'mystery');
    const worker = createWorker({ ...defaults, logger: silent, queue, workerId: 'w', pollMs: 20, handlers: { work: async () => undefined } });
    worker.start();
    await new Promise((r) => setTimeout(r, 100));
    await worker.stop();
    assert.equal((await job('x', 'mystery')).state, 'queued');
    const w2 = createWorker({ ...defaults, logger: silent, queue, workerId: 'w2', pollMs: 20, handlers: { mystery: async () => undefined } });
    w2.start();
    await until(async () => (await job('x', 'mystery')).state === 'completed', 'completion');
    await w2.stop();
  });

  it('renews the lease while running, and aborts the handler when the lease is lost', async function () {
    const clock = new ManualClock(Date.now());
    await open(clock);
    await enqueue('long');
    let aborted: unknown = null;
    let renewedTo = 0;
    const worker = createWorker({
      ...defaults,
      logger: silent,
      queue,
      workerId: 'w',
      pollMs: 20,
      leaseMs: 90,
      handlers: {
        work: (j, ctx) =>
          new Promise((_, reject) => {
            const check = setInterval(async () => {
              const current = await store.jobs.get(j.id);
              renewedTo = Math.max(renewedTo, current?.leaseExpiresAt ?? 0);
            }, 10);
            ctx.signal.addEventListener('abort', () => {
              clearInterval(check);
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      },
    });
    worker.start();
    await until(async () => (await job('long')).state === 'active', 'the claim');
    const claimedAt = (await job('long')).leaseExpiresAt!;
    clock.advance(40);
    await until(async () => renewedTo > claimedAt, 'a renewal');
    // The worker "froze": its lease expires and another process takes the job.
    clock.advance(1000);
    await queue.recoverStalled();
    const thief = await queue.claim({ workerId: 'other', leaseMs: 60_000 });
    assert.ok(thief);
    await until(async () => aborted !== null, 'the abort');
    await worker.stop();
    assert.ok(aborted instanceof LeaseLostError);
    const after = await job('long');
    assert.equal(after.leaseOwner, 'other', 'the old worker did not touch the job after losing it');
    assert.equal(after.state, 'active');
  });

  it('on stop, gives running jobs back to the queue without using their attempt', async function () {
    await open(systemClock);
    await enqueue('slow');
    let started = false;
    const worker = createWorker({
      ...defaults,
      logger: silent,
      queue,
      workerId: 'w',
      pollMs: 20,
      handlers: {
        work: (_j, ctx) =>
          new Promise((_, reject) => {
            started = true;
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      },
    });
    worker.start();
    await until(async () => started, 'the handler');
    await worker.stop();
    const j = await job('slow');
    assert.equal(j.state, 'queued');
    assert.equal(j.attempts, 0);
    assert.equal(j.lastError, null);
  });

  it('keepLease reports a lost lease through its signal', async function () {
    await open(systemClock);
    await enqueue('k');
    const claimed = await queue.claim({ workerId: 'w', leaseMs: 1000 });
    assert.ok(claimed);
    const keeper = keepLease(queue, claimed, { leaseMs: 1000, renewEveryMs: 10 });
    await until(async () => keeper.current().rev > claimed.rev, 'a renewal');
    await queue.complete(claimed);
    await until(async () => keeper.signal.aborted, 'the abort');
    assert.ok(keeper.signal.reason instanceof LeaseLostError);
    keeper.stop();
  });
});
