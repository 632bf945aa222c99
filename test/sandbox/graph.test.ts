/**
 * Fidelity tests of the Graph emulator, driven with the real @microsoft/microsoft-graph-client 3.0.7.
 *
 * How the Graph client reaches the HTTPS emulator with the sandbox CA trusted explicitly:
 * - `baseUrl: graph.url` (https://127.0.0.1:PORT) and `defaultVersion: 'v1.0'`;
 * - `customHosts: new Set(['127.0.0.1'])` — without it the client's AuthenticationHandler only attaches
 *   the bearer token to graph.microsoft.com and national-cloud hosts, and every call would be 401;
 * - `fetchOptions: { dispatcher: trust.dispatcher }` — the client's HTTPMessageHandler calls Node's
 *   global `fetch(url, options)`, and Node 20's fetch accepts an undici 7 `Agent` as `dispatcher`, so
 *   the CA is trusted for these requests only (no NODE_EXTRA_CA_CERTS, no disabled verification).
 *   The option is typed as RequestInit, which does not declare `dispatcher`: hence the cast.
 * nextLink/deltaLink URLs are absolute (built from the Host header), so PageIterator and
 * `client.api(link)` follow them to the emulator with the same trust and token.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  GraphError,
  PageIterator,
  ResponseType,
  RetryHandlerOptions,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import { SignJWT } from 'jose';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import type { TokenKeys } from '../../sandbox/entra/token-keys.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture, startTestEmulators, type TestEmulators } from '../support/emulators.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const LEE = '00000000-0000-4000-8000-000000000003';
const NESTOR = '00000000-0000-4000-8000-000000000004';
const SALES = '00000000-0000-4000-8000-000000000101';
const ALL_STAFF = '00000000-0000-4000-8000-000000000102';
const QBR = 'MSowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEqMCoqMTk6bWVldGluZ19OalE0WmpFMFpUSXRZak5rTWkwMFl6VTRMVGc1WlRRdE5qUmtaR1E1TmpGbE1XVTBAdGhyZWFkLnYy';
const SKO = 'MSowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDIqMCoqMTk6bWVldGluZ19ZVEUzWWpNMFlqQXRaamhsTkMwME1HUmhMV0prWVdJdFpEZ3pNMkU0WkdZNVpqRTVAdGhyZWFkLnYy';
const QBR_RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAwIyM3YTM2NDRjYi1mMDA3LTRjMDAtOWJiMy1jMTUzYzE4ODY4NGY=';
const SKO_RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDI3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAxIyMxZjBkNmUwYS01M2M4LTRhNjMtOWU0Ny0yYTBmM2Q3ZTljMTE=';
const QBR_TRANSCRIPT = 'MSMjMCMjNzU3ODc2ZDYtOTcwMi00MDhkLWFkNDItOTE2ZDNmZjkwZGY4';
const SKO_TRANSCRIPT = 'MSMjMCMjNGIxZTljMmQtNmE3Zi00ZTMwLThkMTUtOWMzYjJhMWYwZTY0';
const NO_POLICY_APP = 'aaaaaaaa-1111-4000-8000-00000000abcd';
const ALL_ROLES = [
  'OnlineMeetingRecording.Read.All',
  'OnlineMeetingTranscript.Read.All',
  'OnlineMeetings.Read.All',
  'User.Read.All',
  'GroupMember.Read.All',
];

interface GraphErrorBody {
  code: string;
  message: string;
  innerError: { code?: string; date: string; 'request-id': string; 'client-request-id': string };
}

/** The demo tenant plus more QBR recordings (to page through) and an app without an access policy. */
async function testFixture(): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  const qbr = f.meetings.find((m) => m.id === QBR)!;
  const extra = (id: string, createdDateTime: string, available = true) => ({
    id,
    createdDateTime,
    endDateTime: createdDateTime,
    size: 70_001,
    seed: `seed-${id}`,
    available,
  });
  qbr.recordings.push(
    extra('rec-qbr-b', '2026-11-20T12:00:00Z'),
    extra('rec-qbr-a', '2026-11-20T11:00:00Z'),
    extra('rec-qbr-c', '2026-11-21T09:00:00Z'),
    extra('rec-qbr-e', '2026-11-22T09:00:00Z'),
    extra('rec-qbr-late', '2026-12-05T09:00:00Z'),
    extra('rec-qbr-hidden', '2026-11-23T09:00:00Z', false),
  );
  f.appRegistrations.push({
    clientId: NO_POLICY_APP,
    displayName: 'No access policy',
    secrets: [{ value: 'no~policy~secret', expiresAt: '2099-01-01T00:00:00Z' }],
    permissions: ['OnlineMeetingRecording.Read.All', 'OnlineMeetings.Read.All'],
    applicationAccessPolicy: false,
  });
  return f;
}

