/**
 * Fidelity tests of the Graph emulator's ad hoc calls (1:1, group, PSTN): getAllRecordings /
 * getAllTranscripts, one item and its content, permissions, change notifications. Driven with the real
 * @microsoft/microsoft-graph-client, with app tokens from the Entra emulator through @azure/msal-node
 * (the roles are the fixture app registration's permissions). What Graph documents and what the
 * emulator had to infer is listed at the top of sandbox/graph/adhoc-call-routes.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, GraphError, PageIterator, ResponseType, type FetchOptions } from '@microsoft/microsoft-graph-client';
import { createMsalNetworkClient } from '../../api/src/net/msal-network.js';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { parseFixture } from '../../sandbox/fixture/load-fixture.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture, startTestEmulators, type TestEmulators } from '../support/emulators.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const LEE = '00000000-0000-4000-8000-000000000003';
const NESTOR = '00000000-0000-4000-8000-000000000004';
const QBR = 'MSowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEqMCoqMTk6bWVldGluZ19OalE0WmpFMFpUSXRZak5rTWkwMFl6VTRMVGc1WlRRdE5qUmtaR1E1TmpGbE1XVTBAdGhyZWFkLnYy';
const QBR_RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAwIyM3YTM2NDRjYi1mMDA3LTRjMDAtOWJiMy1jMTUzYzE4ODY4NGY=';
const SKO_RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDI3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAxIyMxZjBkNmUwYS01M2M4LTRhNjMtOWU0Ny0yYTBmM2Q3ZTljMTE=';

// the demo's 1:1 call, Megan → Lee, held back until released
const DEMO_CALL = '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a';
const DEMO_CALL_RECORDING =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtUmVjb3JkaW5n';
const DEMO_CALL_TRANSCRIPT =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtVHJhbnNjcmlwdFYyIyMw';

// a group call Adele started with Lee, Nestor and a PSTN caller, three recordings over a month
const GROUP_CALL = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const groupId = (suffix: string) =>
  Buffer.from(`3##19:0a1b2c3d4e5f40718293a4b5c6d7e8f9@thread.v2##${GROUP_CALL}-${suffix}`).toString('base64');
const GROUP_REC_NOV = groupId('1794304800-Recording');
const GROUP_REC_NOV2 = groupId('1794312000-Recording');
const GROUP_REC_DEC = groupId('1796119200-Recording');
const GROUP_TRANSCRIPT = groupId('1794304800-TranscriptV2##0');

const ALL_APP_SECRET = 'demo~client~secret~0123456789';
const NO_CALL_RECORDINGS_APP = 'bbbbbbbb-0000-4000-8000-00000000c001';
const NO_CALL_TRANSCRIPTS_APP = 'bbbbbbbb-0000-4000-8000-00000000c002';
const MEETINGS_ONLY_APP = 'bbbbbbbb-0000-4000-8000-00000000c003';
const NO_POLICY_APP = 'bbbbbbbb-0000-4000-8000-00000000c004';
const OTHER_SECRET = 'other~app~secret~0001';

interface GraphErrorBody {
  code: string;
  message: string;
  innerError: { code?: string; date: string; 'request-id': string; 'client-request-id': string };
}

interface CallItem {
  id: string;
  meetingId: null;
  callId: string;
  contentCorrelationId: string;
  createdDateTime: string;
  endDateTime: string;
  recordingContentUrl?: string;
  transcriptContentUrl?: string;
  meetingOrganizer: { application: null; device: null; user: { id: string; userIdentityType: string; tenantId: string } };
}

async function testFixture(): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  f.calls.push({
    id: GROUP_CALL,
    initiatorId: ADELE,
    participants: [{ userId: LEE }, { userId: NESTOR }, { phoneNumber: '+14255550123', displayName: 'Fourth Coffee' }],
    startDateTime: '2026-11-10T09:00:00Z',
    endDateTime: '2026-11-10T11:00:00Z',
    recordings: [
      { id: GROUP_REC_DEC, createdDateTime: '2026-12-02T09:00:00Z', endDateTime: '2026-12-02T09:30:00Z', size: 50_003, seed: 'group-dec', available: true },
      { id: GROUP_REC_NOV, size: 2_000_021, seed: 'group-nov', available: true },
      { id: GROUP_REC_NOV2, createdDateTime: '2026-11-10T11:00:00Z', size: 40_000, seed: 'group-nov2', available: true },
    ],
    transcripts: [{ id: GROUP_TRANSCRIPT, vtt: 'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n<v Adele Vance>Hi all.</v>\n', available: true }],
  });
  const other = (clientId: string, displayName: string, permissions: Fixture['appRegistrations'][number]['permissions'], policy = true) => ({
    clientId,
    displayName,
    secrets: [{ value: OTHER_SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
    permissions,
    applicationAccessPolicy: policy,
  });
  f.appRegistrations.push(
    other(NO_CALL_RECORDINGS_APP, 'No call recordings', ['CallTranscripts.Read.All', 'OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All']),
    other(NO_CALL_TRANSCRIPTS_APP, 'No call transcripts', ['CallRecordings.Read.All', 'OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All']),
    other(MEETINGS_ONLY_APP, 'Meetings only', ['OnlineMeetingRecording.Read.All', 'OnlineMeetingTranscript.Read.All', 'OnlineMeetings.Read.All']),
    other(NO_POLICY_APP, 'No access policy', ['CallRecordings.Read.All', 'CallTranscripts.Read.All'], false),
  );
  return f;
}

interface AppServer {
  url: string;
  received: Array<{ path: string; query: URLSearchParams; body: string }>;
  close(): Promise<void>;
}

/** The app's webhook endpoints on loopback: answers the handshake, records the rest. */
async function startAppServer(): Promise<AppServer> {
  const received: AppServer['received'] = [];
  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://app');
      const body = await readBody(req);
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(token);
        return;
      }
      received.push({ path: url.pathname, query: url.searchParams, body });
      res.writeHead(202);
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function graphFailure(p: Promise<unknown>): Promise<GraphError & { parsed: GraphErrorBody }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected a GraphError, got ${String(err)}`);
    return Object.assign(err, { parsed: JSON.parse(String(err.body)) as GraphErrorBody });
  }
  assert.fail('expected the Graph call to fail');
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>, hash = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  for await (const c of chunks) hash.update(c);
  return hash;
}

const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

describe('Graph emulator: ad hoc calls', () => {
  let env: TestEmulators;
  let fixture: Fixture;
  let tenantId: string;
  let app: AppServer;
  const clients = new Map<string, Client>();

  /** A Graph client whose bearer comes from the Entra emulator for this app registration. */
  const graphFor = (clientId: string, secret = OTHER_SECRET): Client => {
    const existing = clients.get(clientId);
    if (existing) return existing;
    const authority = `${env.entra.url}/${tenantId}`;
    const cca = new ConfidentialClientApplication({
      auth: { clientId, clientSecret: secret, authority, knownAuthorities: [new URL(env.entra.url).host] },
      system: { networkClient: createMsalNetworkClient(env.trust.fetch) },
    });
    const client = Client.init({
      baseUrl: env.graph.url,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(env.graph.url).hostname]),
      fetchOptions: { dispatcher: env.trust.dispatcher } as unknown as FetchOptions,
      authProvider: (done) => {
        cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).then(
          (r) => done(null, r?.accessToken ?? null),
          (err: unknown) => done(err, null),
        );
      },
    });
    clients.set(clientId, client);
    return client;
  };
  let graph: Client;
  let bearer: string;

  const release = (kind: 'recordings' | 'transcripts', id: string) =>
    env.control<{ kind: string; id: string; callId?: string; initiatorId?: string; madeAvailable: boolean; notifications: Array<{ status: number; ok: boolean }> }>(
      env.graph,
      'POST',
      `/__control/${kind}/${encodeURIComponent(id)}/available`,
    );

  before(async () => {
    fixture = await testFixture();
    env = await startTestEmulators(fixture);
    tenantId = fixture.tenant.id;
    graph = graphFor(fixture.appRegistrations[0]!.clientId, ALL_APP_SECRET);
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: fixture.appRegistrations[0]!.clientId,
        clientSecret: ALL_APP_SECRET,
        authority: `${env.entra.url}/${tenantId}`,
        knownAuthorities: [new URL(env.entra.url).host],
      },
      system: { networkClient: createMsalNetworkClient(env.trust.fetch) },
    });
    bearer = (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken;
    app = await startAppServer();
  });

  after(async () => {
    await app?.close();
    await env?.close();
  });

  beforeEach(async () => {
    await env.control(env.graph, 'POST', '/__control/reset');
    app.received.length = 0;
  });

  describe('getAllRecordings and getAllTranscripts', () => {
    it("pages the initiator's call recordings in a time window, in Graph's documented shape", async () => {
      const first = await graph
        .api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}',startDateTime=2026-11-01T00:00:00Z,endDateTime=2026-11-30T00:00:00Z)`)
        .top(1)
        .get();
      assert.equal(first['@odata.context'], `${env.graph.url}/v1.0/$metadata#users('${ADELE}')/adhocCalls`);
      assert.equal(first['@odata.count'], 1);
      assert.match(first['@odata.nextLink'], new RegExp(`^${env.graph.url}/v1\\.0/users/${ADELE}/adhocCalls/getAllRecordings\\(userId='${ADELE}'\\)\\?skipToken=`));
      const seen: CallItem[] = [];
      await new PageIterator(graph, first, (r: CallItem) => {
        seen.push(r);
        return true;
      }).iterate();
      assert.deepEqual(
        seen.map((r) => r.id),
        [GROUP_REC_NOV, GROUP_REC_NOV2],
        'oldest first; the December recording is outside the window',
      );
      const r = seen[0]!;
      assert.deepEqual(Object.keys(r), [
        'id',
        'meetingId',
        'callId',
        'contentCorrelationId',
        'createdDateTime',
        'endDateTime',
        'recordingContentUrl',
        'meetingOrganizer',
      ]);
      assert.equal(r.meetingId, null);
      assert.equal(r.callId, GROUP_CALL);
      assert.equal(r.createdDateTime, '2026-11-10T09:00:00Z', 'no createdDateTime in the fixture: the call start');
      assert.equal(r.endDateTime, '2026-11-10T11:00:00Z');
      assert.match(r.contentCorrelationId, /^[0-9a-f-]{36}-20261110_090000$/);
      assert.equal(r.recordingContentUrl, `${env.graph.url}/v1.0/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings/${encodeURIComponent(GROUP_REC_NOV)}`);
      assert.deepEqual(r.meetingOrganizer, {
        application: null,
        device: null,
        user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: ADELE, displayName: null, userIdentityType: 'aadUser', tenantId },
      });

      const all = await graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`).top(10).get();
      assert.deepEqual(all.value.map((x: CallItem) => x.id), [GROUP_REC_NOV, GROUP_REC_NOV2, GROUP_REC_DEC]);
      assert.equal(all['@odata.nextLink'], undefined);
      const later = await graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}',startDateTime=2026-12-01T00:00:00Z)`).get();
      assert.deepEqual(later.value.map((x: CallItem) => x.id), [GROUP_REC_DEC]);
    });

    it("takes the documented unquoted userId, a UPN, and percent-encoding; requires userId", async () => {
      const path = `/v1.0/users/${ADELE}/adhocCalls/getAllRecordings(userId=${ADELE},%20startDateTime=2026-12-01T00%3A00%3A00Z)`;
      const res = await env.trust.fetch(`${env.graph.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { value: CallItem[] }).value.map((x) => x.id), [GROUP_REC_DEC]);

      const byUpn = await graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='adele.vance@contoso.onmicrosoft.com')`).top(10).get();
      assert.equal(byUpn.value.length, 3);

      const missing = await graphFailure(graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings`).get());
      assert.equal(missing.statusCode, 400);
      assert.match(missing.parsed.message, /userId is required/);
    });

    it('lists transcripts and serves their content as text/vtt', async () => {
      const list = await graph.api(`/users/${ADELE}/adhocCalls/getAllTranscripts(userId='${ADELE}')`).get();
      assert.deepEqual(list.value.map((t: CallItem) => t.id), [GROUP_TRANSCRIPT]);
      const t = list.value[0] as CallItem;
      assert.equal(t.meetingId, null);
      assert.equal(t.callId, GROUP_CALL);
      assert.equal(t.transcriptContentUrl, `${env.graph.url}/v1.0/users/${ADELE}/adhocCalls/${GROUP_CALL}/transcripts/${encodeURIComponent(GROUP_TRANSCRIPT)}/content`);
      const recordings = await graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`).top(10).get();
      const pair = recordings.value.find((r: CallItem) => r.id === GROUP_REC_DEC) as CallItem;
      assert.equal(t.contentCorrelationId, pair.contentCorrelationId, 'transcripts[0] pairs with recordings[0]');

      const vtt = fixture.calls.find((c) => c.id === GROUP_CALL)!.transcripts[0]!.vtt;
      const raw = await graph.api(t.transcriptContentUrl!).responseType(ResponseType.RAW).get();
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get('content-type'), 'text/vtt');
      assert.equal(await raw.text(), vtt);
      const formatted = await graph
        .api(`/users/${ADELE}/adhocCalls/${GROUP_CALL}/transcripts/${GROUP_TRANSCRIPT}/content`)
        .query({ $format: 'text/vtt' })
        .responseType(ResponseType.TEXT)
        .get();
      assert.equal(formatted, vtt);
      const docx = await graphFailure(
        graph.api(`/users/${ADELE}/adhocCalls/${GROUP_CALL}/transcripts/${GROUP_TRANSCRIPT}/content`).query({ $format: 'docx' }).get(),
      );
      assert.equal(docx.statusCode, 400);

      const one = await graph.api(`/users/${ADELE}/adhocCalls/${GROUP_CALL}/transcripts/${GROUP_TRANSCRIPT}`).select(['id', 'callId']).get();
      assert.deepEqual(Object.keys(one).sort(), ['@odata.context', 'callId', 'id']);
      assert.equal(one['@odata.context'], `${env.graph.url}/v1.0/$metadata#users('${ADELE}')/adhocCalls('${GROUP_CALL}')/transcripts/$entity`);
    });

    it('hides a held-back call recording until it is released, then lists it as created now', async () => {
      const path = `/users/${MEGAN}/adhocCalls/getAllRecordings(userId='${MEGAN}')`;
      assert.deepEqual((await graph.api(path).get()).value, []);
      const hidden = await graphFailure(graph.api(`/users/${MEGAN}/adhocCalls/${DEMO_CALL}/recordings/${DEMO_CALL_RECORDING}`).get());
      assert.equal(hidden.statusCode, 404);
      assert.equal(hidden.code, 'NotFound');

      const before = Date.now();
      const released = await release('recordings', DEMO_CALL_RECORDING);
      assert.deepEqual([released.madeAvailable, released.callId, released.initiatorId], [true, DEMO_CALL, MEGAN]);
      const listed = (await graph.api(path).get()).value as CallItem[];
      assert.deepEqual(listed.map((r) => r.id), [DEMO_CALL_RECORDING]);
      assert.ok(Date.parse(listed[0]!.createdDateTime) >= before - 1000, 'a held-back item is created when released');
      assert.deepEqual((await graph.api(`/users/${MEGAN}/adhocCalls/getAllTranscripts(userId='${MEGAN}')`).get()).value, [], 'its transcript is still held back');

      const one = await graph.api(`/users/${MEGAN}/adhocCalls/${DEMO_CALL}/recordings/${DEMO_CALL_RECORDING}`).get();
      assert.equal(one.id, DEMO_CALL_RECORDING);
      assert.equal((await release('recordings', DEMO_CALL_RECORDING)).madeAvailable, false, 'a second release changes nothing');
    });

    it('reaches items only through the initiator, and serves no per-call list and no delta', async () => {
      const lee = await graphFailure(graph.api(`/users/${LEE}/adhocCalls/${GROUP_CALL}/recordings/${GROUP_REC_NOV}`).get());
      assert.equal(lee.statusCode, 404);
      const leeList = await graph.api(`/users/${LEE}/adhocCalls/getAllRecordings(userId='${LEE}')`).get();
      assert.deepEqual(leeList.value, [], 'a participant who did not start the call has none');

      const perCall = await graphFailure(graph.api(`/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings`).get());
      assert.equal(perCall.statusCode, 400);
      assert.equal(perCall.message, "Resource not found for the segment 'recordings'.");
      const delta = await graphFailure(graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')/delta`).get());
      assert.equal(delta.statusCode, 400);
      const callItself = await graphFailure(graph.api(`/users/${ADELE}/adhocCalls/${GROUP_CALL}`).get());
      assert.equal(callItself.statusCode, 400);
    });
  });

  describe('content', () => {
    it('streams a call recording whose sha256 matches its seed, whole and in two ranges', async () => {
      const rec = fixture.calls.find((c) => c.id === GROUP_CALL)!.recordings.find((r) => r.id === GROUP_REC_NOV)!;
      const expected = await contentSha256(rec.seed, rec.size);
      const url = `/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings/${GROUP_REC_NOV}/content`;

      const whole = (await graph.api(url).responseType(ResponseType.STREAM).get()) as ReadableStream<Uint8Array>;
      assert.equal((await sha256Of(whole as unknown as AsyncIterable<Uint8Array>)).digest('hex'), expected);

      const split = 777_777;
      const head = await graph.api(url).header('Range', `bytes=0-${split - 1}`).responseType(ResponseType.RAW).get();
      assert.equal(head.status, 206);
      assert.equal(head.headers.get('content-type'), 'video/mp4');
      assert.equal(head.headers.get('content-range'), `bytes 0-${split - 1}/${rec.size}`);
      const hash = await sha256Of(head.body);
      const tail = await graph.api(url).header('Range', `bytes=${split}-`).responseType(ResponseType.RAW).get();
      assert.equal(tail.status, 206);
      assert.equal(tail.headers.get('content-range'), `bytes ${split}-${rec.size - 1}/${rec.size}`);
      assert.equal((await sha256Of(tail.body, hash)).digest('hex'), expected);

      const beyond = await graphFailure(graph.api(url).header('Range', `bytes=${rec.size}-`).get());
      assert.equal(beyond.statusCode, 416);

      type Fetch = { id: string; meetingId: string | null; callId?: string; range: string | null; status: number; bytesSent: number };
      const state = await env.control<{ contentFetches: Fetch[] }>(env.graph, 'GET', '/__control/state');
      assert.deepEqual(
        state.contentFetches.map((f) => [f.id, f.meetingId, f.callId, f.range, f.status, f.bytesSent]),
        [
          [GROUP_REC_NOV, null, GROUP_CALL, null, 200, rec.size],
          [GROUP_REC_NOV, null, GROUP_CALL, `bytes=0-${split - 1}`, 206, split],
          [GROUP_REC_NOV, null, GROUP_CALL, `bytes=${split}-`, 206, rec.size - split],
          [GROUP_REC_NOV, null, GROUP_CALL, `bytes=${rec.size}-`, 416, 0],
        ],
      );
    });

    it('with contentRedirect, redirects a call recording to the download host like a meeting recording', async () => {
      await env.control(env.graph, 'POST', '/__control/settings', { contentRedirect: true });
      try {
        const url = `${env.graph.url}/v1.0/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings/${encodeURIComponent(GROUP_REC_DEC)}/content`;
        const redirect = await env.trust.fetch(url, { headers: { authorization: `Bearer ${bearer}` }, redirect: 'manual' });
        assert.equal(redirect.status, 302);
        const location = redirect.headers.get('location')!;
        assert.equal(new URL(location).origin, new URL(env.graphDownloads.url).origin);
        const ranged = await env.trust.fetch(location, { headers: { range: 'bytes=0-9' } });
        assert.equal(ranged.status, 206);
        assert.equal(ranged.headers.get('content-range'), 'bytes 0-9/50003');
        assert.equal(Buffer.from(await ranged.arrayBuffer()).length, 10);
      } finally {
        await env.control(env.graph, 'POST', '/__control/settings', { contentRedirect: false });
      }
    });
  });

  describe('authorization', () => {
    it('answers 403 without CallRecordings.Read.All, and the meeting permissions do not stand in for it', async () => {
      for (const clientId of [NO_CALL_RECORDINGS_APP, MEETINGS_ONLY_APP]) {
        const limited = graphFor(clientId);
        for (const path of [
          `/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`,
          `/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings/${GROUP_REC_NOV}`,
          `/users/${ADELE}/adhocCalls/${GROUP_CALL}/recordings/${GROUP_REC_NOV}/content`,
        ]) {
          const err = await graphFailure(limited.api(path).get());
          assert.equal(err.statusCode, 403);
          assert.equal(err.code, 'Forbidden');
          assert.equal(err.parsed.message, '');
          assert.ok(err.parsed.innerError['request-id'] && err.parsed.innerError.date);
        }
      }
      const transcripts = await graphFor(NO_CALL_RECORDINGS_APP).api(`/users/${ADELE}/adhocCalls/getAllTranscripts(userId='${ADELE}')`).get();
      assert.equal(transcripts.value.length, 1, 'CallTranscripts.Read.All alone reads transcripts');
      const state = await env.control<{ denials: Array<{ reason: string }> }>(env.graph, 'GET', '/__control/state');
      assert.match(state.denials.at(-1)!.reason, /CallRecordings\.Read\.All/);
    });

    it('answers 403 without CallTranscripts.Read.All', async () => {
      const limited = graphFor(NO_CALL_TRANSCRIPTS_APP);
      for (const path of [
        `/users/${ADELE}/adhocCalls/getAllTranscripts(userId='${ADELE}')`,
        `/users/${ADELE}/adhocCalls/${GROUP_CALL}/transcripts/${GROUP_TRANSCRIPT}/content`,
      ]) {
        const err = await graphFailure(limited.api(path).get());
        assert.equal(err.statusCode, 403);
        assert.equal(err.code, 'Forbidden');
      }
      const recordings = await limited.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`).get();
      assert.ok(recordings.value.length > 0);
    });

    it('needs the application access policy, and honours the tenant transcript switch', async () => {
      const noPolicy = await graphFailure(graphFor(NO_POLICY_APP).api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`).get());
      assert.equal(noPolicy.statusCode, 403);
      assert.equal(noPolicy.message, 'No Application Access Policy found for this app');

      await env.control(env.graph, 'POST', '/__control/tenant', { transcriptApiAccess: false });
      try {
        const off = await graphFailure(graph.api(`/users/${ADELE}/adhocCalls/getAllTranscripts(userId='${ADELE}')`).get());
        assert.equal(off.statusCode, 403);
        assert.equal(off.parsed.innerError.code, 'GraphAccessToTranscriptsDisabled');
        assert.ok((await graph.api(`/users/${ADELE}/adhocCalls/getAllRecordings(userId='${ADELE}')`).get()).value.length > 0);
      } finally {
        await env.control(env.graph, 'POST', '/__control/tenant', { transcriptApiAccess: true });
      }
    });
  });

  describe('meetings and calls stay apart', () => {
    it('meeting APIs never list or serve call artifacts, nor the call APIs meeting ones', async () => {
      await release('recordings', DEMO_CALL_RECORDING);
      const meetingAll = await graph.api(`/users/${MEGAN}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='${MEGAN}')`).top(50).get();
      const meetingIds = meetingAll.value.map((r: { id: string }) => r.id);
      assert.ok(meetingIds.includes(QBR_RECORDING));
      assert.ok(!meetingIds.includes(DEMO_CALL_RECORDING));
      const meetingDelta = await graph.api(`/users/${MEGAN}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='${MEGAN}')/delta`).top(50).get();
      assert.ok(!meetingDelta.value.some((r: { id: string }) => r.id === DEMO_CALL_RECORDING));

      const callAll = await graph.api(`/users/${MEGAN}/adhocCalls/getAllRecordings(userId='${MEGAN}')`).top(50).get();
      assert.deepEqual(callAll.value.map((r: CallItem) => r.id), [DEMO_CALL_RECORDING]);

      const asMeeting = await graphFailure(graph.api(`/users/${MEGAN}/onlineMeetings/${DEMO_CALL}/recordings/${DEMO_CALL_RECORDING}`).get());
      assert.equal(asMeeting.statusCode, 404);
      const asCall = await graphFailure(graph.api(`/users/${MEGAN}/adhocCalls/${DEMO_CALL}/recordings/${QBR_RECORDING}`).get());
      assert.equal(asCall.statusCode, 404);
      const meetingAsCall = await graphFailure(graph.api(`/users/${MEGAN}/adhocCalls/${QBR}/recordings/${QBR_RECORDING}`).get());
      assert.equal(meetingAsCall.statusCode, 404);
    });

    it('lists the calls in /__control/state', async () => {
      const state = await env.control<{
        calls: Array<{ id: string; initiatorId: string; participants: unknown[]; artifacts: Array<{ kind: string; id: string; available: boolean }> }>;
        artifacts: Array<{ id: string }>;
      }>(env.graph, 'GET', '/__control/state');
      const demo = state.calls.find((c) => c.id === DEMO_CALL)!;
      assert.equal(demo.initiatorId, MEGAN);
      assert.deepEqual(demo.participants, [{ userId: LEE }]);
      assert.deepEqual(demo.artifacts.map((a) => [a.kind, a.id, a.available]), [
        ['recording', DEMO_CALL_RECORDING, false],
        ['transcript', DEMO_CALL_TRANSCRIPT, false],
      ]);
      const group = state.calls.find((c) => c.id === GROUP_CALL)!;
      assert.equal(group.participants.length, 3);
      assert.ok(!state.artifacts.some((a) => a.id === DEMO_CALL_RECORDING), 'the meeting artifacts list holds meetings only');
    });
  });

  describe('subscriptions and notifications', () => {
    const subscribe = (client: Client, resource: string, over: Record<string, unknown> = {}) =>
      client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${app.url}/api/graph/notifications`,
        lifecycleNotificationUrl: `${app.url}/api/graph/lifecycle`,
        resource,
        expirationDateTime: inMinutes(4_000),
        clientState: 'adhoc-client-state-42',
        ...over,
      });
    const notifications = () =>
      app.received
        .filter((r) => r.path === '/api/graph/notifications')
        .flatMap((r) => (JSON.parse(r.body) as { value: Array<Record<string, unknown>> }).value);

    it('notifies a tenant-wide call recordings subscription when a call recording is released', async () => {
      const sub = await subscribe(graph, 'communications/adhocCalls/getAllRecordings');
      assert.equal(sub.resource, 'communications/adhocCalls/getAllRecordings');
      const meetingSub = await subscribe(graph, 'communications/onlineMeetings/getAllRecordings');

      const result = await release('recordings', DEMO_CALL_RECORDING);
      assert.deepEqual(result.notifications.map((n) => [n.status, n.ok]), [[202, true]], 'the meeting subscription hears nothing');
      const [n, ...rest] = notifications();
      assert.deepEqual(rest, []);
      assert.equal(n!.subscriptionId, sub.id);
      assert.equal(n!.changeType, 'created');
      assert.equal(n!.clientState, 'adhoc-client-state-42');
      assert.equal(n!.tenantId, tenantId);
      assert.equal(n!.resource, `users/${MEGAN}/adhocCalls/${DEMO_CALL}/recordings/${DEMO_CALL_RECORDING}`);
      assert.deepEqual(n!.resourceData, {
        id: DEMO_CALL_RECORDING,
        '@odata.type': '#Microsoft.Graph.callRecording',
        '@odata.id': `users/${MEGAN}/adhoccalls/${DEMO_CALL}/recordings('${DEMO_CALL_RECORDING}')`,
      });
      assert.match(String(n!.subscriptionExpirationDateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);

      // the item the notification names can be fetched by the user and call in it
      const item = await graph.api(`/users/${MEGAN}/adhocCalls/${DEMO_CALL}/recordings/${DEMO_CALL_RECORDING}`).get();
      assert.equal(item.callId, DEMO_CALL);

      // a meeting recording reaches the meeting subscription only
      app.received.length = 0;
      await release('recordings', SKO_RECORDING);
      assert.deepEqual(notifications().map((x) => x.subscriptionId), [meetingSub.id]);
      // and a call transcript reaches no recordings subscription
      app.received.length = 0;
      await release('transcripts', DEMO_CALL_TRANSCRIPT);
      assert.deepEqual(notifications(), []);
    });

    it('serves the tenant-wide call transcripts resource on /beta only, as documented', async () => {
      const v1 = await graphFailure(subscribe(graph, 'communications/adhocCalls/getAllTranscripts'));
      assert.equal(v1.statusCode, 400);
      assert.equal(v1.code, 'ExtensionError');
      assert.match(v1.message, /available only on the beta endpoint/);

      const sub = await graph.api('/subscriptions').version('beta').post({
        changeType: 'created',
        notificationUrl: `${app.url}/api/graph/notifications`,
        lifecycleNotificationUrl: `${app.url}/api/graph/lifecycle`,
        resource: 'communications/adhocCalls/getAllTranscripts',
        expirationDateTime: inMinutes(4_000),
        clientState: 'adhoc-client-state-42',
      });
      await release('transcripts', DEMO_CALL_TRANSCRIPT);
      const [n] = notifications();
      assert.equal(n!.subscriptionId, sub.id);
      assert.equal(n!.resource, `users/${MEGAN}/adhocCalls/${DEMO_CALL}/transcripts/${DEMO_CALL_TRANSCRIPT}`);
      assert.equal((n!.resourceData as Record<string, unknown>)['@odata.type'], '#Microsoft.Graph.callTranscript');
    });

    it('scopes per-user and per-call subscriptions, and refuses the per-call transcripts one to an app', async () => {
      const adeles = await subscribe(graph, `users/${ADELE}/adhocCalls/getAllRecordings`);
      const megans = await subscribe(graph, `users('${MEGAN}')/adhocCalls/getAllRecordings`);
      const perCall = await subscribe(graph, `communications/adhocCalls/${DEMO_CALL}/recordings`);
      await release('recordings', DEMO_CALL_RECORDING);
      assert.deepEqual(notifications().map((n) => n.subscriptionId).sort(), [megans.id, perCall.id].sort());
      assert.ok(!notifications().some((n) => n.subscriptionId === adeles.id));

      const transcripts = await graphFailure(subscribe(graph, `communications/adhocCalls/${DEMO_CALL}/transcripts`));
      assert.equal(transcripts.statusCode, 403);
      assert.equal(transcripts.code, 'ExtensionError');
    });

    it('needs the call permission to subscribe, renew and reauthorize', async () => {
      for (const clientId of [NO_CALL_RECORDINGS_APP, MEETINGS_ONLY_APP]) {
        const err = await graphFailure(subscribe(graphFor(clientId), 'communications/adhocCalls/getAllRecordings'));
        assert.equal(err.statusCode, 403);
        assert.equal(err.code, 'ExtensionError');
        assert.match(err.message, /^Operation: Create; Exception: \[Status Code: Forbidden;/);
      }
      const noTranscripts = await graphFailure(subscribe(graphFor(NO_CALL_TRANSCRIPTS_APP), `users/${MEGAN}/adhocCalls/getAllTranscripts`));
      assert.equal(noTranscripts.statusCode, 403);

      // the lifecycle of an ad hoc subscription is the meeting one's
      const sub = await subscribe(graph, `users/${MEGAN}/adhocCalls/getAllTranscripts`);
      app.received.length = 0;
      await env.control(env.graph, 'POST', `/__control/subscriptions/${sub.id}/lifecycle`, { lifecycleEvent: 'reauthorizationRequired' });
      const event = (JSON.parse(app.received.find((r) => r.path === '/api/graph/lifecycle')!.body) as { value: Array<Record<string, unknown>> }).value[0]!;
      assert.equal(event.lifecycleEvent, 'reauthorizationRequired');
      const reauthorized = await graph.api(`/subscriptions/${sub.id}/reauthorize`).responseType(ResponseType.RAW).post(undefined);
      assert.equal(reauthorized.status, 204);
      const renewed = await graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(4_300) });
      assert.equal(renewed.resource, `users/${MEGAN}/adhocCalls/getAllTranscripts`);
      const tooLong = await graphFailure(graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(4_400) }));
      assert.equal(tooLong.statusCode, 400);
      await graph.api(`/subscriptions/${sub.id}`).delete();
    });
  });

  describe('fixture', () => {
    const demoRaw = async (): Promise<Record<string, any>> =>
      JSON.parse(await readFile(new URL('../../sandbox/fixtures/demo.json', import.meta.url), 'utf8')) as Record<string, any>;

    it('the demo has one recorded 1:1 call, held back, and grants the call permissions', async () => {
      const f = parseFixture(await demoRaw());
      assert.equal(f.calls.length, 1);
      const [call] = f.calls;
      assert.equal(call!.initiatorId, MEGAN);
      assert.deepEqual(call!.participants, [{ userId: LEE }]);
      assert.equal(call!.recordings.length, 1);
      assert.equal(call!.transcripts.length, 1);
      assert.ok(call!.recordings.every((r) => !r.available) && call!.transcripts.every((t) => !t.available));
      const perms = f.appRegistrations[0]!.permissions;
      assert.ok(perms.includes('CallRecordings.Read.All') && perms.includes('CallTranscripts.Read.All'));
    });

    it('defaults calls to none', async () => {
      const raw = await demoRaw();
      delete raw.calls;
      assert.deepEqual(parseFixture(raw).calls, []);
    });

    it('refuses a call naming an unknown user, as initiator or participant', async () => {
      const raw = await demoRaw();
      raw.calls[0].initiatorId = '99999999-9999-4999-8999-999999999999';
      raw.calls[0].participants.push({ userId: '88888888-8888-4888-8888-888888888888' });
      assert.throws(
        () => parseFixture(raw, 'calls.json'),
        (err: Error) => {
          assert.match(err.message, /calls\.0\.initiatorId: no user 99999999/);
          assert.match(err.message, /calls\.0\.participants\.1\.userId: no user 88888888/);
          return true;
        },
      );
    });

    it('refuses call artifact ids that collide with a meeting one or with each other, and odd participants', async () => {
      const raw = await demoRaw();
      raw.calls[0].recordings[0].id = raw.meetings[0].recordings[0].id;
      raw.calls[0].transcripts[0].id = raw.calls[0].recordings[0].id;
      raw.calls[0].participants.push({}, { userId: LEE, phoneNumber: '+14255550123' }, { phoneNumber: '555-0123' });
      raw.calls.push({ ...structuredClone(raw.calls[0]), recordings: [], transcripts: [] });
      assert.throws(
        () => parseFixture(raw),
        (err: Error) => {
          assert.match(err.message, /calls\.0\.recordings\.0\.id: .* is already a meeting recording or transcript id/);
          assert.match(err.message, /calls\.0\.transcripts\.0\.id: .* is already a meeting recording or transcript id/);
          assert.match(err.message, /calls\.0\.participants\.1: give either userId/);
          assert.match(err.message, /calls\.0\.participants\.2: give either userId/);
          assert.match(err.message, /calls\.0\.participants\.3\.phoneNumber/);
          assert.match(err.message, /calls\.1\.id: another call has the id/);
          return true;
        },
      );
      const twice = await demoRaw();
      twice.calls[0].transcripts[0].id = twice.calls[0].recordings[0].id;
      assert.throws(() => parseFixture(twice), /calls\.0\.transcripts\.0\.id: .* is already used by another call recording or transcript/);
    });
  });
});
