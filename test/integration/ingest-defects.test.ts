import assert from 'node:assert/strict';
import kaltura from 'kaltura-client';
import { entryName } from '../../api/src/ingestion/entry-text.js';
import { attachTranscriptJob, ingestRecordingJob } from '../../api/src/ingestion/job-kinds.js';
import { uploadFileName } from '../../api/src/ingestion/upload-tokens.js';
import type { IntegrationSettings } from '../../api/src/integrations/settings.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness, type KalturaEntryState } from '../support/app-harness.js';

const ENTRY_READY = 2;
const TOKEN = { PENDING: 0, PARTIAL: 1, FULL: 2, DELETED: 5 } as const;

interface KalturaState {
  entries: KalturaEntryState[];
  users: Array<{ id: string }>;
  uploadTokens: Array<{ id: string; status: number; fileName: string | null; uploadedFileSize: number | null; attachedObjectId: string | null }>;
}
type RequestLog = Array<{ at: string; method: string; path: string; query?: string; status: number }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kalturaState = (h: AppHarness) => h.e.control<KalturaState>(h.e.kaltura, 'GET', '/__control/state');
const graphLog = (h: AppHarness) => h.e.control<RequestLog>(h.e.graph, 'GET', '/__control/requests');
const kalturaLog = (h: AppHarness) => h.e.control<RequestLog>(h.e.kaltura, 'GET', '/__control/requests');
/** tokens holding bytes that nothing will attach */
const orphans = (s: KalturaState) =>
  s.uploadTokens.filter((t) => (t.status === TOKEN.PENDING || t.status === TOKEN.PARTIAL || t.status === TOKEN.FULL) && !t.attachedObjectId);

async function integrationId(h: AppHarness): Promise<string> {
  return (await h.app.store.integrations.list())[0]!.id;
}

async function recordingState(h: AppHarness, recordingId: string) {
  return h.app.store.recordings.get({ integrationId: await integrationId(h), recordingId });
}

async function started(fixture?: Fixture): Promise<AppHarness> {
  const h = await startAppHarness(fixture);
  const qbr = h.e.fixture.meetings[0]!.recordings[0]!;
  await waitFor('the QBR recording archived by the first sweep', async () => (await recordingState(h, qbr.id))?.state === 'archived');
  await waitFor('the first jobs done', async () => {
    const counts = await h.app.store.jobs.countByState(await integrationId(h));
    return counts.queued === 0 && counts.active === 0;
  });
  return h;
}

