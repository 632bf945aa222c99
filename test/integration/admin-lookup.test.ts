import assert from 'node:assert/strict';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, type AppHarness } from '../support/app-harness.js';

const SECRET = 'demo~client~secret~0123456789';
const KALTURA_TOKEN = 'demo-app-token-value-0123456789abcdef';
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
const NO_GROUPS_APP = 'bbbbbbbb-2222-4000-8000-00000000beef';
const SALES = '00000000-0000-4000-8000-000000000101';
const ALL_STAFF = '00000000-0000-4000-8000-000000000102';

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/**
 * `GET /api/admin/integrations/{id}/lookup/{kind}?q=`, the editor's picker suggestions, over real HTTP
 * with real Teams SSO tokens, against the Graph and Kaltura emulators' demo data.
 */
describe('admin API lookups over HTTP', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let fixture: Fixture;
  let token: string;
  let id: string;
  let noGroupsId: string;

  const mint = async (request: Record<string, unknown> = {}) =>
    (await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', request)).token;

  const call = async (method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${h.app.url}/api/admin${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const lookup = (kind: string, q?: string, options: { token?: string; integration?: string } = {}) =>
    call('GET', `/integrations/${options.integration ?? id}/lookup/${kind}${q === undefined ? '' : `?q=${encodeURIComponent(q)}`}`, options);
  const values = (a: Answer) => {
    assert.equal(a.status, 200, a.text);
    return a.json.items as Array<{ value: string; label: string }>;
  };
  const expectError = (a: Answer, status: number, code: string, field?: string) => {
    assert.equal(a.status, status, a.text);
    assert.equal(a.json?.error?.code, code, a.text);
    if (field !== undefined) assert.equal(a.json.error.field, field, a.text);
  };

  const input = (name: string, appClientId: string) => ({
    name,
    tenantId: fixture.tenant.id,
    appClientId,
    appClientSecret: SECRET,
    kaltura: { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, appTokenId: fixture.kaltura.appTokens[0]!.id, appToken: KALTURA_TOKEN },
  });

  before(async () => {
    fixture = structuredClone(await demoFixture());
    fixture.integrations = [];
    const app = fixture.appRegistrations[0]!;
    fixture.appRegistrations.push({ ...structuredClone(app), clientId: NO_GROUPS_APP, permissions: app.permissions.filter((p) => p !== 'GroupMember.Read.All') });
    h = await startAppHarness(fixture, { TEAMS_APP_TENANT_ID: `${fixture.tenant.id},${OTHER_TENANT}` });
    token = await mint();
    const created = await call('POST', '/integrations', { body: input('Contoso', app.clientId) });
    assert.equal(created.status, 201, created.text);
    id = created.json.id;
    const other = await call('POST', '/integrations', { body: input('No groups permission', NO_GROUPS_APP) });
    assert.equal(other.status, 201, other.text);
    noGroupsId = other.json.id;
  });
  after(() => h?.close());

  it('suggests categories by the start of their full name or of their own name', async () => {
    assert.deepEqual(values(await lookup('categories', 'mediaspace>site>c')), [
      { value: 'MediaSpace>site>channels', label: 'MediaSpace>site>channels' },
      { value: 'MediaSpace>site>channels>Teams recordings', label: 'MediaSpace>site>channels>Teams recordings' },
    ]);
    assert.deepEqual(
      values(await lookup('categories', 'Teams')).map((i) => i.value),
      ['Teams', 'MediaSpace>site>channels>Teams recordings'],
      'full-name matches first, then categories named so deeper down',
    );
    assert.equal(values(await lookup('categories')).length, 5, 'no q: the first ones');
    assert.deepEqual(values(await lookup('categories', 'nothing like it')), []);
  });

  it('suggests Kaltura groups by id or name, value the id and label the name', async () => {
    assert.deepEqual(values(await lookup('kaltura-groups', 'teams')), [{ value: 'teams-recorders', label: 'Teams recorders' }]);
    assert.deepEqual(values(await lookup('kaltura-groups', 'megan')), [], 'a user is not a group');
  });

  it('suggests Entra groups by the start of their display name, value the object id', async () => {
    assert.deepEqual(values(await lookup('entra-groups', 'all')), [{ value: ALL_STAFF, label: 'All Staff' }]);
    assert.deepEqual(values(await lookup('entra-groups', 's')), [{ value: SALES, label: 'Sales' }]);
    assert.deepEqual(values(await lookup('entra-groups', "O'Brien's")), [], 'a quote in q is escaped, not a syntax error');
    assert.equal(values(await lookup('entra-groups', '')).length, 2);
  });

  it('suggests Kaltura users for the default user as "name (id)", groups left out', async () => {
    assert.deepEqual(values(await lookup('users', 'ADELE')), [
      { value: 'adele.vance@contoso.onmicrosoft.com', label: 'Adele Vance (adele.vance@contoso.onmicrosoft.com)' },
    ]);
    assert.deepEqual(values(await lookup('users', 'teams')), [{ value: 'teams-archive', label: 'Teams Archive (teams-archive)' }]);
  });

  it('refuses a q over 100 characters (400 q) or given twice, and an unknown kind (404)', async () => {
    expectError(await lookup('users', 'x'.repeat(101)), 400, 'INVALID_INPUT', 'q');
    assert.equal((await lookup('users', 'x'.repeat(100))).status, 200);
    expectError(await call('GET', `/integrations/${id}/lookup/users?q=a&q=b`), 400, 'INVALID_INPUT', 'q');
    expectError(await lookup('entries', 'a'), 404, 'ROUTE_NOT_FOUND');
    expectError(await lookup('users', 'a', { integration: 'no-such-integration' }), 404, 'INTEGRATION_NOT_FOUND');
  });

  it("answers another tenant's admin 404, as if the integration did not exist", async () => {
    const other = await mint({ tenantId: OTHER_TENANT });
    for (const kind of ['categories', 'kaltura-groups', 'entra-groups', 'users']) {
      expectError(await lookup(kind, 'a', { token: other }), 404, 'INTEGRATION_NOT_FOUND');
    }
  });

  it("answers a missing Graph permission with its code (422), never a 500", async () => {
    const a = await lookup('entra-groups', 'all', { integration: noGroupsId });
    expectError(a, 422, 'MISSING_GROUP_PERMISSION');
    assert.match(a.json.error.message, /GroupMember\.Read\.All/);
    assert.equal(values(await lookup('kaltura-groups', 'teams', { integration: noGroupsId })).length, 1, 'Kaltura lookups still work');
  });
});
