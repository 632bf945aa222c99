/**
 * The Store contract: one suite, run against every adapter (sqlite-store.test.ts, mongo-store.test.ts).
 * A harness factory gives each test a fresh, empty database.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../api/src/clock.js';
import { JobQueue } from '../../api/src/queue/job-queue.js';
import type { SecretBox } from '../../api/src/security/secret-box.js';
import {
  JobStateError,
  LeaseLostError,
  NotFoundError,
  StoreValidationError,
  VersionConflictError,
} from '../../api/src/store/errors.js';
import type { ActiveJob, Job, NewIntegration } from '../../api/src/store/model.js';
import type { Store, StoreOptions } from '../../api/src/store/store.js';
import { runClaimWorkers } from './claim-workers.js';

export interface StoreHarness {
  store: Store;
  clock: ManualClock;
  /** another Store on the same database, as a second process would have */
  openAnother(overrides?: { secretBox?: SecretBox }): Promise<Store>;
  /** how a child process opens the same database */
  childOptions: StoreOptions;
  /** the secret key list the store was opened with (for child processes) */
  secretKeys: string;
  /** every byte stored, as text, to check no secret is there in clear */
  rawDump(): Promise<string>;
  /** how many records the jobs and their history take (SQLite: job rows; MongoDB: jobs and their revisions) */
  storedJobRecords(): Promise<number>;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** makes a secret box with a new current key that can still open the old envelopes */
  rotatedBox(): SecretBox;
  /** jobs for the separate-process claim test */
  processJobs: number;
}

const SECRET = 'entra-client-secret-Zq8~verysecret';
const APP_TOKEN = 'kaltura-app-token-4f1e9b0c5d';

const integrationInput = (name = 'Contoso'): NewIntegration => ({
  name,
  tenantId: 'tenant-1',
  appClientId: 'client-1',
  appClientSecret: SECRET,
  kaltura: { partnerId: 1234, serviceUrl: 'https://kaltura.example', appTokenId: '0_tok', appToken: APP_TOKEN },
  settings: { categories: ['MediaSpace>site>channels>Teams'], 'odd.key': { $weird: true } },
});

const LEASE = 30_000;

