import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { MongoClient, type Db } from 'mongodb';
import { settings } from '../../api/src/config.js';
import { DEFAULT_CHUNK_BYTES } from '../../api/src/kaltura/kaltura-adapter.js';
import { syntheticFixture, type SyntheticRecording } from '../../bench/support/synthetic-fixture.js';
import type { AppProcess } from '../../sandbox/app-process.js';
import { startAppProcesses, type AppProcesses } from '../../sandbox/app-processes.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { pendingReleases } from '../../sandbox/demo-release.js';
import { FERRETDB_INSTALL, findFerretDb } from '../../sandbox/ferretdb-server.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { freePort } from '../../sandbox/process-utils.js';
import { waitFor, type KalturaEntryState } from '../support/app-harness.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';
import { toolMissing } from '../support/ferretdb.js';

const MiB = 1024 * 1024;
const BIG = 32 * MiB;
const LEASE_MS = 5_000;
/** each Kaltura chunk waits this long, so a 32 MiB upload (8 chunks) takes seconds and a kill lands inside it */
const CHUNK_DELAY_MS = 400;
const ENTRY_READY = 2;
/** the app's scheduler periods (api/src/ingestion/pipeline.ts defaults); the test runs well inside one of each */
const SWEEP_PERIOD_MS = 3_600_000;
const SECRET_EXPIRY_PERIOD_MS = 6 * 3_600_000;

interface KalturaState {
  entries: KalturaEntryState[];
  uploadTokens: Array<{ id: string; fileSize: number | null; uploadedFileSize: number | null }>;
}
interface GraphState {
  subscriptions: Array<{ id: string; resource: string; notificationUrl: string; lifecycleNotificationUrl?: string | null; status: string }>;
  notifications: Array<{ kind: string; url: string; ok: boolean }>;
  validations: Array<{ url: string; ok: boolean }>;
}
interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
}
interface JobDoc {
  _id: string;
  kind: string;
  idempotencyKey: string;
  state: string;
  leaseOwner: string | null;
  stalledCount: number;
  payload: string;
  progress: string;
}

/** how many of a scheduler's periods (buckets of `periodMs` since the epoch, as the app counts them) a time span touches */
function periodsTouched(periodMs: number, from: number, to: number): number {
  return Math.floor(to / periodMs) - Math.floor(from / periodMs) + 1;
}

/**
 * Scale-out as the sandbox's `--store mongodb --workers 2` runs it (sandbox/app-processes.ts): one
 * ROLE=web process and two ROLE=worker processes, separate processes on one FerretDB. The demo fixture
 * plus 50 recordings (half already in OneDrive for the first sweep, half released through Graph change
 * notifications), three of them 32 MiB; one worker is SIGKILLed in the middle of a 32 MiB upload, and
 * the other takes its jobs over once their leases lapse. Everything is archived exactly once.
 */