interface TokenOptions {
  roles?: string[] | null;
  appId?: string;
  expired?: boolean;
  signingKey?: TokenKeys['privateKey'] | ReturnType<typeof generateKeyPairSync>['privateKey'];
}

/** An app-only Graph token shaped like Entra's v1 tokens (reference §1.3), signed by the sandbox key. */
async function mintToken(keys: TokenKeys, tenantId: string, appId: string, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: `https://sts.windows.net/${tenantId}/`,
    tid: tenantId,
    appid: o.appId ?? appId,
    oid: '72243241-f194-45f3-987d-eeb347b83b69',
    sub: '72243241-f194-45f3-987d-eeb347b83b69',
    idtyp: 'app',
    ver: '1.0',
  };
  const roles = o.roles === undefined ? ALL_ROLES : o.roles;
  if (roles) claims.roles = roles;
  const iat = o.expired ? now - 7200 : now;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setAudience('https://graph.microsoft.com')
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + 3600)
    .sign(o.signingKey ?? keys.privateKey);
}

/** A stand-in for the app's webhook endpoints on loopback http, recording what Graph sent. */
interface AppServer {
  url: string;
  received: Array<{ path: string; query: URLSearchParams; body: string; contentType: string | undefined }>;
  close(): Promise<void>;
}

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
      received.push({ path: url.pathname, query: url.searchParams, body, contentType: req.headers['content-type'] });
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        if (url.pathname === '/slow') await new Promise((r) => setTimeout(r, 400));
        if (url.pathname === '/bad') {
          // a classic bug: answering the handshake with JSON instead of the plain token
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ validationToken: token }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(token);
        return;
      }
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

