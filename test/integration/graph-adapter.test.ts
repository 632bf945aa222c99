import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createAppTokenProvider } from '../../api/src/graph/app-token-provider.js';
import { GraphAdapter } from '../../api/src/graph/graph-adapter.js';
import { GraphError } from '../../api/src/graph/graph-errors.js';
import type { RecordingInfo } from '../../api/src/graph/graph-port.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const QBR = 'MSowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEqMCoqMTk6bWVldGluZ19OalE0WmpFMFpUSXRZak5rTWkwMFl6VTRMVGc1WlRRdE5qUmtaR1E1TmpGbE1XVTBAdGhyZWFkLnYy';
const QBR_RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAwIyM3YTM2NDRjYi1mMDA3LTRjMDAtOWJiMy1jMTUzYzE4ODY4NGY=';
const NESTOR = '00000000-0000-4000-8000-000000000004';
const SALES = '00000000-0000-4000-8000-000000000101';
const ALL_STAFF = '00000000-0000-4000-8000-000000000102';
const BROAD_APP = '0b0a0d00-0000-4000-8000-00000000b0ad';
const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

/** The app's Graph adapter (msal-node + the Graph SDK) against the Entra and Graph emulators. */
describe('Graph adapter against the emulators', function () {
  let e: TestEmulators;

  before(async () => {
    e = await startTestEmulators();
  });
  after(() => e?.close());
  afterEach(async () => {
    await e.control(e.graph, 'POST', '/__control/fixture', e.fixture);
    await e.control(e.entra, 'POST', '/__control/fixture', e.fixture);
  });

  function adapter(over: { clientId?: string; secret?: string; tenantId?: string } = {}) {
    const reg = e.fixture.appRegistrations[0]!;
    const tokens = createAppTokenProvider(
      { tenantId: over.tenantId ?? e.fixture.tenant.id, clientId: over.clientId ?? reg.clientId, clientSecret: over.secret ?? reg.secrets[0]!.value },
      { authorityHost: e.entra.url, scope: 'https://graph.microsoft.com/.default', fetch: e.trust.fetch },
    );
    return new GraphAdapter({ baseUrl: e.graph.url, tokens, dispatcher: e.trust.dispatcher });
  }

  async function loadBoth(f: Fixture) {
    await e.control(e.graph, 'POST', '/__control/fixture', f);
    await e.control(e.entra, 'POST', '/__control/fixture', f);
  }

  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof GraphError, `expected a GraphError, got ${String(err)}`);
      return err.code;
    }
    return 'no error';
  }

  it('passes the connection test with the demo registration', async () => {
    await adapter().verifyAccess({ transcripts: true, entraGroups: true });
  });

  it('reads users and a meeting with its participants and roles', async () => {
    const g = adapter();
    const megan = await g.getUser(MEGAN);
    assert.equal(megan?.userPrincipalName, 'megan.bowen@contoso.onmicrosoft.com');
    assert.equal(await g.getUser('99999999-9999-4999-8999-999999999999'), undefined);
    const m = await g.getMeeting(MEGAN, QBR);
    assert.equal(m.subject, 'Quarterly business review');
    assert.equal(m.organizerId, MEGAN);
    assert.deepEqual(
      m.participants.map((p) => p.role).sort(),
      ['attendee', 'attendee', 'coorganizer', 'presenter'],
    );
  });

  it('lists an organizer\'s available recordings in a window, and none outside it', async () => {
    const g = adapter();
    const found: RecordingInfo[] = [];
    for await (const r of g.listRecordings(MEGAN, window)) found.push(r);
    assert.deepEqual(found.map((r) => [r.id, r.meetingId, r.organizerId]), [[QBR_RECORDING, QBR, MEGAN]]);
    const none: RecordingInfo[] = [];
    for await (const r of g.listRecordings(MEGAN, { from: new Date('2025-01-01Z'), to: new Date('2025-02-01Z') })) none.push(r);
    assert.equal(none.length, 0);
  });

  it('streams recording content, whole and resumed from an offset, with the fixture\'s sha256', async () => {
    const g = adapter();
    const rec = e.fixture.meetings[0]!.recordings[0]!;
    const info: RecordingInfo = { id: rec.id, meetingId: QBR, organizerId: MEGAN, createdDateTime: rec.createdDateTime };
    const whole = createHash('sha256');
    const d0 = await g.downloadRecording(info, 0);
    assert.equal(d0.totalSize, rec.size);
    for await (const c of d0.stream) whole.update(c as Buffer);
    const expected = await contentSha256(rec.seed, rec.size);
    assert.equal(whole.digest('hex'), expected);

    const split = 1_000_003;
    const stitched = createHash('sha256');
    const head = await g.downloadRecording(info, 0);
    let taken = 0;
    for await (const c of head.stream) {
      const chunk = c as Buffer;
      const want = Math.min(chunk.length, split - taken);
      stitched.update(chunk.subarray(0, want));
      taken += want;
      if (taken >= split) break;
    }
    const tail = await g.downloadRecording(info, split);
    assert.deepEqual([tail.offset, tail.totalSize], [split, rec.size]);
    for await (const c of tail.stream) stitched.update(c as Buffer);
    assert.equal(stitched.digest('hex'), expected);
  });

  it('follows a 302 to a pre-authenticated download URL on another origin, without the bearer, Range kept', async () => {
    await e.control(e.graph, 'POST', '/__control/settings', { contentRedirect: true });
    const g = adapter();
    const rec = e.fixture.meetings[0]!.recordings[0]!;
    const info: RecordingInfo = { id: rec.id, meetingId: QBR, organizerId: MEGAN, createdDateTime: rec.createdDateTime };
    const expected = await contentSha256(rec.seed, rec.size);

    const whole = createHash('sha256');
    const d0 = await g.downloadRecording(info, 0);
    assert.deepEqual([d0.offset, d0.totalSize], [0, rec.size]);
    for await (const c of d0.stream) whole.update(c as Buffer);
    assert.equal(whole.digest('hex'), expected);

    const split = 777_777;
    const tail = await g.downloadRecording(info, split);
    assert.deepEqual([tail.offset, tail.totalSize], [split, rec.size]);
    const rest = createHash('sha256');
    let restBytes = 0;
    for await (const c of tail.stream) {
      rest.update(c as Buffer);
      restBytes += (c as Buffer).length;
    }
    assert.equal(restBytes, rec.size - split);

    type Fetch = { via: string; status: number; authorization: boolean; range: string | null; bytesSent: number };
    const { contentFetches } = await e.control<{ contentFetches: Fetch[] }>(e.graph, 'GET', '/__control/state');
    assert.deepEqual(
      contentFetches.map((f) => [f.via, f.status, f.authorization, f.range]),
      [
        ['graph', 302, true, null],
        ['download', 200, false, null],
        ['graph', 302, true, `bytes=${split}-`],
        ['download', 206, false, `bytes=${split}-`],
      ],
    );
    assert.notEqual(new URL(e.graphDownloads.url).port, new URL(e.graph.url).port);
  });

  it("reads the expiry of the secret in use from the app registration's passwordCredentials, by its hint", async () => {
    const reg = e.fixture.appRegistrations[0]!;
    const own = (secret: string) => {
      const tokens = createAppTokenProvider(
        { tenantId: e.fixture.tenant.id, clientId: reg.clientId, clientSecret: secret },
        { authorityHost: e.entra.url, scope: 'https://graph.microsoft.com/.default', fetch: e.trust.fetch },
      );
      return new GraphAdapter({ baseUrl: e.graph.url, tokens, dispatcher: e.trust.dispatcher, ownCredential: { clientId: reg.clientId, secretHint: secret.slice(0, 3) } });
    };
    const f = structuredClone(e.fixture);
    f.appRegistrations[0]!.secrets = [
      { value: 'abc-first-secret-0001', expiresAt: '2027-03-01T00:00:00Z' },
      { value: 'xyz-second-secret-002', expiresAt: '2028-09-15T00:00:00Z' },
    ];
    await loadBoth(f);
    assert.deepEqual(await own('abc-first-secret-0001').ownSecretExpiry(), { known: true, expiresAt: '2027-03-01T00:00:00Z' });
    assert.deepEqual(await own('xyz-second-secret-002').ownSecretExpiry(), { known: true, expiresAt: '2028-09-15T00:00:00Z' });

    f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => p !== 'Application.Read.All');
    await loadBoth(f);
    const blind = await own('abc-first-secret-0001').ownSecretExpiry();
    assert.equal(blind.known, false);
    assert.match(blind.known ? '' : blind.reason, /Application\.Read\.All/);
  });

  it('reads the transcript as VTT', async () => {
    const g = adapter();
    const t = e.fixture.meetings[0]!.transcripts[0]!;
    const vtt = await g.transcriptVtt({ id: t.id, meetingId: QBR, organizerId: MEGAN, createdDateTime: t.createdDateTime });
    assert.equal(vtt, t.vtt);
  });

  it('names each Entra failure: expired secret, invalid secret, unknown tenant, unknown client', async () => {
    const f = structuredClone(e.fixture);
    f.appRegistrations[0]!.secrets[0]!.expiresAt = '2020-01-01T00:00:00Z';
    await loadBoth(f);
    assert.equal(await codeOf(adapter().getUser(MEGAN)), 'SECRET_EXPIRED');
    await loadBoth(e.fixture);
    assert.equal(await codeOf(adapter({ secret: 'not-the-secret-at-all' }).getUser(MEGAN)), 'SECRET_INVALID');
    assert.equal(await codeOf(adapter({ tenantId: '12345678-1234-4234-8234-123456789012' }).getUser(MEGAN)), 'UNKNOWN_TENANT');
    assert.equal(await codeOf(adapter({ clientId: '12345678-1234-4234-8234-123456789012' }).getUser(MEGAN)), 'UNKNOWN_CLIENT_ID');
  });

  it('names each Graph refusal: missing permission, no access policy, transcripts off', async () => {
    const noRecordings = structuredClone(e.fixture);
    noRecordings.appRegistrations[0]!.permissions = noRecordings.appRegistrations[0]!.permissions.filter((p) => p !== 'OnlineMeetingRecording.Read.All');
    await loadBoth(noRecordings);
    assert.equal(await codeOf(adapter().verifyAccess()), 'MISSING_RECORDING_PERMISSION');

    const noTranscripts = structuredClone(e.fixture);
    noTranscripts.appRegistrations[0]!.permissions = noTranscripts.appRegistrations[0]!.permissions.filter((p) => p !== 'OnlineMeetingTranscript.Read.All');
    await loadBoth(noTranscripts);
    assert.equal(await codeOf(adapter().verifyAccess({ transcripts: true })), 'MISSING_TRANSCRIPT_PERMISSION');
    await adapter().verifyAccess({ transcripts: false });

    const noPolicy = structuredClone(e.fixture);
    noPolicy.appRegistrations[0]!.applicationAccessPolicy = false;
    await loadBoth(noPolicy);
    assert.equal(await codeOf(adapter().verifyAccess()), 'APPLICATION_ACCESS_POLICY_MISSING');

    const transcriptsOff = structuredClone(e.fixture);
    transcriptsOff.tenant.transcriptApiAccess = false;
    await loadBoth(transcriptsOff);
    assert.equal(await codeOf(adapter().verifyAccess({ transcripts: true })), 'TRANSCRIPT_API_ACCESS_DISABLED');
  });

  it('works with an app registration holding only higher-privileged permissions that include the ones it needs', async () => {
    const grantsOnly = async (permissions: Fixture['appRegistrations'][number]['permissions']) => {
      const f = structuredClone(e.fixture);
      const broad = { ...structuredClone(f.appRegistrations[0]!), clientId: BROAD_APP, secrets: [{ value: 'broad~client~secret~0001', expiresAt: '2099-01-01T00:00:00Z' }], permissions };
      f.appRegistrations.push(broad);
      await loadBoth(f);
      return adapter({ clientId: BROAD_APP, secret: 'broad~client~secret~0001' });
    };
    const exercise = async (g: GraphAdapter) => {
      await g.verifyAccess({ transcripts: true, entraGroups: true });
      assert.equal((await g.getUser(MEGAN))?.userPrincipalName, 'megan.bowen@contoso.onmicrosoft.com');
      assert.equal((await g.getMeeting(MEGAN, QBR)).organizerId, MEGAN);
      assert.deepEqual(await g.memberGroups(NESTOR, [SALES, ALL_STAFF]), [ALL_STAFF]);
    };
    // the directory readers grant users and group memberships; ReadWrite grants reading meetings
    await exercise(await grantsOnly(['OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All', 'OnlineMeetings.ReadWrite.All', 'Directory.Read.All']));
    await exercise(await grantsOnly(['OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All', 'OnlineMeetings.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All']));
    await exercise(await grantsOnly(['OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All', 'OnlineMeetings.Read.All', 'Directory.ReadWrite.All']));
    // a group reader without a user reader is not enough for checkMemberGroups, on Graph's side as on ours
    const noUsers = await grantsOnly(['OnlineMeetingRecording.Read.All', 'OnlineMeetings.Read.All', 'Group.Read.All']);
    assert.equal(await codeOf(noUsers.verifyAccess({ entraGroups: true })), 'MISSING_USER_PERMISSION');
    // OnlineMeetingArtifact.Read.All covers attendance reports, not recordings (Graph's permissions tables)
    const artifacts = await grantsOnly(['OnlineMeetingArtifact.Read.All', 'OnlineMeetings.Read.All', 'User.Read.All']);
    assert.equal(await codeOf(artifacts.verifyAccess()), 'MISSING_RECORDING_PERMISSION');
  });

  it('reads one recording\'s metadata, and answers undefined for one Graph does not have', async () => {
    const g = adapter();
    const rec = await g.getRecording(MEGAN, QBR, QBR_RECORDING);
    assert.deepEqual([rec?.id, rec?.meetingId, rec?.organizerId], [QBR_RECORDING, QBR, MEGAN]);
    assert.equal(await g.getRecording(MEGAN, QBR, 'VjIjIzEwMDAwMDAwMC1ub3Qtb25lLW9mLW91cnM='), undefined);
  });

  it('never lets an id become a dot-segment of the URL', async () => {
    const g = adapter();
    for (const id of ['..', '.']) {
      assert.equal(await codeOf(g.getRecording(MEGAN, QBR, id)), 'GRAPH_ID_INVALID');
      assert.equal(await codeOf(g.downloadRecording({ id, meetingId: QBR, organizerId: MEGAN, createdDateTime: '2026-11-20T10:00:00Z' }, 0)), 'GRAPH_ID_INVALID');
      assert.equal(await codeOf(g.getMeeting(MEGAN, id)), 'GRAPH_ID_INVALID');
    }
    const log = await e.control<Array<{ path: string }>>(e.graph, 'GET', '/__control/requests');
    assert.ok(log.every((r) => !/\/onlineMeetings\/[^/]+\/content$|\/onlineMeetings(\/content)?$/.test(r.path)), 'no request reached a parent resource');
  });

  it('reports throttling as retryable with the Retry-After Graph sent', async () => {
    const g = adapter();
    await g.getUser(MEGAN);
    await e.control(e.graph, 'POST', '/__control/faults', {
      pathPattern: '/getAllRecordings',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { error: { code: 'TooManyRequests', message: 'Too many requests' } },
    });
    try {
      for await (const _ of g.listRecordings(MEGAN, window)) break;
      assert.fail('expected a throttling error');
    } catch (err) {
      assert.ok(err instanceof GraphError);
      assert.deepEqual([err.code, err.retryable, err.blocking, err.retryAfterMs], ['GRAPH_THROTTLED', true, false, 7000]);
    }
  });
});
