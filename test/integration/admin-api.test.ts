import assert from 'node:assert/strict';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';
import { kalturaRefusesNewEntries } from '../support/kaltura-faults.js';

const SECRET = 'demo~client~secret~0123456789';
const FRESH_SECRET = 'fresh~secret~value~0123456789';
const KALTURA_TOKEN = 'demo-app-token-value-0123456789abcdef';
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
const NO_ROLE_USER = '00000000-0000-4000-8000-000000000002';
const DAY = 86_400_000;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/**
 * The admin API through real HTTP, with real Teams SSO tokens minted by the emulated Entra ID: every
 * route of docs/admin-api.md, tenant isolation, and no secret in any answer.
 */
describe('admin API over HTTP', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let fixture: Fixture;
  let token: string;
  const answers: string[] = [];
  let id: string;

  const mint = async (request: Record<string, unknown> = {}) =>
    (await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', request)).token;

  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${h.app.url}/api/admin${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    answers.push(text, JSON.stringify([...res.headers]));
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  const expectError = (a: Answer, status: number, code: string, field?: string) => {
    assert.equal(a.status, status, a.text);
    assert.equal(a.json?.error?.code, code, a.text);
    if (field !== undefined) assert.equal(a.json.error.field, field, a.text);
    assert.equal(typeof a.json.error.message, 'string');
  };

  const input = () => ({
    name: 'Contoso "Teams", recordings',
    tenantId: fixture.tenant.id,
    appClientId: fixture.appRegistrations[0]!.clientId,
    appClientSecret: SECRET,
    kaltura: { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, appTokenId: fixture.kaltura.appTokens[0]!.id, appToken: KALTURA_TOKEN },
    settings: { categories: ['MediaSpace>site>channels>Teams recordings'], userSearchMethod: 'all' },
  });

  before(async () => {
    fixture = structuredClone(await demoFixture());
    fixture.integrations = [];
    h = await startAppHarness(fixture, { TEAMS_APP_TENANT_ID: `${fixture.tenant.id},${OTHER_TENANT}` });
    token = await mint();
  });
  after(() => h?.close());

  it('refuses a call without a token (401) or without the admin role (403); client-config needs none', async () => {
    expectError(await call('GET', '/integrations', { token: null }), 401, 'UNAUTHENTICATED');
    expectError(await call('POST', '/integrations', { token: null, body: input() }), 401, 'UNAUTHENTICATED');
    const noRole = await mint({ userId: NO_ROLE_USER });
    expectError(await call('GET', '/integrations', { token: noRole }), 403, 'FORBIDDEN');
    expectError(await call('POST', '/integrations', { token: noRole, body: input() }), 403, 'FORBIDDEN');
    assert.deepEqual(await h.app.service.list(), []);

    const config = await call('GET', '/client-config', { token: null });
    assert.equal(config.status, 200);
    assert.equal(config.json.clientId, fixture.teamsApp.clientId);
    assert.equal(config.headers.get('cache-control'), 'no-store');
  });

  it('GET /me says who is signed in; an unknown route is a JSON 404', async () => {
    const me = await call('GET', '/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.json, { user: { id: fixture.users[0]!.id, name: fixture.users[0]!.displayName, tenantId: fixture.tenant.id }, roles: ['Archiver.Admin'] });
    const unknown = await call('GET', '/nothing/here');
    expectError(unknown, 404, 'ROUTE_NOT_FOUND');
    assert.match(unknown.headers.get('content-type') ?? '', /application\/json/);
    expectError(await call('PUT', '/integrations'), 404, 'ROUTE_NOT_FOUND');
  });

  it('creates an integration disabled, never answering a secret; lists and gets it with its version as ETag', async () => {
    const empty = await call('GET', '/integrations');
    assert.deepEqual(empty.json, { items: [] });
    const created = await call('POST', '/integrations', { body: input() });
    assert.equal(created.status, 201, created.text);
    const i = created.json;
    id = i.id;
    assert.equal(i.status, 'disabled');
    assert.deepEqual(i.appClientSecret, { set: true });
    assert.equal(i.tenantId, fixture.tenant.id);
    assert.deepEqual(i.kaltura, { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, appTokenId: fixture.kaltura.appTokens[0]!.id, credential: 'appToken' });
    assert.equal(i.settings.uploadScope, 'all', 'settings come back with their defaults');
    assert.equal(i.settings.entryUrlTemplate, '');
    assert.equal(i.lastError, null);
    assert.deepEqual(i.health, { state: 'unknown' });
    assert.equal(i.version, 1);
    assert.ok(!Number.isNaN(Date.parse(i.createdAt)) && i.createdAt.endsWith('Z'));
    assert.equal(created.headers.get('cache-control'), 'no-store');

    const listed = await call('GET', '/integrations');
    assert.deepEqual(listed.json.items.map((x: { id: string }) => x.id), [id]);
    const got = await call('GET', `/integrations/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.json, i);
    expectError(await call('GET', '/integrations/int_doesNotExist000000'), 404, 'INTEGRATION_NOT_FOUND');
    expectError(await call('GET', `/integrations/${encodeURIComponent('../../etc/passwd')}`), 404, 'INTEGRATION_NOT_FOUND');
  });

  it("PATCH changes what is given, refuses someone else's edit (If-Match) and a secret (it has its own route)", async () => {
    const stale = await call('PATCH', `/integrations/${id}`, { body: { name: 'Renamed' }, headers: { 'if-match': '"0"' } });
    expectError(stale, 409, 'INTEGRATION_CHANGED');
    const secret = await call('PATCH', `/integrations/${id}`, { body: { appClientSecret: 'x' } });
    expectError(secret, 400, 'INVALID_INPUT', 'appClientSecret');
    assert.match(secret.json.error.message, /PUT .*\/secret/);

    const settings = { ...input().settings, entryUrlTemplate: 'https://videos.contoso.example/media/{entryId}?partner={partnerId}' };
    const patched = await call('PATCH', `/integrations/${id}`, { body: { settings }, headers: { 'if-match': '"1"' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.version, 2);
    assert.equal(patched.headers.get('etag'), '"2"');
    assert.equal(patched.json.settings.entryUrlTemplate, settings.entryUrlTemplate);
    assert.equal(patched.json.name, input().name, 'what is not given stays');
  });

  it('enables; delete is refused while enabled with the guide\'s words; the recording archives with the integration\'s link', async () => {
    const enabled = await call('POST', `/integrations/${id}/enable`);
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.json.status, 'enabled');
    const refused = await call('DELETE', `/integrations/${id}`);
    expectError(refused, 409, 'INTEGRATION_ENABLED');
    assert.equal(refused.json.error.message, "Please change integration status to 'Disable' in order to delete it.");

    const recordingId = fixture.meetings[0]!.recordings[0]!.id;
    const archived = await waitFor('the available recording archived', async () => {
      const page = await call('GET', `/integrations/${id}/recordings?state=archived`);
      return page.json.items.find((r: { recordingId: string }) => r.recordingId === recordingId);
    }, 40_000);
    assert.ok(archived.entryId);
    assert.equal(archived.entryUrl, `https://videos.contoso.example/media/${archived.entryId}?partner=${fixture.kaltura.partnerId}`);
    assert.equal(archived.bytesDone, fixture.meetings[0]!.recordings[0]!.size);
    assert.equal(archived.bytesTotal, fixture.meetings[0]!.recordings[0]!.size);
    assert.equal(archived.subject, 'Quarterly business review');
    assert.equal(archived.organizerId, fixture.meetings[0]!.organizerId);
    assert.equal(archived.retryable, false);
    assert.equal(typeof archived.transcript.state, 'string');
    assert.ok(!('jobId' in archived) && !('settledAt' in archived), 'only the documented fields');
  });

  it('tests the connection: one result per check; the secret expiry it read shows in health', async () => {
    const tested = await call('POST', `/integrations/${id}/test`);
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.json.ok, true, tested.text);
    assert.ok(tested.json.checks.length >= 8);
    const ids = tested.json.checks.map((c: { id: string }) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'one result per check');
    for (const c of tested.json.checks) {
      assert.ok(typeof c.label === 'string' && ['pass', 'fail', 'warning', 'skipped'].includes(c.status), JSON.stringify(c));
    }
    assert.ok(ids.includes('token') && ids.includes('kaltura-session') && ids.includes('secret-expiry'));
    assert.equal(tested.json.integration.id, id);
    assert.equal(tested.json.integration.health.state, 'ok');
    assert.ok(!Number.isNaN(Date.parse(tested.json.checkedAt)));
  });

  it('health: state, problems, pause, times, subscriptions, job counts and 30 days of outcomes ending today', async () => {
    const health = await waitFor('two subscriptions', async () => {
      const a = await call('GET', `/integrations/${id}/health`);
      return a.json.subscriptions.length === 2 ? a : undefined;
    });
    assert.equal(health.status, 200);
    const v = health.json;
    assert.deepEqual(Object.keys(v).sort(), [
      'checkedAt', 'daily', 'jobs', 'lastArchivedAt', 'lastSuccessAt', 'paused', 'problems', 'secretExpiresAt', 'state', 'subscriptionExpiresAt', 'subscriptions',
    ]);
    assert.equal(v.state, 'ok');
    assert.deepEqual(v.problems, []);
    assert.equal(v.paused, null);
    for (const t of ['checkedAt', 'lastSuccessAt', 'lastArchivedAt']) assert.ok(Date.parse(v[t]) > Date.now() - 600_000, `${t}: ${v[t]}`);
    assert.equal(v.secretExpiresAt, new Date(fixture.appRegistrations[0]!.secrets[0]!.expiresAt).toISOString());
    assert.deepEqual(v.subscriptions.map((s: { resource: string }) => s.resource).sort(), [
      'communications/onlineMeetings/getAllRecordings',
      'communications/onlineMeetings/getAllTranscripts',
    ]);
    assert.ok(v.subscriptions.every((s: Record<string, unknown>) => Object.keys(s).sort().join() === 'expiresAt,resource'), 'no clientState');
    assert.equal(v.subscriptionExpiresAt, v.subscriptions.map((s: { expiresAt: string }) => s.expiresAt).sort()[0]);
    assert.deepEqual(Object.keys(v.jobs).sort(), ['active', 'completed', 'failed', 'queued']);
    assert.ok(v.jobs.completed >= 1);
    assert.equal(v.daily.length, 30);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(v.daily[29].day, today);
    assert.equal(v.daily[0].day, new Date(Date.parse(today) - 29 * DAY).toISOString().slice(0, 10));
    assert.ok(v.daily[29].archived >= 1);
    assert.deepEqual(v.daily.map((d: { day: string }) => d.day), [...v.daily.map((d: { day: string }) => d.day)].sort());
  });

  it('recordings: filters by state and organizer, pages with a cursor', async () => {
    await h.release('recording', fixture.meetings[1]!.recordings[0]!.id);
    await waitFor('two recordings archived', async () => {
      const page = await call('GET', `/integrations/${id}/recordings?state=archived`);
      return page.json.items.length === 2;
    }, 40_000);
    const first = await call('GET', `/integrations/${id}/recordings?limit=1`);
    assert.equal(first.json.items.length, 1);
    assert.ok(first.json.nextCursor);
    const second = await call('GET', `/integrations/${id}/recordings?limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}`);
    assert.equal(second.json.items.length, 1);
    assert.notEqual(second.json.items[0].recordingId, first.json.items[0].recordingId);
    const byOrganizer = await call('GET', `/integrations/${id}/recordings?organizerId=${fixture.meetings[1]!.organizerId}`);
    assert.deepEqual(byOrganizer.json.items.map((r: { recordingId: string }) => r.recordingId), [fixture.meetings[1]!.recordings[0]!.id]);
    assert.deepEqual((await call('GET', `/integrations/${id}/recordings?state=failed`)).json, { items: [], nextCursor: null });
  });

  it('retry: 409 unless failed; a failed recording is retryable, goes back to queued, then archives', async () => {
    const archivedId = fixture.meetings[0]!.recordings[0]!.id;
    expectError(await call('POST', `/integrations/${id}/recordings/${encodeURIComponent(archivedId)}/retry`), 409, 'RECORDING_NOT_RETRYABLE');
    expectError(await call('POST', `/integrations/${id}/recordings/no-such-recording/retry`), 404, 'RECORDING_NOT_FOUND');

    const recordingId = fixture.meetings[2]!.recordings[0]!.id;
    await kalturaRefusesNewEntries(h.e);
    await h.release('recording', recordingId);
    const failed = await waitFor('the recording failed and is retryable', async () => {
      const page = await call('GET', `/integrations/${id}/recordings?state=failed`);
      return page.json.items.find((r: { recordingId: string; retryable: boolean }) => r.recordingId === recordingId && r.retryable);
    }, 40_000);
    assert.ok(failed.error.code);
    await h.e.control(h.e.kaltura, 'DELETE', '/__control/faults');

    const retried = await call('POST', `/integrations/${id}/recordings/${encodeURIComponent(recordingId)}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.state, 'queued');
    assert.equal(retried.json.error, null);
    assert.equal(retried.json.retryable, false);
    await waitFor('archived after the retry', async () => {
      const page = await call('GET', `/integrations/${id}/recordings?state=archived`);
      return page.json.items.some((r: { recordingId: string }) => r.recordingId === recordingId);
    }, 40_000);
    const health = await call('GET', `/integrations/${id}/health`);
    assert.ok(health.json.daily[29].archived >= 3);
  });

  it('backfill answers 202 with its job, and checks its range', async () => {
    const now = Date.now();
    const from = new Date(now - 7 * DAY).toISOString();
    const to = new Date(now - 1000).toISOString();
    const queued = await call('POST', `/integrations/${id}/backfill`, { body: { from, to } });
    assert.equal(queued.status, 202, queued.text);
    assert.deepEqual(Object.keys(queued.json).sort(), ['created', 'from', 'jobId', 'to']);
    assert.equal(queued.json.created, true);
    assert.equal(queued.json.from, from);
    expectError(await call('POST', `/integrations/${id}/backfill`, { body: { from: to, to: from } }), 400, 'INVALID_INPUT', 'to');
  });

  it('activity: admin actions and jobs in one list, newest first, as JSON or a CSV download', async () => {
    // the backfill above (and the cards it may lead to) first: the JSON and the CSV must list the same jobs
    await waitFor('no job of the integration queued or running', async () => {
      for (const state of ['queued', 'active'] as const) if ((await h.app.store.jobs.list({ integrationId: id, state })).items.length) return false;
      return true;
    });
    const activity = await call('GET', `/integrations/${id}/activity`);
    assert.equal(activity.status, 200);
    const items = activity.json.items as Array<{ at: string; source: string; action: string; actor: { id: string; name: string } | null; summary: string }>;
    assert.ok(items.length > 5, activity.text);
    assert.deepEqual(items.map((i) => i.at), [...items.map((i) => i.at)].sort().reverse(), 'newest first');
    const enable = items.find((i) => i.action === 'integration.enable')!;
    assert.equal(enable.source, 'audit');
    assert.deepEqual(enable.actor, { id: fixture.users[0]!.id, name: fixture.users[0]!.displayName });
    assert.equal(enable.summary, 'Enabled the integration.');
    const job = items.find((i) => i.action === 'ingest-recording.completed')!;
    assert.equal(job.source, 'job');
    assert.equal(job.actor, null);
    assert.match(job.summary, /^Archive recording .+: done\.$/);
    assert.ok(items.some((i) => i.action === 'recording.retry'));
    assert.equal((await call('GET', `/integrations/${id}/activity?limit=2`)).json.items.length, 2);

    const csv = await call('GET', `/integrations/${id}/activity?format=csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="Contoso-Teams-recordings-recent-logs.csv"');
    assert.equal(csv.headers.get('cache-control'), 'no-store');
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], '"at","source","action","actor id","actor name","summary","error code","error message"');
    assert.equal(lines.length, items.length + 2, 'a header, a line per entry, and the final line break');
    // the integration's name holds quotes and a comma: the cell is quoted, its quotes doubled
    assert.ok(csv.text.includes('"Created the integration ""Contoso ""Teams"", recordings"" (disabled)."'), csv.text);
  });

  it('replaces the secret: a wrong one is refused (422) and the old kept; a good one heals a secret error and resumes', async () => {
    const wrong = await call('PUT', `/integrations/${id}/secret`, { body: { appClientSecret: 'not-the-secret' } });
    expectError(wrong, 422, 'SECRET_INVALID', 'appClientSecret');
    assert.equal((await h.app.store.integrations.getSecrets(id))!.appClientSecret, SECRET);

    await h.app.pipeline.health.keeper.error(id, { code: 'SECRET_EXPIRED', message: 'AADSTS7000222' });
    await h.app.store.jobs.pause(id, 'SECRET_EXPIRED');
    const broken = await call('GET', `/integrations/${id}`);
    assert.equal(broken.json.lastError.code, 'SECRET_EXPIRED');
    assert.ok(broken.json.lastError.fix);
    assert.equal((await call('GET', `/integrations/${id}/health`)).json.paused.reason, 'SECRET_EXPIRED');

    const renewed = structuredClone(fixture);
    renewed.appRegistrations[0]!.secrets.push({ value: FRESH_SECRET, expiresAt: '2029-06-30T00:00:00Z' });
    await h.e.control(h.e.entra, 'POST', '/__control/fixture', renewed);
    const healed = await call('PUT', `/integrations/${id}/secret`, { body: { appClientSecret: FRESH_SECRET } });
    assert.equal(healed.status, 200, healed.text);
    assert.equal(healed.json.lastError, null);
    assert.deepEqual(healed.json.appClientSecret, { set: true });
    const health = (await call('GET', `/integrations/${id}/health`)).json;
    assert.equal(health.paused, null);
    assert.equal(health.secretExpiresAt, null, "the old secret's expiry is forgotten until the next check reads the new one's");
    assert.equal((await h.app.store.integrations.getSecrets(id))!.appClientSecret, FRESH_SECRET);
  });

  it('keeps tenants apart: another tenant\'s admin sees nothing of this one and cannot create for it', async () => {
    const other = await mint({ tenantId: OTHER_TENANT });
    assert.deepEqual((await call('GET', '/integrations', { token: other })).json, { items: [] });
    expectError(await call('GET', `/integrations/${id}`, { token: other }), 404, 'INTEGRATION_NOT_FOUND');
    expectError(await call('PATCH', `/integrations/${id}`, { token: other, body: { name: 'Taken over' } }), 404, 'INTEGRATION_NOT_FOUND');
    expectError(await call('POST', `/integrations/${id}/disable`, { token: other }), 404, 'INTEGRATION_NOT_FOUND');
    expectError(await call('GET', `/integrations/${id}/activity`, { token: other }), 404, 'INTEGRATION_NOT_FOUND');
    expectError(await call('POST', '/integrations', { token: other, body: { ...input(), name: 'Sneaky' } }), 403, 'FORBIDDEN', 'tenantId');
    expectError(await call('POST', '/integrations', { body: { ...input(), name: 'Elsewhere', tenantId: OTHER_TENANT } }), 403, 'FORBIDDEN', 'tenantId');
    expectError(await call('PATCH', `/integrations/${id}`, { body: { tenantId: OTHER_TENANT } }), 403, 'FORBIDDEN', 'tenantId');
    assert.equal((await h.app.service.list()).length, 1);
    assert.equal((await h.app.service.get(id)).tenantId, fixture.tenant.id);
  });

  it('disables, then deletes (204); the integration is gone', async () => {
    const disabled = await call('POST', `/integrations/${id}/disable`);
    assert.equal(disabled.json.status, 'disabled');
    assert.equal((await call('GET', `/integrations/${id}/health`)).json.paused.reason, 'DISABLED');
    const deleted = await call('DELETE', `/integrations/${id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    expectError(await call('GET', `/integrations/${id}`), 404, 'INTEGRATION_NOT_FOUND');
    assert.deepEqual((await call('GET', '/integrations')).json, { items: [] });
  });

  it('no answer ever held a secret', () => {
    const all = answers.join('\n');
    for (const s of [SECRET, FRESH_SECRET, KALTURA_TOKEN, 'not-the-secret']) assert.equal(all.includes(s), false, `an answer held ${s}`);
  });
});
