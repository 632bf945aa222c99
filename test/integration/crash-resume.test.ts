import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApp, type AppProcess } from '../../sandbox/app-process.js';
import { syntheticFixture } from '../../bench/support/synthetic-fixture.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { appEnvironment } from '../../sandbox/app-environment.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { freePort } from '../../sandbox/process-utils.js';
import { waitFor, type KalturaEntryState } from '../support/app-harness.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';
import { startKalturaUploadLog, type KalturaUploadLog } from '../support/kaltura-upload-log.js';
import { DEFAULT_CHUNK_BYTES } from '../../api/src/kaltura/kaltura-adapter.js';

const MiB = 1024 * 1024;
/** the app's default Kaltura chunk (api/src/kaltura/kaltura-adapter.ts); checked against what it sends */
const CHUNK = DEFAULT_CHUNK_BYTES;
const SIZE = 48 * MiB;
const UPLOAD_DELAY_MS = 1_200;
const LEASE_MS = 3_000;
const ENTRY_READY = 2;

interface KalturaState {
  entries: KalturaEntryState[];
  uploadTokens: Array<{ id: string; status: number; fileSize: number | null; uploadedFileSize: number | null; sha256: string | null }>;
}
interface GraphState {
  subscriptions: Array<{ id: string; resource: string; clientState: string }>;
  notifications: Array<{ kind: string; ok: boolean; status?: number; error?: string; payload: { value: Array<Record<string, unknown>> } }>;
  contentFetches: Array<{ at: string; id: string; method: string; range: string | null; status: number; served: [number, number] | null }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The app as production runs it — a separate process, configured by its environment, on SQLite —
 * killed with SIGKILL in the middle of a 48 MiB upload, then started again on the same data directory.
 * A pass-through proxy in front of the Kaltura emulator records every upload call's parameters
 * (resume, resumeAt, finalChunk), which the emulator's own request log does not show.
 */
describe('crash and resume: a worker process killed mid-upload', function () {
  this.timeout(240_000);

  const big = { id: 'crash-resume-big-recording', size: SIZE, seed: 'crash-resume-48MiB', available: true };
  const late = { id: 'crash-resume-late-recording', size: MiB + 17, seed: 'crash-resume-late', available: false };
  const missed = { id: 'crash-resume-missed-recording', size: MiB - 3, seed: 'crash-resume-missed', available: false };
  let fixture: Fixture;
  let e: TestEmulators;
  let proxy: KalturaUploadLog;
  let dataDir: string;
  let env: Record<string, string>;
  let app: AppProcess | undefined;
  let bigTokenId: string | undefined;

  const kaltura = () => e.control<KalturaState>(e.kaltura, 'GET', '/__control/state');
  const graph = () => e.control<GraphState>(e.graph, 'GET', '/__control/state');
  const entriesFor = async (recordingId: string) => (await kaltura()).entries.filter((x) => x.referenceId === `Teams_${recordingId}`);
  const readyEntry = (recordingId: string, timeoutMs: number) =>
    waitFor(`the entry of ${recordingId} to be READY`, async () => (await entriesFor(recordingId)).find((x) => x.status === ENTRY_READY), timeoutMs);
  const start = async () => {
    app = await spawnApp(env);
    return app;
  };
  const postNotifications = async (body: unknown) => {
    const res = await fetch(`${app!.url}/api/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    fixture = await syntheticFixture([big, late, missed], { description: 'crash-resume: one 48 MiB recording in OneDrive, two that arrive later' });
    e = await startTestEmulators(fixture);
    await e.control(e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    proxy = await startKalturaUploadLog(e.kaltura.url);
    dataDir = await mkdtemp(join(tmpdir(), 'archiver-crash-'));
    const viaProxy = { ...e, kaltura: { ...e.kaltura, url: proxy.url } };
    env = {
      ...(await appEnvironment(fixture, viaProxy, dataDir, await freePort())),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      WORKER_LEASE_MS: String(LEASE_MS),
    };
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && app) process.stderr.write(`--- app output ---\n${app.output()}\n`);
  });

  after(async () => {
    await app?.crash();
    await proxy?.close();
    await e?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('continues the upload where Kaltura says it stopped and leaves exactly one entry with the right sha256', async () => {
    // every chunk waits in the emulator, so the kill lands while chunks are still going up
    await e.control(e.kaltura, 'POST', '/__control/faults', { method: 'POST', pathPattern: '/service/uploadtoken/action/upload', delayMs: UPLOAD_DELAY_MS, count: 1_000 });
    const first = await start();

    // found by the start-up sweep; kill once some but not all chunks have landed
    const before = await waitFor(
      'two chunks of the big recording in Kaltura',
      async () => (await kaltura()).uploadTokens.find((t) => (t.uploadedFileSize ?? 0) >= 2 * CHUNK),
      90_000,
    );
    await first.crash();
    const killedAt = Date.now();
    assert.ok(before.uploadedFileSize! < SIZE, `killed too late: ${before.uploadedFileSize} of ${SIZE} bytes had landed`);
    bigTokenId = before.id;

    // a chunk in flight when the process died either landed whole or not at all; let it settle
    await sleep(UPLOAD_DELAY_MS + 800);
    await e.control(e.kaltura, 'DELETE', '/__control/faults');
    const afterCrash = await kaltura();
    assert.equal(afterCrash.uploadTokens.length, 1);
    const held = afterCrash.uploadTokens[0]!.uploadedFileSize!;
    assert.ok(held >= 2 * CHUNK && held < SIZE, `Kaltura holds ${held} of ${SIZE} bytes after the crash`);
    assert.equal(held % CHUNK, 0, 'only whole chunks land');
    const halfDone = await entriesFor(big.id);
    assert.equal(halfDone.length, 1, 'the entry was created before the upload');
    assert.notEqual(halfDone[0]!.status, ENTRY_READY);
    const callsBeforeRestart = proxy.uploads.length;

    await start();
    const entry = await readyEntry(big.id, 120_000);

    // exactly one entry, with exactly the recording's bytes
    const all = (await kaltura()).entries;
    assert.equal(all.filter((x) => x.referenceId === `Teams_${big.id}`).length, 1);
    assert.equal(entry.contentSize, SIZE);
    assert.equal(entry.contentSha256, await contentSha256(big.seed, SIZE));

    // the second process continued on the same upload token, from where Kaltura said it was
    const tokens = (await kaltura()).uploadTokens;
    assert.equal(tokens.length, 1, 'no second upload token: the upload was not started over');
    const calls = proxy.uploads.filter((u) => u.uploadTokenId === bigTokenId);
    // the kill can cut a call off before its parameters were sent: it names nothing, and Kaltura never answered it
    const cutOff = proxy.uploads.filter((u) => u.uploadTokenId === null);
    assert.ok(cutOff.length <= 1 && cutOff.every((u) => u.status === null && u.at <= killedAt), `calls without parameters: ${JSON.stringify(cutOff)}`);
    assert.equal(calls.length, proxy.uploads.length - cutOff.length, 'every upload call names the one token');
    assert.ok(calls.every((u) => u.resumeAt !== null && u.resume !== null), 'the parameters of every call were read');
    const firstCall = calls[0]!;
    assert.equal(firstCall.resumeAt, 0);
    assert.ok(firstCall.bodyBytes > CHUNK && firstCall.bodyBytes < CHUNK + 4096, `chunks are ${CHUNK} bytes (first body: ${firstCall.bodyBytes})`);
    const resumed = calls.slice(callsBeforeRestart);
    assert.ok(resumed.length > 0, 'the second process uploaded');
    assert.equal(resumed[0]!.resume, true, 'the first call after the restart appends (resume=true) rather than replacing the file');
    assert.equal(resumed[0]!.resumeAt, held, 'the first call after the restart resumes at what Kaltura held');
    assert.ok(resumed.every((u) => u.resumeAt! >= held), `nothing before byte ${held} was sent again: ${resumed.map((u) => u.resumeAt).join(', ')}`);
    assert.equal(resumed.at(-1)!.finalChunk, true);
    assert.equal(resumed.filter((u) => u.status === 200).length, (SIZE - held) / CHUNK, 'each missing chunk sent once after the restart');
    const perOffset = new Map<number, number>();
    for (const u of calls) perOffset.set(u.resumeAt!, (perOffset.get(u.resumeAt!) ?? 0) + 1);
    for (const [offset, times] of perOffset) assert.ok(times <= 2, `the chunk at ${offset} was sent ${times} times`);
    const bytesSent = calls.reduce((n, u) => n + u.bodyBytes, 0);
    assert.ok(bytesSent < SIZE + CHUNK + 64 * 1024, `${bytesSent} bytes sent for a ${SIZE}-byte recording (at most one chunk again)`);

    // and downloaded from Graph from the same point (HTTP Range), not from the start
    const fetches = (await graph()).contentFetches.filter((f) => f.id === big.id && f.method === 'GET' && Date.parse(f.at) >= killedAt);
    assert.ok(fetches.length >= 1, 'the second process downloaded the rest');
    assert.equal(fetches[0]!.range, `bytes=${held}-`);
    assert.equal(fetches[0]!.served?.[0], held);
  });

  it('makes one entry per recording whatever notifications arrive twice, late, or out of order', async () => {
    // a notification Graph delivers normally
    const released = await e.control<{ notifications: Array<{ ok: boolean; status?: number }> }>(
      e.graph,
      'POST',
      `/__control/recordings/${encodeURIComponent(late.id)}/available`,
    );
    assert.deepEqual(released.notifications.map((n) => [n.ok, n.status]), [[true, 202]]);
    await readyEntry(late.id, 60_000);

    // one Graph could not deliver: the app was down (crashed, idle this time) when the recording appeared
    await app!.crash();
    const undelivered = await e.control<{ notifications: Array<{ ok: boolean; error?: string }> }>(
      e.graph,
      'POST',
      `/__control/recordings/${encodeURIComponent(missed.id)}/available`,
    );
    assert.equal(undelivered.notifications.length, 1);
    assert.equal(undelivered.notifications[0]!.ok, false, 'the app was down');
    await start();

    const sent = (await graph()).notifications.filter((n) => n.kind === 'change');
    const batchFor = (id: string) => {
      const n = sent.find((d) => JSON.stringify(d.payload).includes(id));
      assert.ok(n, `Graph posted a notification for ${id}`);
      return n.payload;
    };
    const lateBatch = batchFor(late.id);
    const missedBatch = batchFor(missed.id);
    // Graph's retry of the missed one arrives, twice, with a replay of the delivered one in between
    assert.equal(await postNotifications(missedBatch), 202);
    const statuses = await Promise.all([postNotifications(lateBatch), postNotifications(missedBatch), postNotifications(lateBatch)]);
    assert.deepEqual(statuses, [202, 202, 202]);
    await readyEntry(missed.id, 60_000);
    const settled = { kaltura: await kaltura(), graph: await graph(), uploads: proxy.uploads.length };

    // then a stale one for the big recording (archived in the first test), and a batch naming one item twice
    const stale = {
      value: [{ ...lateBatch.value[0]!, resource: String(lateBatch.value[0]!.resource).replace(late.id, big.id).replace(meetingOf(late.id), meetingOf(big.id)) }],
    };
    assert.equal(await postNotifications(stale), 202);
    assert.equal(await postNotifications({ value: [...missedBatch.value, ...missedBatch.value, ...lateBatch.value] }), 202);
    // a worker polls every second: give any job these could have made time to start
    await sleep(3_000);

    const final = await kaltura();
    for (const r of [big, late, missed]) {
      const mine = final.entries.filter((x) => x.referenceId === `Teams_${r.id}`);
      assert.equal(mine.length, 1, `one entry for ${r.id}`);
      assert.equal(mine[0]!.status, ENTRY_READY);
      assert.equal(mine[0]!.contentSha256, await contentSha256(r.seed, r.size));
    }
    assert.equal(final.entries.length, 3);
    assert.equal(final.uploadTokens.length, settled.kaltura.uploadTokens.length, 'no new upload token');
    assert.equal(proxy.uploads.length, settled.uploads, 'no new upload');
    const g = await graph();
    assert.equal(g.contentFetches.length, settled.graph.contentFetches.length, 'no recording downloaded again');

    function meetingOf(recordingId: string): string {
      return fixture.meetings.find((m) => m.recordings.some((r) => r.id === recordingId))!.id;
    }
  });
});