/** Change notifications as Graph posts them, for the app's own subscription, with its clientState: forged, but correctly signed. */
async function postNotifications(h: AppHarness, refs: Array<[meetingId: string, recordingId: string]>): Promise<number> {
  const sub = await waitFor('a subscription to getAllRecordings', async () =>
    (await h.app.store.subscriptions.listByIntegration(await integrationId(h))).find((s) => s.resource === 'communications/onlineMeetings/getAllRecordings'),
  );
  const body = {
    value: refs.map(([meetingId, recordingId]) => ({
      subscriptionId: sub.id,
      changeType: 'created',
      tenantId: h.e.fixture.tenant.id,
      clientState: sub.clientState,
      subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      resource: `communications/onlineMeetings('${meetingId}')/recordings('${recordingId}')`,
      resourceData: { id: recordingId, '@odata.type': '#Microsoft.Graph.callRecording' },
    })),
  };
  const res = await fetch(`${h.app.url}/api/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('ingestion: ids from notifications are checked before any call', function () {
  this.timeout(120_000);
  let h: AppHarness;
  before(async () => {
    h = await started();
  });
  after(() => h?.close());
  beforeEach(async () => {
    await h.e.control(h.e.graph, 'DELETE', '/__control/requests');
    await h.e.control(h.e.kaltura, 'DELETE', '/__control/requests');
  });

  it('correctly signed notifications naming ids Graph never gives out reach neither Graph nor Kaltura', async () => {
    const f = h.e.fixture;
    const sko = f.meetings[1]!;
    const entriesBefore = (await kalturaState(h)).entries.length;
    const forged: Array<[string, string]> = [
      [sko.id, '..'],
      [sko.id, '.'],
      [sko.id, '../content'],
      [sko.id, 'abc/../../users'],
      [sko.id, `${sko.recordings[0]!.id}/..`],
      [sko.id, 'x?$select=id'],
      [sko.id, 'x#y'],
      [sko.id, 'x"y'],
      [sko.id, 'x'.repeat(2000)],
      ['X', '..'],
      ['X', sko.recordings[0]!.id],
      [`${sko.id}/..`, sko.recordings[0]!.id],
      ['..', '..'],
    ];
    assert.equal(await postNotifications(h, forged), 202);
    for (const ref of forged.slice(0, 3)) assert.equal(await postNotifications(h, [ref]), 202);
    // a worker polls every few hundred milliseconds: time for any job these could have made
    await sleep(2_000);

    const graph = await graphLog(h);
    assert.deepEqual(graph.filter((r) => /\.\.|%2e/i.test(`${r.path}${r.query ?? ''}`)), [], "no Graph request with '..'");
    assert.deepEqual(graph.filter((r) => r.path.includes('/onlineMeetings')), [], 'no meeting, recording or content was asked for');
    const k = await kalturaLog(h);
    assert.deepEqual(k.filter((r) => /media\/action\/add|uploadtoken\/action\/add|user\/action\/add/i.test(r.path)), [], 'nothing was made in Kaltura');
    assert.equal((await kalturaState(h)).entries.length, entriesBefore, 'no Kaltura entry');
    for (const [, recordingId] of forged) assert.equal(await recordingState(h, recordingId), null, 'no recording was queued');
  });

  it('a job whose payload names such an id fails at once, before any call', async () => {
    const sko = h.e.fixture.meetings[1]!;
    const { job } = await h.app.store.jobs.enqueue(ingestRecordingJob(await integrationId(h), { meetingId: sko.id, recordingId: '..' }, 'sweep'));
    const failed = await waitFor('the job failed', async () => {
      const j = await h.app.store.jobs.get(job.id);
      return j?.state === 'failed' ? j : undefined;
    });
    assert.equal(failed.lastError?.code, 'GRAPH_ID_INVALID');
    assert.equal(failed.attempts, 1, 'not retried');
    assert.deepEqual((await graphLog(h)).filter((r) => r.path.includes('/onlineMeetings')), []);
  });

  it('a transcript job whose payload names such an id fails at once too', async () => {
    const sko = h.e.fixture.meetings[1]!;
    const { job } = await h.app.store.jobs.enqueue(attachTranscriptJob(await integrationId(h), { meetingId: sko.id, transcriptId: "..')/content?x=" }, 'sweep'));
    const failed = await waitFor('the transcript job failed', async () => {
      const j = await h.app.store.jobs.get(job.id);
      return j?.state === 'failed' ? j : undefined;
    });
    assert.equal(failed.lastError?.code, 'GRAPH_ID_INVALID');
    assert.equal(failed.attempts, 1, 'not retried');
  });

  it("a well-formed id Graph does not have: the recording's metadata is read first, its 404 fails the job for good, no entry", async () => {
    const f = h.e.fixture;
    const sko = f.meetings[1]!;
    const ghost = Buffer.from('V2##1no-such-recording-in-this-meeting##7a3644cb').toString('base64');
    assert.equal(await postNotifications(h, [[sko.id, ghost]]), 202);
    const state = await waitFor('the ghost recording failed', async () => {
      const r = await recordingState(h, ghost);
      return r?.state === 'failed' ? r : undefined;
    });
    assert.equal(state.error?.code, 'RECORDING_NOT_FOUND');
    const graph = await graphLog(h);
    const metadata = graph.filter((r) => r.path.endsWith(`/recordings/${encodeURIComponent(ghost)}`));
    assert.deepEqual(metadata.map((r) => [r.method, r.status]), [['GET', 404]], 'asked for once, not retried');
    assert.ok(!graph.some((r) => r.path.endsWith('/content')), 'no download');
    const k = await kalturaLog(h);
    assert.ok(!k.some((r) => /media\/action\/add|uploadtoken\/action\/add/i.test(r.path)), 'no Kaltura entry or upload token was made');
    assert.ok(!(await kalturaState(h)).entries.some((x) => x.referenceId === `Teams_${ghost}`));
  });
});

describe('ingestion: upload tokens are resumed, never abandoned', function () {
  this.timeout(180_000);
  let h: AppHarness;
  before(async () => {
    h = await started();
  });
  after(() => h?.close());
  afterEach(() => h.e.control(h.e.kaltura, 'DELETE', '/__control/faults'));

  it('a 502 reading the upload token mid-job is retried: the upload resumes on the same token and leaves no orphan', async () => {
    const sko = h.e.fixture.meetings[1]!.recordings[0]!; // 5 MiB: two 4 MiB chunks
    const tokensBefore = (await kalturaState(h)).uploadTokens.map((t) => t.id);
    await h.e.control(h.e.kaltura, 'DELETE', '/__control/requests');
    // the first chunk is slow, so the faults below land on what comes after it
    await h.e.control(h.e.kaltura, 'POST', '/__control/faults', { method: 'POST', pathPattern: '/service/uploadtoken/action/upload$', delayMs: 1_500, count: 1 });
    await h.release('recording', sko.id);
    const token = await waitFor('the SKO upload token', async () => (await kalturaState(h)).uploadTokens.find((t) => !tokensBefore.includes(t.id)), 30_000);
    // the second chunk fails (the job retries), then the retry's first look at the token gets a 502
    await h.e.control(h.e.kaltura, 'POST', '/__control/faults', {
      method: 'POST',
      pathPattern: '/service/uploadtoken/action/upload$',
      status: 500,
      headers: { 'Retry-After': '1' },
      body: '<html>Internal Server Error</html>',
      count: 1,
    });
    await h.e.control(h.e.kaltura, 'POST', '/__control/faults', {
      method: 'POST',
      pathPattern: '/service/uploadtoken/action/get$',
      status: 502,
      headers: { 'Retry-After': '1' },
      body: '<html>Bad Gateway</html>',
      count: 1,
    });

    const entry = await waitFor(
      'the SKO entry READY',
      async () => (await kalturaState(h)).entries.find((x) => x.referenceId === `Teams_${sko.id}` && x.status === ENTRY_READY),
      60_000,
    );
    assert.equal(entry.contentSha256, await contentSha256(sko.seed, sko.size));
    const faults = await h.e.control<unknown[]>(h.e.kaltura, 'GET', '/__control/faults');
    assert.deepEqual(faults, [], 'every fault was met');
    const after = await kalturaState(h);
    const made = after.uploadTokens.filter((t) => !tokensBefore.includes(t.id));
    assert.deepEqual(made.map((t) => t.id), [token.id], 'one upload token: the upload resumed on it instead of starting over');
    assert.equal(made[0]!.attachedObjectId, entry.id);
    assert.deepEqual(orphans(after), [], 'no orphan upload tokens');
    const uploads = (await kalturaLog(h)).filter((r) => r.path.endsWith('/uploadtoken/action/upload') && r.status === 200);
    assert.equal(uploads.length, 2, 'each chunk landed once: nothing was sent again from byte 0');
  });

  it('a token an interrupted attempt made but never noted is found by its name and deleted', async () => {
    const f = h.e.fixture;
    const eng = f.meetings[2]!;
    // what an attempt that crashed between creating the token and saving its id leaves in Kaltura
    const config = new kaltura.Configuration();
    config.serviceUrl = h.e.kaltura.url;
    config.setLogger({ log() {}, debug() {}, error() {} });
    const client = new kaltura.Client(config);
    client.setKs(await kaltura.services.session.start(f.kaltura.adminSecret, '', 2, f.kaltura.partnerId, 3600, 'disableentitlement').execute(client));
    const name = uploadFileName(await integrationId(h), eng.recordings[0]!.id, entryName({ subject: eng.subject, startDateTime: eng.startDateTime }));
    const left = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: name, fileSize: eng.recordings[0]!.size })).execute(client);
    await kaltura.services.uploadToken.upload(left.id!, Buffer.alloc(70_000, 1), false, false, 0).execute(client);

    await h.release('recording', eng.recordings[0]!.id);
    const entry = await waitFor(
      'the engineering entry READY',
      async () => (await kalturaState(h)).entries.find((x) => x.referenceId === `Teams_${eng.recordings[0]!.id}` && x.status === ENTRY_READY),
      60_000,
    );
    assert.equal(entry.contentSha256, await contentSha256(eng.recordings[0]!.seed, eng.recordings[0]!.size));
    const after = await kalturaState(h);
    assert.equal(after.uploadTokens.find((t) => t.id === left.id)?.status, TOKEN.DELETED, 'the left-behind token was deleted');
    assert.deepEqual(orphans(after), [], 'no orphan upload tokens');
  });
});

describe('ingestion: a job that gives up deletes its upload token', function () {
  this.timeout(120_000);
  let h: AppHarness;
  before(async () => {
    h = await started();
  });
  after(() => h?.close());

  it('a permanent Kaltura refusal mid-upload fails the recording and leaves no token behind', async () => {
    const sko = h.e.fixture.meetings[1]!.recordings[0]!;
    await h.e.control(h.e.kaltura, 'POST', '/__control/faults', {
      method: 'POST',
      pathPattern: '/service/uploadtoken/action/upload$',
      status: 200,
      body: { code: 'UPLOAD_TOKEN_FILE_TYPE_RESTRICTED_FOR_UPLOAD', message: 'File type restricted', objectType: 'KalturaAPIException', args: [] },
      count: 1,
    });
    await h.release('recording', sko.id);
    const failed = await waitFor('the SKO recording failed', async () => {
      const r = await recordingState(h, sko.id);
      return r?.state === 'failed' ? r : undefined;
    }, 30_000);
    assert.equal(failed.error?.code, 'UPLOAD_TOKEN_FILE_TYPE_RESTRICTED_FOR_UPLOAD');
    const s = await waitFor('the token deleted', async () => {
      const state = await kalturaState(h);
      return orphans(state).length === 0 ? state : undefined;
    }, 10_000);
    assert.ok(s.uploadTokens.some((t) => t.status === TOKEN.DELETED), 'the job made a token, and deleted it when it gave up');
  });
});

describe('ingestion: the upload scope is checked before the owner is created', function () {
  this.timeout(120_000);
  let h: AppHarness | undefined;
  after(() => h?.close());

  it('an organizer outside the opt-in Kaltura groups is skipped without being created in Kaltura', async () => {
    const f = structuredClone(await demoFixture());
    for (const m of f.meetings) for (const r of m.recordings) r.available = true;
    // owners only: Kaltura makes unknown entitled participants by itself
    for (const m of f.meetings) m.participants = [];
    Object.assign(f.integrations[0]!.settings, { uploadScope: 'opt-in', groupSource: 'kaltura', groups: ['teams-recorders'] } satisfies Partial<IntegrationSettings>);
    h = await startAppHarness(f);
    const nestor = f.users.find((u) => u.id === f.meetings[2]!.organizerId)!;
    const skipped = await waitFor('the engineering recording skipped', async () => {
      const r = await recordingState(h!, f.meetings[2]!.recordings[0]!.id);
      return r?.state === 'skipped' ? r : undefined;
    }, 30_000);
    assert.match(skipped.reason ?? '', /none of the opt-in Kaltura groups/);
    await waitFor('the members\' recordings archived', async () =>
      (await Promise.all(f.meetings.slice(0, 2).map((m) => recordingState(h!, m.recordings[0]!.id)))).every((r) => r?.state === 'archived'),
    );
    const users = (await kalturaState(h)).users.map((u) => u.id);
    assert.ok(!users.includes(nestor.userPrincipalName), `no Kaltura user was created for ${nestor.userPrincipalName}: ${users.join(', ')}`);
    const adds = (await kalturaLog(h)).filter((r) => /\/service\/user\/action\/add$/.test(r.path));
    assert.equal(adds.length, 0, 'user.add was never called');
  });
});