async function sha256Of(chunks: AsyncIterable<Uint8Array>, hash = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  for await (const c of chunks) hash.update(c);
  return hash;
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

function inMinutes(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

describe('Graph emulator', () => {
  let env: TestEmulators;
  let fixture: Fixture;
  let tenantId: string;
  let appId: string;
  let token: string;
  let app: AppServer;

  const clientWith = (bearer: string): Client =>
    Client.init({
      baseUrl: env.graph.url,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(env.graph.url).hostname]),
      fetchOptions: { dispatcher: env.trust.dispatcher } as unknown as FetchOptions,
      authProvider: (done) => done(null, bearer),
    });
  let graph: Client;

  before(async () => {
    fixture = await testFixture();
    env = await startTestEmulators(fixture);
    tenantId = fixture.tenant.id;
    appId = fixture.appRegistrations[0]!.clientId;
    token = await mintToken(env.keys, tenantId, appId);
    graph = clientWith(token);
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

  describe('directory', () => {
    it('reads a user by id and by UPN with $select', async () => {
      const byId = await graph.api(`/users/${MEGAN}`).get();
      assert.equal(byId.userPrincipalName, 'megan.bowen@contoso.onmicrosoft.com');
      assert.equal(byId.mail, 'megan.bowen@contoso.com');
      assert.match(byId['@odata.context'], /\/v1\.0\/\$metadata#users\/\$entity$/);

      const byUpn = await graph.api('/users/adele.vance@contoso.onmicrosoft.com').select(['id', 'displayName']).get();
      assert.deepEqual(Object.keys(byUpn).sort(), ['@odata.context', 'displayName', 'id']);
      assert.equal(byUpn.id, ADELE);

      const guest = await graph.api(`/users/${encodeURIComponent('guest_alex#EXT#@contoso.onmicrosoft.com')}`).get();
      assert.equal(guest.displayName, 'Alex Wilber (Guest)');
    });

    it('lists users with $top, $select and an eq $filter', async () => {
      const first = await graph.api('/users').select('id').top(1).get();
      assert.deepEqual(first.value, [{ id: MEGAN }]);
      assert.match(first['@odata.nextLink'], /\$top=1&\$skiptoken=/);
      const byMail = await graph.api('/users').filter("mail eq 'lee.gu@contoso.com'").get();
      assert.deepEqual(byMail.value.map((u: { id: string }) => u.id), [LEE]);
    });

    it("lists groups with startswith(displayName,'…'), quotes doubled, $select and $top, as the group picker asks", async () => {
      const all = await graph.api('/groups').select(['id', 'displayName']).top(20).get();
      assert.match(all['@odata.context'], /\/v1\.0\/\$metadata#groups$/);
      assert.deepEqual(all.value, [
        { id: SALES, displayName: 'Sales' },
        { id: ALL_STAFF, displayName: 'All Staff' },
      ]);
      const prefixed = await graph.api('/groups').filter("startswith(displayName,'all s')").select(['id', 'displayName']).top(20).get();
      assert.deepEqual(prefixed.value, [{ id: ALL_STAFF, displayName: 'All Staff' }], 'case-insensitive, as the directory compares');
      const quoted = await graph.api('/groups').filter("startswith(displayName,'O''Brien')").get();
      assert.deepEqual(quoted.value, [], "a doubled quote is one ' in the literal");
      const exact = await graph.api('/groups').filter("displayName eq 'Sales'").select('id').get();
      assert.deepEqual(exact.value, [{ id: SALES }]);
      const lone = await graphFailure(graph.api('/groups').filter("startswith(displayName,'O'Brien')").get());
      assert.equal(lone.statusCode, 400, 'a lone quote ends the literal: a syntax error');
      const unsupported = await graphFailure(graph.api('/groups').filter("endswith(displayName,'s')").get());
      assert.equal(unsupported.statusCode, 400);
      assert.equal(unsupported.code, 'Request_UnsupportedQuery');
      const noRoles = clientWith(await mintToken(env.keys, tenantId, appId, { roles: null }));
      const denied = await graphFailure(noRoles.api('/groups').get());
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.code, 'Authorization_RequestDenied');
    });

    it('answers an unknown user with the directory 404', async () => {
      const err = await graphFailure(graph.api('/users/99999999-0000-4000-8000-000000000000').get());
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'Request_ResourceNotFound');
      assert.match(err.parsed.message, /^Resource '99999999-0000-4000-8000-000000000000' does not exist/);
      assert.ok(err.parsed.innerError['request-id']);
      assert.equal(err.headers?.get('request-id'), err.parsed.innerError['request-id']);
    });

    it('resolves transitive group membership three ways', async () => {
      const memberOf = await graph.api(`/users/${LEE}/transitiveMemberOf/microsoft.graph.group`).select('id').get();
      assert.deepEqual(memberOf.value.map((g: { id: string }) => g.id).sort(), [SALES, ALL_STAFF].sort());
      assert.equal(memberOf.value[0]['@odata.type'], '#microsoft.graph.group');

      const check = await graph.api(`/users/${NESTOR}/checkMemberGroups`).post({ groupIds: [SALES, ALL_STAFF] });
      assert.deepEqual(check.value, [ALL_STAFF]);

      const members = await graph.api(`/groups/${ALL_STAFF}/transitiveMembers/microsoft.graph.user`).select('id').get();
      assert.deepEqual(
        members.value.map((u: { id: string }) => u.id).sort(),
        [MEGAN, ADELE, LEE, NESTOR, '00000000-0000-4000-8000-000000000005'].sort(),
      );
    });

    it('pages a directory collection with $top and $skiptoken', async () => {
      const first = await graph.api(`/groups/${ALL_STAFF}/transitiveMembers`).top(2).get();
      assert.equal(first.value.length, 2);
      assert.match(first['@odata.nextLink'], /\$skiptoken=/);
      const ids: string[] = [];
      const it = new PageIterator(graph, first, (o: { id: string }) => {
        ids.push(o.id);
        return true;
      });
      await it.iterate();
      assert.equal(ids.length, 6, 'Sales (a group), its two users and three direct users');
      assert.equal(new Set(ids).size, 6);
    });
  });

  describe('meetings', () => {
    it('reads a meeting with its organizer and attendees', async () => {
      const m = await graph.api(`/users/${MEGAN}/onlineMeetings/${QBR}`).get();
      assert.equal(m.id, QBR);
      assert.equal(m.subject, 'Quarterly business review');
      assert.equal(m.participants.organizer.upn, 'megan.bowen@contoso.onmicrosoft.com');
      assert.deepEqual(m.participants.organizer.identity.user, {
        id: MEGAN,
        displayName: 'Megan Bowen',
        tenantId,
        identityProvider: 'AAD',
      });
      const roles = Object.fromEntries(m.participants.attendees.map((a: { upn: string; role: string }) => [a.upn, a.role]));
      assert.deepEqual(roles, {
        'adele.vance@contoso.onmicrosoft.com': 'unknownFutureValue',
        'lee.gu@contoso.onmicrosoft.com': 'presenter',
        'nestor.wilke@contoso.onmicrosoft.com': 'attendee',
        'guest_alex#EXT#@contoso.onmicrosoft.com': 'attendee',
      });
      assert.equal(m.chatInfo.threadId, '19:meeting_qbr@thread.v2');
    });

    it('returns coorganizer only when the client prefers unknown enum members', async () => {
      const m = await graph
        .api(`/users/${MEGAN}/onlineMeetings/${QBR}`)
        .header('Prefer', 'include-unknown-enum-members')
        .get();
      const adele = m.participants.attendees.find((a: { identity: { user: { id: string } } }) => a.identity.user.id === ADELE);
      assert.equal(adele.role, 'coorganizer');
    });

    it('finds a meeting by JoinWebUrl as a collection, also through an attendee', async () => {
      const joinWebUrl = fixture.meetings.find((m) => m.id === SKO)!.joinWebUrl;
      const res = await graph
        .api(`/users/${LEE}/onlineMeetings`)
        .filter(`JoinWebUrl eq '${encodeURIComponent(joinWebUrl)}'`)
        .get();
      assert.equal(res.value.length, 1);
      assert.equal(res.value[0].id, SKO);
      assert.equal(res.value[0].joinWebUrl, joinWebUrl);
    });
  });

  describe('getAllRecordings, content and transcripts', () => {
    it('pages getAllRecordings in a time window through @odata.nextLink', async () => {
      const first = await graph
        .api(
          `/users/${MEGAN}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='${MEGAN}', ` +
            'startDateTime=2026-11-01T00:00:00Z, endDateTime=2026-11-30T00:00:00Z)',
        )
        .get();
      assert.equal(first.value.length, 2, 'the default page size is small');
      assert.match(first['@odata.nextLink'], new RegExp(`^${env.graph.url}/v1\\.0/users/${MEGAN}/onlineMeetings/getAllRecordings\\(`));
      const seen: Array<{ id: string; meetingId: string; recordingContentUrl: string; meetingOrganizer: { user: { id: string } } }> = [];
      await new PageIterator(graph, first, (r: (typeof seen)[number]) => {
        seen.push(r);
        return true;
      }).iterate();
      assert.deepEqual(
        seen.map((r) => r.id),
        [QBR_RECORDING, 'rec-qbr-a', 'rec-qbr-b', 'rec-qbr-c', 'rec-qbr-e'],
        'oldest first; hidden and out-of-window recordings left out',
      );
      assert.ok(seen.every((r) => r.meetingId === QBR && r.meetingOrganizer.user.id === MEGAN));
      assert.equal(
        seen[0]!.recordingContentUrl,
        `${env.graph.url}/v1.0/users/${MEGAN}/onlineMeetings/${encodeURIComponent(QBR)}/recordings/${encodeURIComponent(QBR_RECORDING)}/content`,
      );
      const pages = env.graph.requests.filter((r) => r.path.includes('getAllRecordings'));
      assert.equal(pages.length, 3);
      assert.ok(pages.every((p) => p.status === 200));
    });

    it('parses percent-encoded function parameters, honours $top and the $filter form', async () => {
      const path =
        `/v1.0/users/${MEGAN}/onlineMeetings/getAllRecordings(meetingOrganizerUserId=%27${MEGAN}%27,%20startDateTime=2026-11-21T00%3A00%3A00Z)` +
        '?$top=1';
      const res = await env.trust.fetch(`${env.graph.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { value: Array<{ id: string }>; '@odata.nextLink'?: string };
      assert.deepEqual(body.value.map((r) => r.id), ['rec-qbr-c']);
      assert.ok(body['@odata.nextLink']);

      const filtered = await graph
        .api(`/users/${ADELE}/onlineMeetings/getAllRecordings`)
        .filter(`MeetingOrganizer/User/Id eq '${ADELE}'`)
        .get();
      assert.deepEqual(filtered.value, [], "the SKO recording isn't available yet");
    });

    it('requires meetingOrganizerUserId', async () => {
      const err = await graphFailure(graph.api(`/users/${MEGAN}/onlineMeetings/getAllRecordings`).get());
      assert.equal(err.statusCode, 400);
      assert.match(err.parsed.message, /meetingOrganizerUserId/);
    });

    it('streams recording content whose sha256 matches the seed, whole and as two ranges', async () => {
      const rec = fixture.meetings[0]!.recordings[0]!;
      const expected = await contentSha256(rec.seed, rec.size);
      const url = `/users/${MEGAN}/onlineMeetings/${QBR}/recordings/${QBR_RECORDING}/content`;

      const whole = (await graph.api(url).responseType(ResponseType.STREAM).get()) as ReadableStream<Uint8Array>;
      assert.equal((await sha256Of(whole as unknown as AsyncIterable<Uint8Array>)).digest('hex'), expected);

      const split = 1_234_567;
      const head = await graph.api(url).header('Range', `bytes=0-${split - 1}`).responseType(ResponseType.RAW).get();
      assert.equal(head.status, 206);
      assert.equal(head.headers.get('content-range'), `bytes 0-${split - 1}/${rec.size}`);
      assert.equal(head.headers.get('content-type'), 'video/mp4');
      const hash = await sha256Of(head.body);
      const tail = await graph.api(url).header('Range', `bytes=${split}-`).responseType(ResponseType.RAW).get();
      assert.equal(tail.status, 206);
      assert.equal(tail.headers.get('content-range'), `bytes ${split}-${rec.size - 1}/${rec.size}`);
      assert.equal(Number(tail.headers.get('content-length')), rec.size - split);
      assert.equal((await sha256Of(tail.body, hash)).digest('hex'), expected);

      type Fetch = { id: string; range: string | null; status: number; bytesSent: number; complete: boolean };
      const state = await env.control<{ contentFetches: Fetch[] }>(env.graph, 'GET', '/__control/state');
      assert.deepEqual(
        state.contentFetches.map((f) => [f.id, f.range, f.status, f.bytesSent, f.complete]),
        [
          [QBR_RECORDING, null, 200, rec.size, true],
          [QBR_RECORDING, `bytes=0-${split - 1}`, 206, split, true],
          [QBR_RECORDING, `bytes=${split}-`, 206, rec.size - split, true],
        ],
      );
    });

    it('answers HEAD with the size and an unsatisfiable range with 416', async () => {
      const rec = fixture.meetings[0]!.recordings[0]!;
      const url = `${env.graph.url}/v1.0/users/${MEGAN}/onlineMeetings/${QBR}/recordings/${QBR_RECORDING}/content`;
      const head = await env.trust.fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
      assert.equal(head.status, 200);
      assert.equal(Number(head.headers.get('content-length')), rec.size);
      assert.equal(head.headers.get('accept-ranges'), 'bytes');

      const err = await graphFailure(graph.api(url).header('Range', `bytes=${rec.size}-`).get());
      assert.equal(err.statusCode, 416);
      assert.equal(err.headers?.get('content-range'), `bytes */${rec.size}`);
    });

    it('with contentRedirect, answers 302 to a pre-authenticated URL on another origin that refuses a bearer and honours Range', async () => {
      const rec = fixture.meetings[0]!.recordings[0]!;
      await env.control(env.graph, 'POST', '/__control/settings', { contentRedirect: true });
      try {
        const url = `${env.graph.url}/v1.0/users/${MEGAN}/onlineMeetings/${QBR}/recordings/${QBR_RECORDING}/content`;
        const redirect = await env.trust.fetch(url, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
        assert.equal(redirect.status, 302);
        const location = redirect.headers.get('location')!;
        assert.equal(new URL(location).origin, new URL(env.graphDownloads.url).origin);
        assert.notEqual(new URL(location).origin, new URL(env.graph.url).origin);

        const withBearer = await env.trust.fetch(location, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(withBearer.status, 401, 'the Graph bearer token is refused by the download host');
        const ranged = await env.trust.fetch(location, { headers: { range: 'bytes=10-19' } });
        assert.equal(ranged.status, 206);
        assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${rec.size}`);
        assert.equal(Buffer.from(await ranged.arrayBuffer()).length, 10);
        const beyond = await env.trust.fetch(location, { headers: { range: `bytes=${rec.size}-` } });
        assert.equal(beyond.status, 416);
        assert.equal(beyond.headers.get('content-range'), `bytes */${rec.size}`);
        const unknown = await env.trust.fetch(`${env.graphDownloads.url}/download/not-a-grant`);
        assert.equal(unknown.status, 401);
        await unknown.arrayBuffer();
      } finally {
        await env.control(env.graph, 'POST', '/__control/settings', { contentRedirect: false });
      }
    });

    it('lists, gets and downloads a transcript as VTT', async () => {
      const list = await graph.api(`/users/${MEGAN}/onlineMeetings/${QBR}/transcripts`).get();
      assert.deepEqual(list.value.map((t: { id: string }) => t.id), [QBR_TRANSCRIPT]);
      const recording = await graph.api(`/users/${MEGAN}/onlineMeetings/${QBR}/recordings/${QBR_RECORDING}`).get();
      assert.equal(list.value[0].contentCorrelationId, recording.contentCorrelationId, 'a transcript pairs with its recording');

      const raw = await graph
        .api(`/users/${MEGAN}/onlineMeetings/${QBR}/transcripts/${QBR_TRANSCRIPT}/content`)
        .query({ $format: 'text/vtt' })
        .responseType(ResponseType.RAW)
        .get();
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get('content-type'), 'text/vtt');
      assert.equal(await raw.text(), fixture.meetings[0]!.transcripts[0]!.vtt);
    });

    it('hides unavailable items until the control API makes them available', async () => {
      const err = await graphFailure(graph.api(`/users/${ADELE}/onlineMeetings/${SKO}/recordings/${SKO_RECORDING}`).get());
      assert.equal(err.statusCode, 404);
      await env.control(env.graph, 'POST', `/__control/recordings/${SKO_RECORDING}/available`);
      const r = await graph.api(`/users/${ADELE}/onlineMeetings/${SKO}/recordings/${SKO_RECORDING}`).get();
      assert.equal(r.id, SKO_RECORDING);
    });

    it('delta returns only what became available after the deltaLink', async () => {
      const deltaPath = `/users/${ADELE}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='${ADELE}')/delta`;
      const first = await graph.api(deltaPath).get();
      assert.deepEqual(first.value, []);
      const deltaLink: string = first['@odata.deltaLink'];
      assert.match(deltaLink, /\/delta\?skipToken=/);
      assert.equal(first['@odata.nextLink'], undefined);

      await env.control(env.graph, 'POST', `/__control/recordings/${SKO_RECORDING}/available`);
      const second = await graph.api(deltaLink).get();
      assert.deepEqual(second.value.map((r: { id: string }) => r.id), [SKO_RECORDING]);

      const third = await graph.api(second['@odata.deltaLink']).get();
      assert.deepEqual(third.value, []);
    });

    it('pages a first delta round and hands a deltaLink to PageIterator', async () => {
      const first = await graph.api(`/users/${MEGAN}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='${MEGAN}')/delta`).get();
      const ids: string[] = [];
      const it = new PageIterator(graph, first, (r: { id: string }) => {
        ids.push(r.id);
        return true;
      });
      await it.iterate();
      assert.equal(ids.length, 6, 'all available QBR recordings, including the late one');
      assert.match(String(it.getDeltaLink()), /\/delta\?skipToken=/);
    });
  });

  describe('authorization', () => {
    it('answers a missing recording permission with the Teams 403', async () => {
      const limited = clientWith(await mintToken(env.keys, tenantId, appId, { roles: ['OnlineMeetings.Read.All'] }));
      const err = await graphFailure(limited.api(`/users/${MEGAN}/onlineMeetings/${QBR}/recordings`).get());
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Forbidden');
      assert.equal(err.parsed.message, '');
      assert.ok(err.parsed.innerError.date && err.parsed.innerError['client-request-id']);
    });

    it('answers a missing directory permission with Authorization_RequestDenied', async () => {
      const noRoles = clientWith(await mintToken(env.keys, tenantId, appId, { roles: null }));
      const err = await graphFailure(noRoles.api(`/users/${MEGAN}`).get());
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Authorization_RequestDenied');
      assert.equal(err.message, 'Insufficient privileges to complete the operation.');
    });

    it('answers an app without an application access policy with 403', async () => {
      const noPolicy = clientWith(await mintToken(env.keys, tenantId, NO_POLICY_APP));
      const err = await graphFailure(noPolicy.api(`/users/${MEGAN}/onlineMeetings/${QBR}/recordings/${QBR_RECORDING}/content`).get());
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Forbidden');
      assert.equal(err.message, 'No Application Access Policy found for this app');
      const state = await env.control<{ denials: Array<{ status: number; reason: string }> }>(env.graph, 'GET', '/__control/state');
      assert.match(state.denials.at(-1)!.reason, /applicationAccessPolicy/);
    });

    it('answers transcript calls with GraphAccessToTranscriptsDisabled when the tenant switch is off', async () => {
      const off = structuredClone(fixture);
      off.tenant.transcriptApiAccess = false;
      await env.control(env.graph, 'POST', '/__control/fixture', off);
      try {
        const err = await graphFailure(graph.api(`/users/${MEGAN}/onlineMeetings/${QBR}/transcripts/${QBR_TRANSCRIPT}/content`).get());
        assert.equal(err.statusCode, 403);
        assert.equal(err.code, 'Forbidden');
        assert.equal(err.parsed.innerError.code, 'GraphAccessToTranscriptsDisabled');
        // recordings are not gated by the transcript switch
        const r = await graph.api(`/users/${MEGAN}/onlineMeetings/${QBR}/recordings`).get();
        assert.ok(r.value.length > 0);
      } finally {
        await env.control(env.graph, 'POST', '/__control/fixture', fixture);
      }
    });

    it('answers bad, expired and missing tokens with 401 InvalidAuthenticationToken', async () => {
      const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cases = [
        await mintToken(env.keys, tenantId, appId, { signingKey: stranger }),
        await mintToken(env.keys, tenantId, appId, { expired: true }),
      ];
      for (const bad of cases) {
        const err = await graphFailure(clientWith(bad).api(`/users/${MEGAN}`).get());
        assert.equal(err.statusCode, 401);
        assert.equal(err.code, 'InvalidAuthenticationToken');
        assert.match(err.headers?.get('www-authenticate') ?? '', /^Bearer /);
      }
      const res = await env.trust.fetch(`${env.graph.url}/v1.0/users/${MEGAN}`);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: GraphErrorBody };
      assert.equal(body.error.code, 'InvalidAuthenticationToken');
      assert.equal(body.error.message, 'Access token is empty.');
    });
  });

  describe('subscriptions and notifications', () => {
    const createSubscription = (over: Record<string, unknown> = {}) =>
      graph.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${app.url}/api/graph/notifications?integration=contoso`,
        lifecycleNotificationUrl: `${app.url}/api/graph/lifecycle`,
        resource: 'communications/onlineMeetings/getAllRecordings',
        expirationDateTime: inMinutes(4_000),
        clientState: 'sandbox-client-state-0123',
        ...over,
      });

    it('validates both endpoints, then delivers a change notification when a recording becomes available', async () => {
      const sub = await createSubscription();
      assert.equal(sub.resource, 'communications/onlineMeetings/getAllRecordings');
      assert.equal(sub.applicationId, appId);
      assert.match(sub['@odata.context'], /\$metadata#subscriptions\/\$entity$/);
      const state = await env.control<{ subscriptions: Array<Record<string, unknown>> }>(env.graph, 'GET', '/__control/state');
      const listed = state.subscriptions.find((s) => s.id === sub.id);
      assert.equal(listed?.hasClientState, true);
      assert.ok(!('clientState' in listed!), 'the control state shows no clientState');
      assert.ok(!JSON.stringify(state.subscriptions).includes('sandbox-client-state-0123'));

      const handshakes = app.received.filter((r) => r.query.has('validationToken'));
      assert.deepEqual(handshakes.map((h) => h.path), ['/api/graph/notifications', '/api/graph/lifecycle']);
      assert.match(handshakes[0]!.query.get('validationToken')!, /^Validation: Testing client application reachability/);
      assert.equal(handshakes[0]!.query.get('integration'), 'contoso', "the notificationUrl's own query survives");
      assert.match(handshakes[0]!.contentType ?? '', /^text\/plain/);
      app.received.length = 0;

      const result = await env.control<{ madeAvailable: boolean; notifications: Array<{ status: number; ok: boolean }> }>(
        env.graph,
        'POST',
        `/__control/recordings/${encodeURIComponent(SKO_RECORDING)}/available`,
      );
      assert.equal(result.madeAvailable, true);
      assert.deepEqual(result.notifications.map((n) => [n.status, n.ok]), [[202, true]]);

      assert.equal(app.received.length, 1);
      const delivered = app.received[0]!;
      assert.equal(delivered.path, '/api/graph/notifications');
      assert.equal(delivered.query.get('integration'), 'contoso');
      assert.match(delivered.contentType ?? '', /^application\/json/);
      const { value } = JSON.parse(delivered.body) as { value: Array<Record<string, unknown>> };
      assert.equal(value.length, 1);
      const n = value[0]!;
      assert.equal(n.subscriptionId, sub.id);
      assert.equal(n.clientState, 'sandbox-client-state-0123');
      assert.equal(n.changeType, 'created');
      assert.equal(n.tenantId, tenantId);
      assert.equal(n.resource, `communications/onlineMeetings('${SKO}')/recordings('${SKO_RECORDING}')`);
      assert.deepEqual(n.resourceData, {
        id: SKO_RECORDING,
        '@odata.type': '#Microsoft.Graph.callRecording',
        '@odata.id': `communications/onlineMeetings('${SKO}')/recordings('${SKO_RECORDING}')`,
      });
      assert.match(String(n.subscriptionExpirationDateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);

      // a transcript subscription does not hear about recordings, and vice versa
      await env.control(env.graph, 'POST', `/__control/transcripts/${SKO_TRANSCRIPT}/available`);
      assert.equal(app.received.length, 1);
    });

    it('rejects expirations beyond 4,320 minutes and long ones without a lifecycle URL', async () => {
      const tooLong = await graphFailure(createSubscription({ expirationDateTime: inMinutes(4_330) }));
      assert.equal(tooLong.statusCode, 400);
      assert.equal(tooLong.code, 'ExtensionError');
      assert.match(tooLong.message, /is beyond allowed max '3\.00:00:00'/);

      const noLifecycle = await graphFailure(createSubscription({ lifecycleNotificationUrl: undefined, expirationDateTime: inMinutes(90) }));
      assert.equal(noLifecycle.statusCode, 400);
      assert.match(noLifecycle.message, /^lifecycleNotificationUrl is required for subscription creation on this resource/);

      const short = await createSubscription({ lifecycleNotificationUrl: undefined, expirationDateTime: inMinutes(55) });
      assert.equal(short.lifecycleNotificationUrl, null);
      assert.equal(app.received.filter((r) => r.query.has('validationToken')).length, 1, 'only the notification URL was validated');
    });

    it('refuses a subscription whose endpoint fails the handshake', async () => {
      const err = await graphFailure(createSubscription({ notificationUrl: `${app.url}/bad` }));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ValidationError');
      assert.match(err.message, /^Subscription validation request failed\./);
      const state = await env.control<{ subscriptions: unknown[]; validations: Array<{ ok: boolean }> }>(env.graph, 'GET', '/__control/state');
      assert.deepEqual(state.subscriptions, []);
      assert.equal(state.validations.length, 1);
    });

    it('times out a slow handshake and refuses endpoints off loopback', async () => {
      await env.control(env.graph, 'POST', '/__control/settings', { validationTimeoutMs: 100 });
      const slow = await graphFailure(createSubscription({ notificationUrl: `${app.url}/slow` }));
      assert.equal(slow.statusCode, 400);
      assert.equal(slow.code, 'InvalidRequest');
      assert.equal(slow.message, 'Subscription validation request timed out.');

      const remote = await graphFailure(createSubscription({ notificationUrl: 'https://webhook.example.com/api/notifications' }));
      assert.equal(remote.statusCode, 400);
      assert.match(remote.message, /^notificationUrl must point at a loopback host/);
    });

    it('refuses a transcript subscription without the transcript permission', async () => {
      const limited = clientWith(await mintToken(env.keys, tenantId, appId, { roles: ['OnlineMeetingRecording.Read.All'] }));
      const err = await graphFailure(
        limited.api('/subscriptions').post({
          changeType: 'created',
          notificationUrl: `${app.url}/n`,
          resource: 'communications/onlineMeetings/getAllTranscripts',
          expirationDateTime: inMinutes(30),
        }),
      );
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'ExtensionError');
    });

    it('delivers lifecycle notifications, reauthorizes, renews and deletes', async () => {
      const sub = await createSubscription();
      app.received.length = 0;

      const reauth = await env.control<{ delivery: { status: number } }>(env.graph, 'POST', `/__control/subscriptions/${sub.id}/lifecycle`, {
        lifecycleEvent: 'reauthorizationRequired',
      });
      assert.equal(reauth.delivery.status, 202);
      assert.equal(app.received.length, 1);
      assert.equal(app.received[0]!.path, '/api/graph/lifecycle');
      const event = (JSON.parse(app.received[0]!.body) as { value: Array<Record<string, unknown>> }).value[0]!;
      assert.equal(event.lifecycleEvent, 'reauthorizationRequired');
      assert.equal(event.subscriptionId, sub.id);
      assert.equal(event.clientState, 'sandbox-client-state-0123');
      assert.equal(event.tenantId, tenantId);

      const reauthorized = await graph.api(`/subscriptions/${sub.id}/reauthorize`).responseType(ResponseType.RAW).post(undefined);
      assert.equal(reauthorized.status, 204);

      const newExpiry = inMinutes(4_300);
      const renewed = await graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: newExpiry });
      assert.equal(Date.parse(renewed.expirationDateTime), Date.parse(newExpiry));
      assert.equal((await graph.api(`/subscriptions/${sub.id}`).get()).id, sub.id);

      await env.control(env.graph, 'POST', `/__control/subscriptions/${sub.id}/lifecycle`, { lifecycleEvent: 'subscriptionRemoved' });
      const gone = await graphFailure(graph.api(`/subscriptions/${sub.id}`).get());
      assert.equal(gone.statusCode, 404);

      const other = await createSubscription({ resource: 'communications/onlineMeetings/getAllTranscripts' });
      await graph.api(`/subscriptions/${other.id}`).delete();
      const list = await graph.api('/subscriptions').get();
      assert.deepEqual(list.value, []);
    });

    it('stops notifying an expired subscription', async () => {
      const sub = await createSubscription();
      await env.control(env.graph, 'POST', `/__control/subscriptions/${sub.id}/expire`);
      app.received.length = 0;
      const result = await env.control<{ notifications: unknown[] }>(env.graph, 'POST', `/__control/recordings/${SKO_RECORDING}/available`);
      assert.deepEqual(result.notifications, []);
      assert.equal(app.received.length, 0);
    });
  });

  describe('faults', () => {
    it('delivers an injected 429 with Retry-After to the client', async () => {
      await env.control(env.graph, 'POST', '/__control/faults', {
        method: 'GET',
        path: `/v1.0/users/${MEGAN}`,
        status: 429,
        headers: { 'Retry-After': '1' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
      });
      const err = await graphFailure(graph.api(`/users/${MEGAN}`).middlewareOptions([new RetryHandlerOptions(0, 0)]).get());
      assert.equal(err.statusCode, 429);
      assert.equal(err.code, 'TooManyRequests');
      assert.equal(err.headers?.get('retry-after'), '1');
    });

    it("lets the client's retry handler honour Retry-After and succeed", async () => {
      await env.control(env.graph, 'POST', '/__control/faults', {
        method: 'GET',
        path: `/v1.0/users/${MEGAN}`,
        status: 429,
        headers: { 'Retry-After': '1' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
      });
      const started = Date.now();
      const user = await graph.api(`/users/${MEGAN}`).get();
      assert.equal(user.id, MEGAN);
      assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
      const log = env.graph.requests.filter((r) => r.path === `/v1.0/users/${MEGAN}`).map((r) => r.status);
      assert.deepEqual(log, [429, 200]);
    });
  });

  it('serves the same handlers under /beta and answers unknown segments like Graph', async () => {
    const beta = await graph.api(`/users/${MEGAN}`).version('beta').get();
    assert.match(beta['@odata.context'], /\/beta\/\$metadata#users/);
    const err = await graphFailure(graph.api('/nonsense/thing').get());
    assert.equal(err.statusCode, 400);
    assert.equal(err.message, "Resource not found for the segment 'nonsense'.");
  });
});
