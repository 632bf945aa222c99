import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAppTokenProvider } from '../../api/src/graph/app-token-provider.js';
import { GraphAdapter } from '../../api/src/graph/graph-adapter.js';
import { GraphError } from '../../api/src/graph/graph-errors.js';
import type { CallArtifactInfo, RecordingInfo } from '../../api/src/graph/graph-port.js';
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
    await assertWholeAndResumed(g, info, { size: rec.size, sha256: await contentSha256(rec.seed, rec.size) }, 1_000_003);
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
  describe('ad hoc calls', () => {
    // the demo's 1:1 call (sandbox/fixtures/demo.json calls[0]), Megan → Lee, held back until released
    const CALL = '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a';
    const CALL_RECORDING =
      'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtUmVjb3JkaW5n';
    const CALL_TRANSCRIPT =
      'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtVHJhbnNjcmlwdFYyIyMw';
    const LEE = '00000000-0000-4000-8000-000000000003';
    const ADELE = '00000000-0000-4000-8000-000000000002';
    const OTHER_CALL = '0f1e2d3c-4b5a-4697-8a7b-6c5d4e3f2a1b';
    const ADELES_CALL = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const callArtifactId = (call: string, suffix: string) => Buffer.from(`3##19:0a1b2c3d4e5f40718293a4b5c6d7e8f9@thread.v2##${call}-${suffix}`).toString('base64');
    /** around now: a held-back item's createdDateTime is the moment it was released */
    const aroundNow = () => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });

    const release = (kind: 'recordings' | 'transcripts', id: string) =>
      e.control<{ madeAvailable: boolean }>(e.graph, 'POST', `/__control/${kind}/${encodeURIComponent(id)}/available`);

    async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
      const out: T[] = [];
      for await (const x of items) out.push(x);
      return out;
    }

    beforeEach(async () => {
      assert.equal((await release('recordings', CALL_RECORDING)).madeAvailable, true);
      assert.equal((await release('transcripts', CALL_TRANSCRIPT)).madeAvailable, true);
    });

    async function withoutPermission(permission: string) {
      const f = structuredClone(e.fixture);
      f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => p !== permission);
      await loadBoth(f);
      await release('recordings', CALL_RECORDING);
      await release('transcripts', CALL_TRANSCRIPT);
    }

    it("lists the initiator's released call recording and transcript, and nobody else's", async () => {
      const g = adapter();
      const recordings = await all(g.listCallRecordings(MEGAN, aroundNow()));
      assert.deepEqual(recordings.map((r) => [r.id, r.callId, r.organizerId, r.meetingId]), [[CALL_RECORDING, CALL, MEGAN, '']]);
      assert.ok(Math.abs(Date.parse(recordings[0]!.createdDateTime) - Date.now()) < 120_000, recordings[0]!.createdDateTime);
      const transcripts = await all(g.listCallTranscripts(MEGAN, aroundNow()));
      assert.deepEqual(transcripts.map((t) => [t.id, t.callId, t.organizerId]), [[CALL_TRANSCRIPT, CALL, MEGAN]]);
      // Lee took part but did not start it; and a window before the release finds nothing
      assert.deepEqual(await all(g.listCallRecordings(LEE, aroundNow())), []);
      assert.deepEqual(await all(g.listCallRecordings(MEGAN, { from: new Date('2025-01-01Z'), to: new Date('2025-02-01Z') })), []);
    });

    it('follows @odata.nextLink across pages of call recordings, in the window only', async () => {
      const f = structuredClone(e.fixture);
      const rec = (id: string, at: string) => ({ id, createdDateTime: at, endDateTime: at, size: 1_000, seed: id, available: true });
      const megansNov = [1, 2, 3, 4, 5].map((n) => callArtifactId(OTHER_CALL, `17943${n}0000-Recording`));
      f.calls.push(
        {
          id: OTHER_CALL,
          initiatorId: MEGAN,
          participants: [{ userId: LEE }, { phoneNumber: '+14255550123', displayName: 'Fourth Coffee' }],
          startDateTime: '2026-11-10T09:00:00Z',
          endDateTime: '2026-11-10T12:00:00Z',
          recordings: [...megansNov.map((id, i) => rec(id, new Date(Date.parse('2026-11-10T09:10:00Z') + i * 1_800_000).toISOString())), rec(callArtifactId(OTHER_CALL, '1800000000-Recording'), '2027-01-15T09:00:00Z')],
          transcripts: [],
        },
        {
          id: ADELES_CALL,
          initiatorId: ADELE,
          participants: [{ userId: MEGAN }],
          startDateTime: '2026-11-12T09:00:00Z',
          endDateTime: '2026-11-12T10:00:00Z',
          recordings: [rec(callArtifactId(ADELES_CALL, '1794500000-Recording'), '2026-11-12T09:05:00Z')],
          transcripts: [],
        },
      );
      await loadBoth(f);
      const pages = async (pageSize: number) => {
        await e.control(e.graph, 'POST', '/__control/settings', { pageSize });
        await e.control(e.graph, 'DELETE', '/__control/requests');
        const found = await all(adapter().listCallRecordings(MEGAN, window));
        const log = await e.control<Array<{ method: string; path: string }>>(e.graph, 'GET', '/__control/requests');
        return { found, requests: log.filter((r) => /\/adhocCalls\/getAllRecordings/i.test(r.path)).length };
      };
      for (const pageSize of [1, 2, 100]) {
        const { found, requests } = await pages(pageSize);
        assert.deepEqual(found.map((r) => r.id).sort(), [...megansNov].sort(), `page size ${pageSize}`);
        assert.ok(found.every((r) => r.callId === OTHER_CALL && r.organizerId === MEGAN));
        assert.equal(requests, Math.ceil(megansNov.length / pageSize), `page size ${pageSize}: one request per page`);
      }
    });

    it('reads one call artifact, and answers undefined for a wrong call, initiator or id, or one not released', async () => {
      const g = adapter();
      const r = await g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING);
      assert.deepEqual([r?.id, r?.callId, r?.organizerId, r?.meetingId], [CALL_RECORDING, CALL, MEGAN, '']);
      const t = await g.getCallArtifact('transcript', MEGAN, CALL, CALL_TRANSCRIPT);
      assert.deepEqual([t?.id, t?.callId], [CALL_TRANSCRIPT, CALL]);
      assert.equal(await g.getCallArtifact('recording', MEGAN, '99999999-9999-4999-8999-999999999999', CALL_RECORDING), undefined);
      assert.equal(await g.getCallArtifact('recording', LEE, CALL, CALL_RECORDING), undefined, 'only the initiator path reaches it');
      assert.equal(await g.getCallArtifact('recording', MEGAN, CALL, callArtifactId(CALL, '1-Recording')), undefined);
      assert.equal(await g.getCallArtifact('transcript', MEGAN, CALL, CALL_RECORDING), undefined, 'a recording is not a transcript');
      await loadBoth(e.fixture);
      assert.equal(await g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING), undefined, 'held back again');
    });

    it("streams the call recording, whole and resumed from an offset, with the fixture's sha256", async () => {
      const g = adapter();
      const item = e.fixture.calls[0]!.recordings[0]!;
      const info = (await g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING)) as CallArtifactInfo;
      const expected = await contentSha256(item.seed, item.size);

      await assertWholeAndResumed(g, info, { size: item.size, sha256: expected }, 654_321);

      const log = await e.control<Array<{ method: string; path: string }>>(e.graph, 'GET', '/__control/requests');
      const content = log.filter((r) => r.path.endsWith('/content'));
      assert.ok(content.length >= 3);
      assert.ok(
        content.every((r) => r.path === `/v1.0/users/${MEGAN}/adhocCalls/${CALL}/recordings/${encodeURIComponent(CALL_RECORDING)}/content`),
        JSON.stringify(content.map((r) => r.path)),
      );
    });

    it('reads the call transcript as VTT', async () => {
      const g = adapter();
      const info = (await g.getCallArtifact('transcript', MEGAN, CALL, CALL_TRANSCRIPT)) as CallArtifactInfo;
      const vtt = await g.transcriptVtt(info);
      assert.match(vtt, /^WEBVTT/);
      assert.match(vtt, /<v Lee Gu>/);
      assert.equal(vtt, e.fixture.calls[0]!.transcripts[0]!.vtt);
    });

    it('passes the calls connection test with the demo registration', async () => {
      await adapter().verifyCallAccess({ transcripts: false });
      await adapter().verifyCallAccess({ transcripts: true });
    });

    it('names a missing CallRecordings.Read.All, for every call recording operation, and keeps meetings working', async () => {
      await withoutPermission('CallRecordings.Read.All');
      const g = adapter();
      assert.equal(await codeOf(g.verifyCallAccess({ transcripts: false })), 'MISSING_CALL_RECORDING_PERMISSION');
      assert.equal(await codeOf(g.verifyCallAccess({ transcripts: true })), 'MISSING_CALL_RECORDING_PERMISSION');
      assert.equal(await codeOf(all(g.listCallRecordings(MEGAN, aroundNow()))), 'MISSING_CALL_RECORDING_PERMISSION');
      assert.equal(await codeOf(g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING)), 'MISSING_CALL_RECORDING_PERMISSION');
      const info: RecordingInfo = { id: CALL_RECORDING, meetingId: '', callId: CALL, organizerId: MEGAN, createdDateTime: '2026-11-24T14:00:05Z' };
      assert.equal(await codeOf(g.downloadRecording(info, 0)), 'MISSING_CALL_RECORDING_PERMISSION');
      // transcripts of calls, and meetings, are another permission
      assert.equal((await all(g.listCallTranscripts(MEGAN, aroundNow()))).length, 1);
      await g.verifyAccess({ transcripts: true });
    });

    it('names a missing CallTranscripts.Read.All only when call transcripts are wanted', async () => {
      await withoutPermission('CallTranscripts.Read.All');
      const g = adapter();
      await g.verifyCallAccess({ transcripts: false });
      assert.equal(await codeOf(g.verifyCallAccess({ transcripts: true })), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
      assert.equal(await codeOf(all(g.listCallTranscripts(MEGAN, aroundNow()))), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
      const info: RecordingInfo = { id: CALL_TRANSCRIPT, meetingId: '', callId: CALL, organizerId: MEGAN, createdDateTime: '2026-11-24T14:00:05Z' };
      assert.equal(await codeOf(g.transcriptVtt(info)), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
      assert.equal((await all(g.listCallRecordings(MEGAN, aroundNow()))).length, 1);
    });

    it("reads Graph's own 403 on a calls path as the call permission missing, not the meeting one", async () => {
      // the token holds the roles, Graph refuses anyway (consent revoked since the token was issued): the 403 the emulator sends without them
      const forbidden = (pathPattern: string) =>
        e.control(e.graph, 'POST', '/__control/faults', { pathPattern, status: 403, body: { error: { code: 'Forbidden', message: '' } } });
      const g = adapter();
      await forbidden('/adhocCalls/getAllRecordings');
      assert.equal(await codeOf(all(g.listCallRecordings(MEGAN, aroundNow()))), 'MISSING_CALL_RECORDING_PERMISSION');
      await forbidden('/adhocCalls/getAllTranscripts');
      assert.equal(await codeOf(all(g.listCallTranscripts(MEGAN, aroundNow()))), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
      const recording = (await g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING))!;
      const transcript = (await g.getCallArtifact('transcript', MEGAN, CALL, CALL_TRANSCRIPT))!;
      await forbidden('/adhocCalls/.*/recordings/.*/content$');
      assert.equal(await codeOf(g.downloadRecording(recording, 0)), 'MISSING_CALL_RECORDING_PERMISSION');
      await forbidden('/adhocCalls/.*/transcripts/.*/content$');
      assert.equal(await codeOf(g.transcriptVtt(transcript)), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
      await forbidden('/adhocCalls/.*/recordings/[^/]+$');
      assert.equal(await codeOf(g.getCallArtifact('recording', MEGAN, CALL, CALL_RECORDING)), 'MISSING_CALL_RECORDING_PERMISSION');
    });

    it('names a missing access policy and a tenant with transcript access off on the calls path too', async () => {
      const noPolicy = structuredClone(e.fixture);
      noPolicy.appRegistrations[0]!.applicationAccessPolicy = false;
      await loadBoth(noPolicy);
      assert.equal(await codeOf(adapter().verifyCallAccess({ transcripts: false })), 'APPLICATION_ACCESS_POLICY_MISSING');

      const transcriptsOff = structuredClone(e.fixture);
      transcriptsOff.tenant.transcriptApiAccess = false;
      await loadBoth(transcriptsOff);
      await adapter().verifyCallAccess({ transcripts: false });
      assert.equal(await codeOf(adapter().verifyCallAccess({ transcripts: true })), 'TRANSCRIPT_API_ACCESS_DISABLED');
    });

    it('the meeting permissions grant nothing of calls', async () => {
      const f = structuredClone(e.fixture);
      f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => !p.startsWith('Call'));
      await loadBoth(f);
      const g = adapter();
      await g.verifyAccess({ transcripts: true });
      assert.equal(await codeOf(g.verifyCallAccess({ transcripts: true })), 'MISSING_CALL_RECORDING_PERMISSION');
    });

    describe('subscriptions', () => {
      let hook: Server;
      let hookUrl: string;

      before(async () => {
        // answers Graph's validation handshake, acknowledges the rest
        hook = createServer((req, res) => {
          const token = new URL(req.url ?? '/', 'http://hook').searchParams.get('validationToken');
          req.resume();
          req.on('end', () => {
            if (token !== null) {
              res.writeHead(200, { 'content-type': 'text/plain' });
              res.end(token);
            } else {
              res.writeHead(202);
              res.end();
            }
          });
        });
        await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
        hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
      });
      after(async () => {
        hook.closeAllConnections();
        await new Promise<void>((resolve) => hook.close(() => resolve()));
      });

      const input = (resource: string) => ({
        resource,
        notificationUrl: `${hookUrl}/api/graph/notifications`,
        lifecycleNotificationUrl: `${hookUrl}/api/graph/lifecycle`,
        clientState: 'calls-client-state-0001',
        expirationDateTime: new Date(Date.now() + 4_000 * 60_000),
      });

      it('creates the tenant-wide call transcripts subscription on /beta, and renews and deletes it', async () => {
        const g = adapter();
        await e.control(e.graph, 'DELETE', '/__control/requests');
        const sub = await g.createSubscription(input('communications/adhocCalls/getAllTranscripts'));
        assert.ok(sub.id);
        assert.equal(sub.resource.toLowerCase(), 'communications/adhoccalls/getalltranscripts');
        const posts = (await e.control<Array<{ method: string; path: string }>>(e.graph, 'GET', '/__control/requests')).filter((r) => r.method === 'POST');
        assert.deepEqual(posts.map((r) => `${r.method} ${r.path}`), ['POST /beta/subscriptions']);

        const until = new Date(Date.now() + 4_200 * 60_000);
        const renewed = await g.renewSubscription(sub.id, until);
        assert.equal(renewed.id, sub.id);
        assert.ok(Math.abs(Date.parse(renewed.expirationDateTime) - until.getTime()) < 1_000, renewed.expirationDateTime);

        await g.deleteSubscription(sub.id);
        assert.equal(await codeOf(g.renewSubscription(sub.id, until)), 'GRAPH_NOT_FOUND', 'gone after the delete');
        await g.deleteSubscription(sub.id); // a second delete is no error
      });

      it('creates the call recordings subscription on v1.0', async () => {
        const g = adapter();
        await e.control(e.graph, 'DELETE', '/__control/requests');
        const sub = await g.createSubscription(input('communications/adhocCalls/getAllRecordings'));
        const posts = (await e.control<Array<{ method: string; path: string }>>(e.graph, 'GET', '/__control/requests')).filter((r) => r.method === 'POST');
        assert.deepEqual(posts.map((r) => `${r.method} ${r.path}`), ['POST /v1.0/subscriptions']);
        await g.deleteSubscription(sub.id);
      });

      it('names the missing call permission when subscribing without it', async () => {
        await withoutPermission('CallTranscripts.Read.All');
        assert.equal(await codeOf(adapter().createSubscription(input('communications/adhocCalls/getAllTranscripts'))), 'MISSING_CALL_TRANSCRIPT_PERMISSION');
        await withoutPermission('CallRecordings.Read.All');
        assert.equal(await codeOf(adapter().createSubscription(input('communications/adhocCalls/getAllRecordings'))), 'MISSING_CALL_RECORDING_PERMISSION');
      });
    });
  });
});

/**
 * The recording downloaded whole, then as its first `split` bytes and the rest from that offset (a
 * resumed upload's download): both have the fixture's bytes.
 */
async function assertWholeAndResumed(g: GraphAdapter, info: RecordingInfo, content: { size: number; sha256: string }, split: number): Promise<void> {
  const d0 = await g.downloadRecording(info, 0);
  assert.deepEqual([d0.offset, d0.totalSize], [0, content.size]);
  const whole = createHash('sha256');
  for await (const c of d0.stream) whole.update(c as Buffer);
  assert.equal(whole.digest('hex'), content.sha256);

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
  assert.deepEqual([tail.offset, tail.totalSize], [split, content.size]);
  let tailBytes = 0;
  for await (const c of tail.stream) {
    stitched.update(c as Buffer);
    tailBytes += (c as Buffer).length;
  }
  assert.equal(tailBytes, content.size - split);
  assert.equal(stitched.digest('hex'), content.sha256);
}