export function storeContract(name: string, factory: () => Promise<StoreHarness>, options: ContractOptions): void {
  describe(`Store contract: ${name}`, function () {
    let h: StoreHarness;
    let store: Store;
    let clock: ManualClock;
    let queue: JobQueue;
    const others: Store[] = [];

    const another = async (overrides?: { secretBox?: SecretBox }) => {
      const s = await h.openAnother(overrides);
      others.push(s);
      return s;
    };
    const enqueue = (key: string, integrationId = 'int-a', extra: Partial<Parameters<JobQueue['enqueue']>[0]> = {}) =>
      queue.enqueue({ kind: 'ingest-recording', integrationId, idempotencyKey: key, payload: { recordingId: key }, ...extra });
    const claim = (workerId = 'w1', extra: Partial<Parameters<JobQueue['claim']>[0]> = {}) =>
      queue.claim({ workerId, leaseMs: LEASE, ...extra });
    const mustClaim = async (workerId = 'w1', extra: Partial<Parameters<JobQueue['claim']>[0]> = {}): Promise<ActiveJob> => {
      const job = await claim(workerId, extra);
      assert.ok(job, 'expected a job to claim');
      return job;
    };

    beforeEach(async function () {
      h = await factory();
      store = h.store;
      clock = h.clock;
      queue = new JobQueue({ defaultMaxAttempts: 5, jobs: store.jobs, clock, random: () => 0.5, maxStalledCount: 1 });
    });

    afterEach(async function () {
      await Promise.all(others.splice(0).map((s) => s.close()));
      await h.close();
    });

    describe('schema', function () {
      it('migrates an empty database to the newest schema, and a reopen keeps data and version', async function () {
        const info = await store.info();
        assert.ok(info.latestSchemaVersion >= 1);
        assert.equal(info.schemaVersion, info.latestSchemaVersion);
        await enqueue('persist-me');
        await store.cursors.set('int-a', 'recordings', 'delta-1');
        const reopened = await another();
        assert.deepEqual(await reopened.info(), info);
        assert.equal((await reopened.jobs.list({})).items.length, 1);
        assert.equal((await reopened.cursors.get('int-a', 'recordings'))?.value, 'delta-1');
        await reopened.ping();
      });
    });

    describe('integrations', function () {
      it('keeps secrets sealed: reads never include them, getSecrets opens them, storage holds no clear text', async function () {
        const created = await store.integrations.create(integrationInput());
        assert.equal(created.version, 1);
        assert.equal(created.kaltura.credential, 'appToken');
        assert.equal(created.hasAppClientSecret, true);
        const read = await store.integrations.get(created.id);
        assert.deepEqual(read, created);
        assert.deepEqual(read?.settings, integrationInput().settings);
        const text = JSON.stringify([read, await store.integrations.list()]);
        assert.ok(!text.includes(SECRET) && !text.includes(APP_TOKEN), 'a read returned a secret');
        assert.deepEqual(await store.integrations.getSecrets(created.id), {
          appClientSecret: SECRET,
          kalturaAppToken: APP_TOKEN,
          kalturaAdminSecret: null,
        });
        const raw = await h.rawDump();
        assert.ok(raw.includes(created.id), 'the raw dump should contain the stored record');
        assert.ok(!raw.includes(SECRET) && !raw.includes(APP_TOKEN), 'a secret is stored in clear');
      });

      it('updates with optimistic concurrency; a stale version conflicts', async function () {
        const created = await store.integrations.create(integrationInput());
        const updated = await store.integrations.update(created.id, 1, { name: 'Renamed', appClientSecret: 'new-secret-value' });
        assert.equal(updated.version, 2);
        assert.equal(updated.name, 'Renamed');
        await assert.rejects(store.integrations.update(created.id, 1, { name: 'Lost' }), VersionConflictError);
        await assert.rejects(store.integrations.update('int_missing', 1, { name: 'x' }), NotFoundError);
        assert.equal((await store.integrations.getSecrets(created.id))?.appClientSecret, 'new-secret-value');
        const switched = await store.integrations.update(created.id, 2, { kaltura: { adminSecret: 'admin-secret-value' } });
        assert.equal(switched.kaltura.credential, 'adminSecret');
        assert.deepEqual(await store.integrations.getSecrets(created.id), {
          appClientSecret: 'new-secret-value',
          kalturaAppToken: null,
          kalturaAdminSecret: 'admin-secret-value',
        });
        await assert.rejects(store.integrations.create({ ...integrationInput(), name: '' }), StoreValidationError);
      });

      it('records health without bumping the version, compare-and-set on its rev, and an admin update keeps it', async function () {
        const created = await store.integrations.create(integrationInput());
        assert.equal(created.health.rev, 0);
        clock.advance(1000);
        const problem = { code: 'SECRET_EXPIRED', severity: 'error' as const, message: 'expired', fix: 'replace it', since: clock.now() };
        const health = {
          state: 'error' as const,
          error: { code: 'SECRET_EXPIRED', message: 'expired', fix: 'replace it', at: clock.now() },
          problems: [problem],
          checkedAt: clock.now(),
          lastSuccessAt: null,
          secretExpiresAt: clock.now() + 86_400_000,
        };
        const withHealth = await store.integrations.setHealth(created.id, health, 0);
        assert.ok(withHealth);
        assert.deepEqual(withHealth.health, { ...health, rev: 1 });
        assert.equal(withHealth.version, 1);
        assert.equal(withHealth.updatedAt, clock.now());
        // a writer that read rev 0 lost: nothing changes
        const stale = await store.integrations.setHealth(created.id, { ...health, state: 'ok', error: null, problems: [] }, 0);
        assert.equal(stale, null);
        assert.equal((await store.integrations.get(created.id))?.health.state, 'error');
        const edited = await store.integrations.update(created.id, 1, { enabled: false });
        assert.deepEqual(edited.health, { ...health, rev: 1 });
        assert.equal((await store.integrations.get(created.id))?.enabled, false);
        await assert.rejects(store.integrations.setHealth('int_missing', health, 0), NotFoundError);
      });

      it('health compare-and-set: of writers racing from two handles on one rev, exactly one wins', async function () {
        const created = await store.integrations.create(integrationInput());
        const second = await h.openAnother();
        try {
          const health = (code: string) => ({
            state: 'warning' as const,
            error: { code, message: code, fix: null, at: clock.now() },
            problems: [{ code, severity: 'warning' as const, message: code, fix: null, since: clock.now() }],
            checkedAt: null,
            lastSuccessAt: null,
            secretExpiresAt: null,
          });
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 ? store : second).integrations.setHealth(created.id, health(`W${i}`), 0)),
          );
          const winners = results.filter((r) => r !== null);
          assert.equal(winners.length, 1, `${winners.length} writers won the same rev`);
          const stored = (await store.integrations.get(created.id))!.health;
          assert.equal(stored.rev, 1);
          assert.equal(stored.error!.code, winners[0]!.health.error!.code);
        } finally {
          await second.close();
        }
      });

      it('re-seals secrets under a rotated key, and deletes', async function () {
        const a = await store.integrations.create(integrationInput('A'));
        await store.integrations.create(integrationInput('B'));
        const rotated = await another({ secretBox: options.rotatedBox() });
        assert.equal(await rotated.integrations.resealSecrets(), 2);
        assert.equal(await rotated.integrations.resealSecrets(), 0);
        assert.equal((await rotated.integrations.getSecrets(a.id))?.appClientSecret, SECRET);
        assert.equal(await store.integrations.delete(a.id), true);
        assert.equal(await store.integrations.delete(a.id), false);
        assert.deepEqual((await store.integrations.list()).map((i) => i.name), ['B']);
      });
    });

    describe('jobs: enqueue', function () {
      it('makes one job per idempotency key, whatever state the first is in', async function () {
        const first = await enqueue('rec-1');
        assert.equal(first.created, true);
        assert.equal(first.job.state, 'queued');
        const again = await queue.enqueue({ kind: 'ingest-recording', integrationId: 'int-a', idempotencyKey: 'rec-1', payload: { other: 1 } });
        assert.equal(again.created, false);
        assert.equal(again.job.id, first.job.id);
        assert.deepEqual(again.job.payload, { recordingId: 'rec-1' });
        const job = await mustClaim();
        await queue.complete(job);
        const afterDone = await enqueue('rec-1');
        assert.equal(afterDone.created, false);
        assert.equal(afterDone.job.state, 'completed');
        assert.equal((await store.jobs.list({})).items.length, 1);
      });

      it('makes one job when the same key is enqueued concurrently from two stores', async function () {
        const second = await another();
        const secondQueue = new JobQueue({ defaultMaxAttempts: 5, jobs: second.jobs, clock });
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? queue : secondQueue).enqueue({ kind: 'sweep', integrationId: 'int-a', idempotencyKey: 'same', payload: { i } }),
          ),
        );
        assert.equal(results.filter((r) => r.created).length, 1);
        assert.equal(new Set(results.map((r) => r.job.id)).size, 1);
        assert.equal((await store.jobs.countByState()).queued, 1);
      });

      it('refuses malformed jobs', async function () {
        await assert.rejects(queue.enqueue({ kind: '', integrationId: 'a', idempotencyKey: 'k', payload: {} }), StoreValidationError);
        await assert.rejects(queue.enqueue({ kind: 'k', integrationId: 'a', idempotencyKey: 'k', payload: {}, maxAttempts: 0 }), StoreValidationError);
      });
    });

    describe('jobs: claim and lease', function () {
      it('claims by priority, then due time, and leases to one worker', async function () {
        await enqueue('low-old');
        clock.advance(10);
        await enqueue('low-new');
        clock.advance(10);
        await enqueue('high', 'int-a', { priority: 5 });
        const order: string[] = [];
        for (let i = 0; i < 3; i++) {
          const job = await mustClaim(`w${i}`);
          assert.equal(job.state, 'active');
          assert.equal(job.attempts, 1);
          assert.equal(job.leaseOwner, `w${i}`);
          assert.equal(job.leaseExpiresAt, clock.now() + LEASE);
          assert.ok(job.leaseToken.length > 0);
          order.push(job.idempotencyKey);
        }
        assert.deepEqual(order, ['high', 'low-old', 'low-new']);
        assert.equal(await claim(), null);
      });

      it('does not claim before notBefore', async function () {
        await enqueue('later', 'int-a', { delayMs: 5000 });
        assert.equal(await claim(), null);
        clock.advance(4999);
        assert.equal(await claim(), null);
        clock.advance(1);
        assert.equal((await mustClaim()).idempotencyKey, 'later');
      });

      it('checks the lease token on every holder operation', async function () {
        await enqueue('rec');
        const job = await mustClaim();
        const forged = { id: job.id, leaseToken: 'not-the-token' };
        await assert.rejects(queue.complete(forged), LeaseLostError);
        await assert.rejects(queue.saveProgress(forged, { step: 'x' }), LeaseLostError);
        await assert.rejects(queue.renew(forged, LEASE), LeaseLostError);
        await assert.rejects(queue.complete({ id: 'job_missing', leaseToken: job.leaseToken }), LeaseLostError);
        clock.advance(1000);
        const renewed = await queue.renew(job, 60_000);
        assert.equal(renewed.leaseExpiresAt, clock.now() + 60_000);
        const done = await queue.complete(job, { entryId: '0_abc' });
        assert.equal(done.state, 'completed');
        assert.equal(done.completedAt, clock.now());
        assert.deepEqual(done.result, { entryId: '0_abc' });
        assert.equal(done.leaseToken, null);
        await assert.rejects(queue.complete(job), LeaseLostError);
        assert.deepEqual(await store.jobs.get(job.id), done);
      });

      it('keeps progress across a retry so the next attempt resumes', async function () {
        await enqueue('big-recording');
        const first = await mustClaim();
        await queue.saveProgress(first, { step: 'uploading', uploadTokenId: '1_tok', bytesUploaded: 5_000_000, entryId: '0_e' });
        const outcome = await queue.fail(first, { code: 'GRAPH_RESET', message: 'connection reset', retryable: true });
        assert.equal(outcome.willRetry, true);
        clock.advance(outcome.retryAt! - clock.now());
        const second = await mustClaim('w2');
        assert.equal(second.id, first.id);
        assert.equal(second.attempts, 2);
        assert.deepEqual(second.progress, { step: 'uploading', uploadTokenId: '1_tok', bytesUploaded: 5_000_000, entryId: '0_e' });
        assert.equal(second.lastError?.code, 'GRAPH_RESET');
      });

      it('never gives one job to two claimers at once (two stores, many concurrent claims)', async function () {
        for (let i = 0; i < 24; i++) await enqueue(`c-${i}`, `int-${i % 3}`);
        const second = await another();
        const queues = [queue, new JobQueue({ defaultMaxAttempts: 5, jobs: second.jobs, clock })];
        const claimed: string[] = [];
        await Promise.all(
          Array.from({ length: 8 }, async (_, worker) => {
            const q = queues[worker % 2]!;
            for (;;) {
              const job = await q.claim({ workerId: `w${worker}`, leaseMs: LEASE });
              if (!job) return;
              claimed.push(job.id);
            }
          }),
        );
        assert.equal(claimed.length, 24);
        assert.equal(new Set(claimed).size, 24);
        assert.equal((await store.jobs.countByState()).active, 24);
      });
    });

    describe('jobs: stalled leases', function () {
      it('recovers a job whose worker died, and the dead worker can no longer touch it', async function () {
        await enqueue('orphan');
        const dead = await mustClaim('dead-worker', { leaseMs: 1000 });
        clock.advance(1000);
        assert.deepEqual(await queue.recoverStalled(), { requeued: [], failed: [] }, 'not expired yet at exactly the expiry');
        clock.advance(1);
        assert.deepEqual(await queue.recoverStalled(), { requeued: [dead.id], failed: [] });
        const recovered = await store.jobs.get(dead.id);
        assert.equal(recovered?.state, 'queued');
        assert.equal(recovered?.stalledCount, 1);
        await assert.rejects(queue.complete(dead), LeaseLostError);
        await assert.rejects(queue.renew(dead, LEASE), LeaseLostError);
        const alive = await mustClaim('live-worker');
        assert.equal(alive.id, dead.id);
        assert.notEqual(alive.leaseToken, dead.leaseToken);
        await assert.rejects(queue.saveProgress(dead, { step: 'stale' }), LeaseLostError);
        assert.equal((await queue.complete(alive)).state, 'completed');
      });

      it('fails a job that stalls more than the limit', async function () {
        await enqueue('crashy');
        for (let round = 0; round < 2; round++) {
          await mustClaim('w', { leaseMs: 100 });
          clock.advance(101);
          const report = await queue.recoverStalled();
          assert.equal(round === 0 ? report.requeued.length : report.failed.length, 1);
        }
        const [job] = (await store.jobs.list({ state: 'failed' })).items;
        assert.equal(job?.lastError?.code, 'JOB_STALLED');
        assert.equal(job?.stalledCount, 2);
      });
    });

    describe('jobs: retries and backoff', function () {
      it('retries with exponential backoff and jitter, then gives up', async function () {
        await enqueue('flaky', 'int-a', { maxAttempts: 3 });
        const policy = queue.retryPolicy;
        for (let attempt = 1; attempt <= 3; attempt++) {
          const job = await mustClaim();
          assert.equal(job.attempts, attempt);
          const failedAt = clock.now();
          const outcome = await queue.fail(job, { code: 'KALTURA_5XX', message: 'bad gateway', retryable: true });
          if (attempt === 3) {
            assert.equal(outcome.willRetry, false);
            assert.equal(outcome.job.state, 'failed');
            assert.match(outcome.job.lastError?.message ?? '', /gave up after 3 attempts/);
            break;
          }
          // random() is 0.5: half the jittered share of the exponential delay
          const exponential = policy.baseDelayMs * policy.factor ** (attempt - 1);
          const expected = Math.round(exponential * (1 - policy.jitter) + exponential * policy.jitter * 0.5);
          assert.equal(outcome.retryAt, failedAt + expected);
          assert.equal(outcome.job.state, 'queued');
          assert.equal(outcome.job.notBefore, failedAt + expected);
          clock.advance(expected - 1);
          assert.equal(await claim(), null, 'claimable before its backoff ended');
          clock.advance(1);
        }
      });

      it("honours the server's Retry-After", async function () {
        await enqueue('throttled');
        const job = await mustClaim();
        const outcome = await queue.fail(job, { code: 'GRAPH_THROTTLED', message: '429', retryable: true, retryAfterMs: 120_000 });
        assert.ok(outcome.retryAt! >= clock.now() + 120_000);
        clock.advance(119_999);
        assert.equal(await claim(), null);
        clock.advance(outcome.retryAt! - clock.now());
        assert.equal((await mustClaim()).id, job.id);
      });

      it('fails permanently without retrying; an admin retry requeues it', async function () {
        await enqueue('bad');
        const job = await mustClaim();
        const outcome = await queue.fail(job, { code: 'KALTURA_CATEGORY_NOT_FOUND', message: 'no such category', retryable: false });
        assert.equal(outcome.willRetry, false);
        assert.equal(outcome.job.state, 'failed');
        assert.deepEqual(outcome.job.lastError, { code: 'KALTURA_CATEGORY_NOT_FOUND', message: 'no such category', retryable: false, at: clock.now() });
        assert.equal(await claim(), null);
        const retried = await queue.retry(job.id);
        assert.equal(retried.state, 'queued');
        assert.equal(retried.attempts, 0);
        await assert.rejects(queue.retry(job.id), JobStateError);
        await assert.rejects(queue.retry('job_missing'), NotFoundError);
        assert.equal((await mustClaim()).attempts, 1);
      });

      it('clears the last error when a retried job completes', async function () {
        await enqueue('recovers');
        const first = await mustClaim();
        await queue.fail(first, { code: 'KALTURA_5XX', message: 'bad gateway', retryable: true });
        clock.advance(60 * 60_000);
        const second = await mustClaim();
        assert.equal(second.lastError?.code, 'KALTURA_5XX', 'the error stays visible while the retry runs');
        const done = await queue.complete(second);
        assert.equal(done.lastError, null);
        assert.equal((await store.jobs.get(first.id))?.lastError, null, 'stored without the old error');
        assert.equal((await (await another()).jobs.get(first.id))?.lastError, null, 'another process reads it without the error');
      });

      it('releases a job without using up its attempt', async function () {
        await enqueue('give-back');
        const job = await mustClaim();
        const released = await queue.release(job, { delayMs: 500 });
        assert.equal(released.state, 'queued');
        assert.equal(released.attempts, 0);
        assert.equal(released.notBefore, clock.now() + 500);
        await assert.rejects(queue.complete(job), LeaseLostError);
      });
    });

    describe('jobs: pause and fairness', function () {
      it("never claims a paused integration's jobs; resume makes them claimable again", async function () {
        await enqueue('a1', 'int-a');
        await enqueue('b1', 'int-b');
        const running = await mustClaim('w', { integrationIds: ['int-a'] });
        await enqueue('a2', 'int-a');
        await queue.pause('int-a', 'SECRET_EXPIRED');
        await queue.pause('int-a', 'SECRET_EXPIRED');
        assert.deepEqual((await queue.paused()).map((p) => [p.integrationId, p.reason]), [['int-a', 'SECRET_EXPIRED']]);
        const paused = await another();
        assert.deepEqual((await paused.jobs.paused()).map((p) => p.integrationId), ['int-a'], 'pause is shared by every process');
        assert.equal((await mustClaim()).integrationId, 'int-b');
        assert.equal(await claim(), null);
        assert.equal((await queue.complete(running)).state, 'completed', 'an active job finishes while paused');
        assert.equal(await queue.resume('int-a'), true);
        assert.equal(await queue.resume('int-a'), false);
        assert.equal((await mustClaim()).idempotencyKey, 'a2');
      });

      it("does not let one integration's backlog starve another's fresh job", async function () {
        for (let i = 0; i < 30; i++) await enqueue(`backlog-${i}`, 'int-big');
        clock.advance(60_000);
        await enqueue('fresh', 'int-small');
        const firstTwo = [await mustClaim('w1'), await mustClaim('w2')];
        assert.deepEqual(firstTwo.map((j) => j.integrationId).sort(), ['int-big', 'int-small']);
      });

      it('caps active jobs per integration', async function () {
        for (let i = 0; i < 5; i++) await enqueue(`a-${i}`, 'int-a');
        await enqueue('b-0', 'int-b');
        const cap = { maxActivePerIntegration: 2 };
        const got = [await mustClaim('w', cap), await mustClaim('w', cap), await mustClaim('w', cap)];
        assert.deepEqual(got.map((j) => j.integrationId).sort(), ['int-a', 'int-a', 'int-b']);
        assert.equal(await claim('w', cap), null, 'int-a is at its cap and int-b is empty');
        await queue.complete(got.find((j) => j.integrationId === 'int-a')!);
        assert.equal((await mustClaim('w', cap)).integrationId, 'int-a');
      });

      it('filters by kind and integration', async function () {
        await enqueue('r', 'int-a');
        await queue.enqueue({ kind: 'attach-transcript', integrationId: 'int-a', idempotencyKey: 't', payload: {} });
        await enqueue('other', 'int-b');
        assert.equal((await mustClaim('w', { kinds: ['attach-transcript'] })).idempotencyKey, 't');
        assert.equal(await claim('w', { kinds: ['attach-transcript'] }), null);
        assert.equal(await claim('w', { kinds: [] }), null);
        assert.equal((await mustClaim('w', { excludeIntegrationIds: ['int-a'] })).idempotencyKey, 'other');
        assert.equal(await claim('w', { integrationIds: ['int-b'] }), null);
        assert.equal((await mustClaim('w', { integrationIds: ['int-a', 'int-b'] })).idempotencyKey, 'r');
      });
    });

    describe('jobs: listing', function () {
      it('pages newest first without gaps or repeats, with filters and counts', async function () {
        for (let i = 0; i < 25; i++) {
          await enqueue(`p-${String(i).padStart(2, '0')}`, i % 2 ? 'int-odd' : 'int-even');
          if (i % 3 === 0) clock.advance(1); // several jobs share a timestamp: the id breaks ties
        }
        const seen: Job[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await store.jobs.list({ limit: 10, cursor });
          seen.push(...page.items);
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor);
        assert.equal(pages, 3);
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen.map((j) => j.id)).size, 25);
        for (let i = 1; i < seen.length; i++) {
          const [a, b] = [seen[i - 1]!, seen[i]!];
          assert.ok(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id), 'not newest first');
        }
        const odd = await store.jobs.list({ integrationId: 'int-odd', limit: 200 });
        assert.equal(odd.items.length, 12);
        assert.equal(odd.nextCursor, null);
        await mustClaim();
        assert.equal((await store.jobs.list({ state: 'active' })).items.length, 1);
        assert.deepEqual(await store.jobs.countByState(), { queued: 24, active: 1, completed: 0, failed: 0 });
        assert.equal((await store.jobs.countByState('int-odd')).queued + (await store.jobs.countByState('int-odd')).active, 12);
        await assert.rejects(store.jobs.list({ cursor: 'garbage' }), StoreValidationError);
        await assert.rejects(store.jobs.list({ limit: 0 }), StoreValidationError);
      });

      it('purges finished jobs older than a time', async function () {
        await enqueue('old-done');
        await queue.complete(await mustClaim());
        clock.advance(10_000);
        await enqueue('new-done');
        await queue.complete(await mustClaim());
        await enqueue('still-queued');
        assert.equal(await store.jobs.purge({ finishedBefore: clock.now() - 5000 }), 1);
        assert.deepEqual((await store.jobs.list({})).items.map((j) => j.idempotencyKey).sort(), ['new-done', 'still-queued']);
        const again = await enqueue('old-done');
        assert.equal(again.created, true, 'a purged key can be enqueued again');
        assert.equal(again.job.attempts, 0);
        const claimed = [await mustClaim(), await mustClaim()];
        const reborn = claimed.find((j) => j.idempotencyKey === 'old-done');
        assert.ok(reborn, 'the re-enqueued job is claimable');
        assert.equal((await queue.complete(reborn)).state, 'completed');
      });
    });

    describe('jobs: history kept', function () {
      const HOUR = 60 * 60_000;
      const changeMany = async (job: ActiveJob, times: number) => {
        let held = job;
        for (let i = 0; i < times; i++) {
          clock.advance(1_000);
          held = await store.jobs.saveProgress(held, { bytesUploaded: i });
        }
        return held;
      };

      it('stays bounded: after purge a job changed 50 times takes a few records, a purged one none', async function () {
        await enqueue('purged-later');
        const purgedLater = await changeMany(await mustClaim(), 50);
        await queue.fail(purgedLater, { code: 'KALTURA_CATEGORY_NOT_FOUND', message: 'no such category', retryable: false });
        await enqueue('kept-completed');
        const completed = await queue.complete(await changeMany(await mustClaim(), 50));
        await enqueue('still-running');
        const running = await changeMany((await store.jobs.claim({ workerId: 'long', leaseMs: 24 * HOUR }))!, 50);
        assert.ok(await h.storedJobRecords() >= 3);

        clock.advance(2 * HOUR);
        assert.equal(await store.jobs.purge({ finishedBefore: completed.completedAt! }), 1);
        assert.ok(await h.storedJobRecords() <= 2 * 2, `${await h.storedJobRecords()} records for two jobs`);

        // both jobs read and change as before, from this store and another
        const later = await another();
        assert.deepEqual((await later.jobs.get(completed.id))?.progress, { bytesUploaded: 49 });
        assert.equal((await later.jobs.get(running.id))?.leaseToken, running.leaseToken);
        assert.equal(await claim('thief'), null, 'the running job is still held');
        const renewed = await later.jobs.renew(running, LEASE);
        await assert.rejects(store.jobs.saveProgress({ ...running, leaseToken: 'stale' }, {}), LeaseLostError);
        assert.equal((await store.jobs.complete(renewed)).state, 'completed');
      });

      it('keeps the recent history of a job at purge, and it goes on changing', async function () {
        await enqueue('busy');
        const busy = await changeMany(await mustClaim(), 20);
        assert.equal(await store.jobs.purge({ finishedBefore: clock.now() }), 0);
        const next = await store.jobs.saveProgress(busy, { step: 'after purge' });
        assert.deepEqual((await (await another()).jobs.get(busy.id))?.progress, { step: 'after purge' });
        clock.advance(2 * HOUR);
        await store.jobs.purge({ finishedBefore: clock.now() - HOUR });
        assert.ok(await h.storedJobRecords() <= 2);
        assert.equal((await queue.complete(next)).state, 'completed');
      });
    });

    describe('jobs: separate processes', function () {
      it('never double-claims when several processes claim from the same database', async function () {
        this.timeout(90_000);
        const ids = new Set<string>();
        for (let i = 0; i < options.processJobs; i++) ids.add((await enqueue(`proc-${i}`, `int-${i % 4}`)).job.id);
        const results = await runClaimWorkers({ processes: 3, store: h.childOptions, secretKeys: h.secretKeys });
        const all = results.flatMap((r) => r.claimed);
        const counts = new Map<string, number>();
        for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
        const doubles = [...counts].filter(([, n]) => n > 1);
        assert.deepEqual(doubles, [], 'jobs claimed more than once');
        assert.deepEqual(new Set(all), ids, 'every job claimed');
        assert.ok(results.filter((r) => r.claimed.length > 0).length >= 2, 'the processes should have shared the work');
        assert.equal((await store.jobs.countByState()).completed, options.processJobs);
      });
    });

    describe('graph subscriptions', function () {
      it('saves, lists by expiry, and seals clientState at rest', async function () {
        const base = { integrationId: 'int-a', resource: 'communications/onlineMeetings/getAllRecordings', changeType: 'created' };
        const first = await store.subscriptions.save({ ...base, id: 'sub-1', expiresAt: clock.now() + 3_000_000, clientState: 'cs-Secret-One' });
        await store.subscriptions.save({ ...base, id: 'sub-2', expiresAt: clock.now() + 1_000_000, clientState: 'cs-Secret-Two' });
        await store.subscriptions.save({ ...base, integrationId: 'int-b', id: 'sub-3', expiresAt: clock.now() + 9_000_000, clientState: 'cs-Secret-Three' });
        assert.equal(first.clientState, 'cs-Secret-One');
        clock.advance(5);
        const renewed = await store.subscriptions.save({ ...base, id: 'sub-1', expiresAt: clock.now() + 4_000_000, clientState: 'cs-Secret-One' });
        assert.equal(renewed.createdAt, first.createdAt);
        assert.equal(renewed.updatedAt, clock.now());
        assert.deepEqual((await store.subscriptions.listExpiringBefore(clock.now() + 5_000_000)).map((s) => s.id), ['sub-2', 'sub-1']);
        assert.deepEqual((await store.subscriptions.listByIntegration('int-a')).map((s) => s.id), ['sub-2', 'sub-1']);
        assert.equal((await store.subscriptions.get('sub-3'))?.clientState, 'cs-Secret-Three');
        assert.ok(!(await h.rawDump()).includes('cs-Secret-'), 'clientState stored in clear');
        assert.equal(await store.subscriptions.delete('sub-2'), true);
        assert.equal(await store.subscriptions.get('sub-2'), null);
      });
    });

    describe('cursors', function () {
      it('sets, overwrites, lists and deletes', async function () {
        await store.cursors.set('int-a', 'recordings:user-1', 'https://graph/delta?token=1');
        clock.advance(1);
        const updated = await store.cursors.set('int-a', 'recordings:user-1', 'https://graph/delta?token=2');
        await store.cursors.set('int-a', 'backfill', '2024-01-01');
        await store.cursors.set('int-b', 'backfill', 'other');
        assert.deepEqual(await store.cursors.get('int-a', 'recordings:user-1'), updated);
        assert.deepEqual((await store.cursors.list('int-a')).map((c) => c.name), ['backfill', 'recordings:user-1']);
        assert.equal(await store.cursors.delete('int-a', 'backfill'), true);
        assert.equal(await store.cursors.get('int-a', 'backfill'), null);
      });
    });

    describe('conversation references', function () {
      const reference = { bot: { id: '28:bot' }, conversation: { id: 'a:1' }, serviceUrl: 'https://smba', '@odata.type': 'x', $odd: 1 };

      it('saves as active, replaces, and deletes', async function () {
        const saved = await store.conversations.save('tenant-1', 'user-1', reference);
        assert.deepEqual(saved, { tenantId: 'tenant-1', userId: 'user-1', reference, status: 'active', goneReason: null, updatedAt: clock.now() });
        assert.deepEqual(await store.conversations.get('tenant-1', 'user-1'), saved);
        clock.advance(10);
        await store.conversations.save('tenant-1', 'user-1', { ...reference, conversation: { id: 'a:2' } });
        const replaced = await store.conversations.get('tenant-1', 'user-1');
        assert.deepEqual(replaced?.reference.conversation, { id: 'a:2' });
        assert.equal(replaced?.updatedAt, clock.now());
        assert.equal(await store.conversations.get('tenant-1', 'user-2'), null);
        assert.equal(await store.conversations.delete('tenant-1', 'user-1'), true);
        assert.equal(await store.conversations.get('tenant-1', 'user-1'), null);
        assert.equal(await store.conversations.delete('tenant-1', 'user-1'), false);
      });

      it('marks a reference gone, keeping it, and a save (a reinstall) makes it active again', async function () {
        await store.conversations.save('tenant-1', 'user-1', reference);
        clock.advance(5);
        assert.equal(await store.conversations.markGone('tenant-1', 'user-1', 'uninstalled'), true);
        const gone = await store.conversations.get('tenant-1', 'user-1');
        assert.deepEqual(gone, { tenantId: 'tenant-1', userId: 'user-1', reference, status: 'gone', goneReason: 'uninstalled', updatedAt: clock.now() });
        assert.deepEqual(await (await another()).conversations.get('tenant-1', 'user-1'), gone, 'another process sees it gone');
        clock.advance(5);
        assert.equal(await store.conversations.markGone('tenant-1', 'user-1', 'Bot is not installed in user\'s personal scope'), true);
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.goneReason, "Bot is not installed in user's personal scope");
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.updatedAt, clock.now());

        clock.advance(5);
        const reinstalled = await store.conversations.save('tenant-1', 'user-1', { ...reference, conversation: { id: 'a:3' } });
        assert.equal(reinstalled.status, 'active');
        assert.deepEqual(await store.conversations.get('tenant-1', 'user-1'), reinstalled);
        assert.equal(reinstalled.goneReason, null);

        assert.equal(await store.conversations.markGone('tenant-1', 'nobody', 'uninstalled'), false);
        assert.equal(await store.conversations.get('tenant-1', 'nobody'), null, 'markGone creates nothing');
        await store.conversations.markGone('tenant-1', 'user-1', 'uninstalled');
        assert.equal(await store.conversations.delete('tenant-1', 'user-1'), true, 'a gone reference can be deleted');
        assert.equal(await store.conversations.get('tenant-1', 'user-1'), null);
      });

      it('keeps tenants apart: the same user id in two tenants is two references', async function () {
        await store.conversations.save('tenant-1', 'user-1', reference);
        await store.conversations.save('tenant-2', 'user-1', { ...reference, conversation: { id: 'b:1' } });
        await store.conversations.markGone('tenant-2', 'user-1', 'uninstalled');
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.status, 'active');
        assert.deepEqual((await store.conversations.get('tenant-1', 'user-1'))?.reference.conversation, { id: 'a:1' });
        assert.equal((await store.conversations.get('tenant-2', 'user-1'))?.status, 'gone');
        assert.equal(await store.conversations.delete('tenant-2', 'user-1'), true);
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.status, 'active');
      });

      it('refuses empty ids, a reference that is not an object, and an empty reason', async function () {
        await assert.rejects(store.conversations.save('', 'user-1', reference), StoreValidationError);
        await assert.rejects(store.conversations.save('tenant-1', '', reference), StoreValidationError);
        await assert.rejects(store.conversations.save('tenant-1', 'user-1', [] as never), StoreValidationError);
        await store.conversations.save('tenant-1', 'user-1', reference);
        await assert.rejects(store.conversations.markGone('tenant-1', 'user-1', ''), StoreValidationError);
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.status, 'active');
      });
    });

    describe('admin sightings', function () {
      const sighting = (userId: string, name: string | null, isAdmin: boolean, tenantId = 'tenant-1') => ({ tenantId, userId, name, isAdmin });

      it('records a sighting and replaces it on the next one, keeping a known name when none is given', async function () {
        const first = await store.admins.seen(sighting('user-1', 'Ada Lovelace', true));
        assert.deepEqual(first, { tenantId: 'tenant-1', userId: 'user-1', name: 'Ada Lovelace', isAdmin: true, seenAt: clock.now() });
        assert.deepEqual(await store.admins.get('tenant-1', 'user-1'), first);
        assert.equal(await store.admins.get('tenant-1', 'user-2'), null);
        assert.equal(await store.admins.get('tenant-2', 'user-1'), null, 'another tenant has not seen her');

        clock.advance(100);
        const renamed = await store.admins.seen(sighting('user-1', 'Ada King', false));
        assert.deepEqual(renamed, { tenantId: 'tenant-1', userId: 'user-1', name: 'Ada King', isAdmin: false, seenAt: clock.now() });
        assert.deepEqual(await (await another()).admins.get('tenant-1', 'user-1'), renamed);

        clock.advance(100);
        for (const name of [null, '']) {
          const unnamed = await store.admins.seen(sighting('user-1', name, true));
          assert.deepEqual(unnamed, { ...renamed, isAdmin: true, seenAt: clock.now() });
        }
        assert.deepEqual(await store.admins.seen(sighting('user-3', null, false)), {
          tenantId: 'tenant-1', userId: 'user-3', name: null, isAdmin: false, seenAt: clock.now(),
        });
      });

      it("lists a tenant's admins only, by name then user id, and a demoted admin drops out", async function () {
        await store.admins.seen(sighting('u-zed', 'zed', true));
        await store.admins.seen(sighting('u-bob-2', 'Bob', true));
        await store.admins.seen(sighting('u-bob-1', 'Bob', true));
        await store.admins.seen(sighting('u-anna', 'anna', true));
        await store.admins.seen(sighting('u-anon', null, true));
        await store.admins.seen(sighting('u-carol', 'Carol', false));
        await store.admins.seen(sighting('u-other', 'Alice', true, 'tenant-2'));
        await store.admins.seen(sighting('u-anna', 'anna', false, 'tenant-2'));
        const ids = async (tenantId: string) => (await store.admins.listAdmins(tenantId)).map((a) => a.userId);
        assert.deepEqual(await ids('tenant-1'), ['u-anna', 'u-bob-1', 'u-bob-2', 'u-zed', 'u-anon']);
        assert.deepEqual(await store.admins.listAdmins('tenant-2'), [
          { tenantId: 'tenant-2', userId: 'u-other', name: 'Alice', isAdmin: true, seenAt: clock.now() },
        ]);
        assert.deepEqual(await store.admins.listAdmins('tenant-none'), []);

        clock.advance(1);
        await store.admins.seen(sighting('u-bob-1', 'Bob', false));
        await store.admins.seen(sighting('u-carol', 'Carol', true));
        assert.deepEqual(await ids('tenant-1'), ['u-anna', 'u-bob-2', 'u-carol', 'u-zed', 'u-anon']);
        assert.equal((await store.admins.get('tenant-1', 'u-bob-1'))?.isAdmin, false, 'the demoted admin is still known');
      });

      it('refuses empty ids, an over-long name and a non-boolean isAdmin, writing nothing', async function () {
        await assert.rejects(store.admins.seen(sighting('', 'Ada', true)), StoreValidationError);
        await assert.rejects(store.admins.seen(sighting('user-1', 'Ada', true, '')), StoreValidationError);
        await assert.rejects(store.admins.seen(sighting('user-1', 'x'.repeat(257), true)), StoreValidationError);
        await assert.rejects(store.admins.seen(sighting('user-1', 42 as never, true)), StoreValidationError);
        await assert.rejects(store.admins.seen({ ...sighting('user-1', 'Ada', true), isAdmin: 'yes' as never }), StoreValidationError);
        assert.equal(await store.admins.get('tenant-1', 'user-1'), null);
        assert.deepEqual(await store.admins.listAdmins('tenant-1'), []);
        assert.equal((await store.admins.seen(sighting('user-1', 'x'.repeat(256), true))).name?.length, 256);
      });
    });

    describe('recording history', function () {
      it('merges updates and pages newest first by integration and state', async function () {
        const key = { integrationId: 'int-a', recordingId: 'rec:with/odd"chars' };
        const created = await store.recordings.upsert(key, { meetingId: 'm1', subject: 'Weekly sync', bytesTotal: 1000 });
        assert.equal(created.state, 'queued');
        clock.advance(100);
        const progressed = await store.recordings.upsert(key, { state: 'uploading', bytesDone: 400 });
        assert.equal(progressed.subject, 'Weekly sync');
        assert.equal(progressed.createdAt, created.createdAt);
        assert.equal(progressed.updatedAt, clock.now());
        await store.recordings.upsert(key, { state: 'archived', bytesDone: 1000, entryId: '0_x', entryUrl: 'https://kmc/0_x', transcript: { state: 'attached', error: null } });
        assert.equal(progressed.settledAt, null);
        assert.deepEqual(await store.recordings.get(key), {
          ...progressed,
          settledAt: clock.now(),
          state: 'archived',
          bytesDone: 1000,
          entryId: '0_x',
          entryUrl: 'https://kmc/0_x',
          transcript: { state: 'attached', error: null },
        });
        for (let i = 0; i < 7; i++) {
          clock.advance(1);
          await store.recordings.upsert({ integrationId: i < 5 ? 'int-a' : 'int-b', recordingId: `r${i}` }, { state: i % 2 ? 'failed' : 'archived' });
        }
        const page1 = await store.recordings.list({ integrationId: 'int-a', limit: 3 });
        assert.deepEqual(page1.items.map((r) => r.recordingId), ['r4', 'r3', 'r2']);
        const page2 = await store.recordings.list({ integrationId: 'int-a', limit: 3, cursor: page1.nextCursor });
        assert.deepEqual(page2.items.map((r) => r.recordingId), ['r1', 'r0', key.recordingId]);
        assert.equal(page2.nextCursor, null);
        assert.deepEqual((await store.recordings.list({ state: 'failed' })).items.map((r) => r.recordingId), ['r5', 'r3', 'r1']);
        assert.deepEqual((await store.recordings.list({ integrationId: 'int-a', state: 'failed' })).items.map((r) => r.recordingId), ['r3', 'r1']);
        await assert.rejects(store.recordings.upsert(key, { state: 'bogus' as never }), StoreValidationError);
      });
      it("keeps an ad hoc call's id (a meeting's recording has none)", async function () {
        const call = await store.recordings.upsert({ integrationId: 'int-c', recordingId: 'call-rec' }, { meetingId: null, callId: '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a', subject: 'Teams call with Lee Gu' });
        assert.equal(call.callId, '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a');
        assert.equal(call.meetingId, null);
        const later = await store.recordings.upsert({ integrationId: 'int-c', recordingId: 'call-rec' }, { state: 'archived' });
        assert.equal(later.callId, call.callId, 'kept by later updates');
        assert.equal((await store.recordings.get({ integrationId: 'int-c', recordingId: 'call-rec' }))?.callId, call.callId);
        clock.advance(1);
        const meeting = await store.recordings.upsert({ integrationId: 'int-c', recordingId: 'meeting-rec' }, { meetingId: 'm1' });
        assert.equal(meeting.callId, null);
        assert.deepEqual((await store.recordings.list({ integrationId: 'int-c' })).items.map((r) => [r.recordingId, r.callId]), [
          ['meeting-rec', null],
          ['call-rec', call.callId],
        ]);
      });
      it('stamps when a recording settles and counts archived and failed per UTC day, and the last archive', async function () {
        const day = Date.UTC(2026, 10, 2);
        clock.set(day - 3_600_000); // 23:00 the day before
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'old' }, { state: 'downloading' });
        assert.equal(await store.recordings.lastArchivedAt('int-d'), null);
        const archivedBefore = await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'old' }, { state: 'archived' });
        assert.equal(archivedBefore.settledAt, clock.now());
        clock.set(day + 1000);
        // another update while it stays archived keeps the day it settled
        assert.equal((await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'old' }, { bytesDone: 5 })).settledAt, day - 3_600_000);
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'a' }, { state: 'archived' });
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'f' }, { state: 'failed' });
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'busy' }, { state: 'uploading' });
        await store.recordings.upsert({ integrationId: 'int-other', recordingId: 'x' }, { state: 'archived' });
        clock.set(day + 86_400_000 + 5);
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'b' }, { state: 'archived' });
        // a retried failure is in progress again: it no longer counts
        const retried = await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'f' }, { state: 'queued' });
        assert.equal(retried.settledAt, null);
        assert.deepEqual(await store.recordings.dailyOutcomes('int-d', day - 86_400_000), [
          { day: '2026-11-01', archived: 1, failed: 0 },
          { day: '2026-11-02', archived: 1, failed: 0 },
          { day: '2026-11-03', archived: 1, failed: 0 },
        ]);
        assert.deepEqual(await store.recordings.dailyOutcomes('int-d', day), [
          { day: '2026-11-02', archived: 1, failed: 0 },
          { day: '2026-11-03', archived: 1, failed: 0 },
        ]);
        await store.recordings.upsert({ integrationId: 'int-d', recordingId: 'f' }, { state: 'failed' });
        assert.deepEqual(await store.recordings.dailyOutcomes('int-d', day + 86_400_000), [{ day: '2026-11-03', archived: 1, failed: 1 }]);
        assert.deepEqual(await store.recordings.dailyOutcomes('int-none', 0), []);
        assert.equal(await store.recordings.lastArchivedAt('int-d'), day + 86_400_000 + 5);
      });
    });

    describe('audit log', function () {
      it('entries written in the same millisecond list newest first in the order they were written', async function () {
        for (const action of ['integration.update', 'integration.disable', 'integration.delete']) {
          await store.audit.append({ actor: { id: 'admin-1' }, action, integrationId: 'int-same-ms' });
        }
        const listed = (await store.audit.list({ integrationId: 'int-same-ms' })).items.map((a) => a.action);
        assert.deepEqual(listed, ['integration.delete', 'integration.disable', 'integration.update']);
      });

      it('appends with secrets redacted and pages newest first', async function () {
        const first = await store.audit.append({
          actor: { id: 'admin-1', name: 'Ada' },
          action: 'integration.secret.update',
          integrationId: 'int-a',
          details: { appClientSecret: 'do-not-store-me', nested: { kalturaAppToken: 'nor-me' }, note: 'rotated' },
        });
        assert.deepEqual(first.details, { appClientSecret: '[redacted]', nested: { kalturaAppToken: '[redacted]' }, note: 'rotated' });
        for (let i = 0; i < 4; i++) {
          clock.advance(1);
          await store.audit.append({ actor: { id: 'admin-2' }, action: `job.retry`, integrationId: i < 2 ? 'int-a' : 'int-b', target: `job-${i}` });
        }
        const raw = await h.rawDump();
        assert.ok(!raw.includes('do-not-store-me') && !raw.includes('nor-me'));
        const page1 = await store.audit.list({ limit: 3 });
        const page2 = await store.audit.list({ limit: 3, cursor: page1.nextCursor });
        assert.deepEqual([...page1.items, ...page2.items].map((e) => e.target ?? e.action), ['job-3', 'job-2', 'job-1', 'job-0', 'integration.secret.update']);
        assert.equal(page2.nextCursor, null);
        assert.deepEqual((await store.audit.list({ integrationId: 'int-a' })).items.map((e) => e.target), ['job-1', 'job-0', null]);
        assert.equal(page2.items[1]?.actor.name, 'Ada');
      });
    });
  });
}