describe('scale-out: one web and two worker processes on FerretDB', function () {
  this.timeout(240_000);

  const small: SyntheticRecording[] = Array.from({ length: 47 }, (_, i) => ({
    id: `scale-out-${i}`,
    size: MiB + i * 4099,
    seed: `scale-out-${i}`,
    available: i % 2 === 0,
  }));
  // released first: fresh meetings go before the sweep's backlog, so the big uploads start early
  const big: SyntheticRecording[] = Array.from({ length: 3 }, (_, i) => ({ id: `scale-out-big-${i}`, size: BIG, seed: `scale-out-big-${i}`, available: false }));
  let fixture: Fixture;
  let e: TestEmulators;
  let apps: AppProcesses | undefined;
  let mongo: MongoClient | undefined;
  let db: Db;
  let startedAt: number;

  const kaltura = () => e.control<KalturaState>(e.kaltura, 'GET', '/__control/state');
  const graph = () => e.control<GraphState>(e.graph, 'GET', '/__control/state');
  const graphRequests = () => e.control<RequestLogEntry[]>(e.graph, 'GET', '/__control/requests');
  const jobs = () => db.collection<JobDoc>('jobs').find({}).toArray();
  const workerId = (p: AppProcess) => `${hostname()}:${p.pid}`;

  before(async function () {
    this.timeout(120_000);
    const ferret = findFerretDb();
    if (!ferret.found) {
      toolMissing('scale-out run', `${ferret.reason}. To run it: ${FERRETDB_INSTALL}.`);
      return this.skip();
    }
    fixture = await syntheticFixture([...small, ...big], { description: 'scale-out: the demo plus 50 recordings', keepDemoMeetings: true });
    e = await startTestEmulators(fixture);
    await e.control(e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    await e.control(e.kaltura, 'POST', '/__control/faults', { method: 'POST', pathPattern: '/service/uploadtoken/action/upload', delayMs: CHUNK_DELAY_MS, count: 100_000 });
    startedAt = Date.now();
    apps = await startAppProcesses(fixture, e, {
      dataDir: e.dataDir,
      port: await freePort(),
      store: 'mongodb',
      workers: 2,
      quiet: true,
      settings: {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        WORKER_LEASE_MS: String(LEASE_MS),
        WORKER_CONCURRENCY: '3',
        MAX_ACTIVE_PER_INTEGRATION: '6',
      },
    });
    mongo = await new MongoClient(apps.mongodbUri!).connect();
    db = mongo.db(settings.MONGODB_DB.default);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !apps) return;
    for (const [name, p] of [['web', apps.web], ...apps.workers.map((w, i) => [`worker ${i + 1}`, w] as const)] as const) {
      process.stderr.write(`--- ${name} (pid ${p.pid}) output ---\n${p.output().slice(-6000)}\n`);
    }
  });

  after(async () => {
    await mongo?.close();
    await apps?.stop();
    await e?.close();
  });

  it('archives every recording exactly once while a worker is killed mid-upload; webhooks reach the web process only', async () => {
    const [first, second] = apps!.workers as [AppProcess, AppProcess];

    // the held-back recordings and transcripts arrive as Graph change notifications, once subscribed
    await waitFor('the Graph subscriptions', async () => (await graph()).subscriptions.filter((s) => s.status === 'active').length >= 2, 30_000);
    const bigIds = new Set(big.map((r) => r.id));
    const releases = pendingReleases(fixture).sort((a, b) => Number(bigIds.has(b.id)) - Number(bigIds.has(a.id)));
    for (const r of releases) await e.control(e.graph, 'POST', `/__control/${r.kind}s/${encodeURIComponent(r.id)}/available`);

    // a worker holding a 32 MiB upload that has begun and is far from done: kill it there
    const victim = await waitFor(
      'a worker in the middle of a 32 MiB upload',
      async () => {
        const tokens = (await kaltura()).uploadTokens;
        for (const job of await jobs()) {
          const owner = [first, second].find((w) => job.leaseOwner === workerId(w));
          const progress = JSON.parse(job.progress) as { step?: string; uploadTokenId?: string };
          if (!owner || job.state !== 'active' || !bigIds.has((JSON.parse(job.payload) as { recordingId: string }).recordingId)) continue;
          const token = tokens.find((t) => t.id === progress.uploadTokenId);
          const held = token?.uploadedFileSize ?? 0;
          if (progress.step === 'uploading' && held >= DEFAULT_CHUNK_BYTES && held <= BIG - 2 * DEFAULT_CHUNK_BYTES) {
            return { worker: owner, jobId: job._id, tokenId: token!.id };
          }
        }
        return undefined;
      },
      60_000,
    );
    await victim.worker.crash();
    const survivor = victim.worker === first ? second : first;
    // a chunk in flight lands or not; either way the upload stops there until the lease lapses
    await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS + 500));
    const interrupted = (await kaltura()).uploadTokens.find((t) => t.id === victim.tokenId)!;
    assert.ok(interrupted.uploadedFileSize! < BIG, `the kill interrupted the upload (${interrupted.uploadedFileSize} of ${BIG} bytes)`);

    // the survivor takes the killed worker's jobs over once their leases lapse, and finishes everything
    // the demo's ad hoc call is archived too (its integration includes calls), under its own referenceId
    const all = [
      ...fixture.meetings.flatMap((m) => m.recordings.map((r) => ({ ...r, ref: `Teams_${r.id}` }))),
      ...(fixture.calls ?? []).flatMap((c) => c.recordings.map((r) => ({ ...r, ref: `TeamsCall_${r.id}` }))),
    ];
    // an entry is done when it is ready, in its categories and holds its meeting's (or call's) transcripts (added last)
    const captionsOf = new Map([...fixture.meetings, ...(fixture.calls ?? [])].flatMap((m) => m.recordings.map((r) => [r.id, m.transcripts.length] as const)));
    const archived = await waitFor(
      `all ${all.length} recordings archived`,
      async () => {
        const entries = (await kaltura()).entries;
        const done = (r: { id: string; ref: string }) =>
          entries.some((x) => x.referenceId === r.ref && x.status === ENTRY_READY && x.categories.length > 0 && x.captions.length >= (captionsOf.get(r.id) ?? 0));
        return all.every(done) ? entries : undefined;
      },
      120_000,
    );
    const messages = await waitFor(
      `a card for each of the ${all.length} recordings`,
      async () => {
        const m = await e.control<unknown[]>(e.connector, 'GET', '/__control/messages');
        return m.length >= all.length ? m : undefined;
      },
      30_000,
    );

    // exactly once: one entry per recording, with the recording's bytes
    assert.equal(archived.length, all.length, 'no entry beyond one per recording');
    for (const r of all) {
      const mine = archived.filter((x) => x.referenceId === r.ref);
      assert.equal(mine.length, 1, `entries for ${r.id}`);
      assert.equal(mine[0]!.contentSize, r.size, `size of ${r.id}`);
      assert.equal(mine[0]!.contentSha256, await contentSha256(r.seed, r.size), `sha256 of ${r.id}`);
    }
    for (const m of fixture.meetings.filter((x) => x.transcripts.length > 0)) {
      const entry = archived.find((x) => x.referenceId === `Teams_${m.recordings[0]!.id}`)!;
      assert.equal(entry.captions.length, m.transcripts.length, `captions of "${m.subject}"`);
    }
    // one card per recording, each naming its own entry
    assert.equal(messages.length, all.length, 'one card per recording, no second one');
    for (const entry of archived) {
      assert.equal(messages.filter((m) => JSON.stringify(m).includes(entry.id)).length, 1, `cards naming ${entry.id}`);
    }

    // the killed upload was taken over by the survivor (the victim is gone; only a lapsed lease frees a job)
    const killedJob = (await jobs()).find((j) => j._id === victim.jobId)!;
    assert.equal(killedJob.state, 'completed');
    assert.ok(killedJob.stalledCount >= 1, `the killed job's lease lapsed (stalledCount ${killedJob.stalledCount})`);
    assert.equal(survivor.child.exitCode, null, 'the survivor is still running');

    // webhooks: Graph only ever called the web process (PUBLIC_URL), never a worker's port
    const g = await graph();
    const web = new URL(apps!.web.url);
    const workerPorts = apps!.workers.map((w) => new URL(w.url).port);
    const calledUrls = [...g.notifications, ...g.validations].map((n) => new URL(n.url));
    assert.ok(g.notifications.filter((n) => n.kind === 'change').length >= releases.length, 'every release was notified');
    assert.ok(calledUrls.every((u) => u.origin === web.origin), `webhooks went to ${[...new Set(calledUrls.map((u) => u.origin))].join(', ')}, not only ${web.origin}`);
    assert.ok(calledUrls.every((u) => !workerPorts.includes(u.port)));
    assert.ok(g.notifications.every((n) => n.ok), 'the web process answered every notification with 2xx');
    assert.ok(g.subscriptions.every((s) => new URL(s.notificationUrl).origin === web.origin));

    // no Graph subscription made twice by the two workers' schedulers
    const perResource = new Map<string, number>();
    for (const s of g.subscriptions) perResource.set(s.resource, (perResource.get(s.resource) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(perResource), {
      'communications/adhocCalls/getAllRecordings': 1,
      'communications/adhocCalls/getAllTranscripts': 1,
      'communications/onlineMeetings/getAllRecordings': 1,
      'communications/onlineMeetings/getAllTranscripts': 1,
    });
    const requests = await graphRequests();
    const created = requests.filter((r) => r.method === 'POST' && /\/subscriptions$/.test(r.path) && r.status === 201);
    assert.equal(created.length, 4, 'four subscriptions created in all, one per resource');

    // schedulers: each duty done once per period across the workers, not once per worker
    const endedAt = Date.now();
    const sweepsPerPeriod = new Map<string, number>();
    for (const j of (await jobs()).filter((x) => x.kind === 'sweep')) {
      const period = /:t(\d+)$/.exec(j.idempotencyKey)?.[1];
      if (period) sweepsPerPeriod.set(period, (sweepsPerPeriod.get(period) ?? 0) + 1);
    }
    assert.ok(sweepsPerPeriod.size >= 1 && sweepsPerPeriod.size <= periodsTouched(SWEEP_PERIOD_MS, startedAt, endedAt), `sweep periods: ${[...sweepsPerPeriod.keys()]}`);
    assert.ok([...sweepsPerPeriod.values()].every((n) => n === 1), 'one sweep per period');
    // the secret-expiry check reads the app registration (GET /applications) once per check; the
    // start-up round counts as its period's, or a deployment would check twice at every start
    const expiryChecks = requests.filter((r) => r.method === 'GET' && /\/applications$/.test(r.path)).length;
    const expiryPeriods = periodsTouched(SECRET_EXPIRY_PERIOD_MS, startedAt, endedAt);
    assert.ok(
      expiryChecks >= 1 && expiryChecks <= expiryPeriods,
      `the secret-expiry check ran ${expiryChecks} times in ${expiryPeriods} period(s) of ${SECRET_EXPIRY_PERIOD_MS / 3_600_000} h, across two workers`,
    );
  });
});
