import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, type AppHarness } from '../support/app-harness.js';

const SECRET = 'demo~client~secret~0123456789';
const KALTURA_TOKEN = 'demo-app-token-value-0123456789abcdef';
const DAY = 86_400_000;

type Body = { json: unknown } | { raw: string; contentType?: string };

interface Row {
  what: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** under /api/admin; `{id}` is the integration made in `before` */
  path: string;
  body?: Body;
  headers?: Record<string, string>;
  status: number;
  field: string;
  /** the exact message, where the console shows KMC's words */
  message?: string;
}

/** Plain node:http, so a refused body is answered whatever the connection does after. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // the server may answer and close before it has taken the whole body: the answer is what counts
    req.on('error', (err) => reject(err));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * A table of bad inputs for every admin route: each gets a 4xx naming the input at fault (never a 5xx),
 * and after all of them nothing was created or changed.
 */
describe('admin API refuses bad input', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let fixture: Fixture;
  let token: string;
  let id: string;

  const valid = () => ({
    name: 'Bad input target',
    tenantId: fixture.tenant.id,
    appClientId: fixture.appRegistrations[0]!.clientId,
    appClientSecret: SECRET,
    kaltura: { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, appTokenId: fixture.kaltura.appTokens[0]!.id, appToken: KALTURA_TOKEN },
  });
  const create = (change: (i: ReturnType<typeof valid>) => unknown): Body => ({ json: change(valid()) });
  const withSettings = (settings: Record<string, unknown>): Body => create((i) => ({ ...i, name: 'Another', settings }));
  const iso = (ms: number) => new Date(ms).toISOString();

  before(async () => {
    fixture = structuredClone(await demoFixture());
    fixture.integrations = [];
    h = await startAppHarness(fixture);
    token = (await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', {})).token;
    id = (await h.app.service.create({ id: 'setup', name: 'Test setup' }, valid())).id;
  });
  after(() => h?.close());

  const rows = (): Row[] => {
    const now = Date.now();
    const I = `/integrations/${id}`;
    return [
      // identifiers
      { what: 'tenant id not a GUID', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, tenantId: 'contoso' })), status: 400, field: 'tenantId' },
      { what: 'client id not a GUID', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, appClientId: '1234' })), status: 400, field: 'appClientId' },
      { what: 'client id a number', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, appClientId: 1234 })), status: 400, field: 'appClientId' },
      { what: 'empty name', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, name: '  ' })), status: 400, field: 'name' },
      { what: 'name too long', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, name: 'n'.repeat(201) })), status: 400, field: 'name' },
      { what: 'name of the wrong type', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, name: ['x'] })), status: 400, field: 'name' },
      { what: 'name taken', method: 'POST', path: '/integrations', body: create((i) => i), status: 409, field: 'name' },
      { what: 'empty secret', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, appClientSecret: '' })), status: 400, field: 'appClientSecret' },
      { what: 'unknown field', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, extra: true })), status: 400, field: 'body' },
      { what: 'body an array', method: 'POST', path: '/integrations', body: { json: [] }, status: 400, field: 'body' },
      { what: 'body null', method: 'POST', path: '/integrations', body: { json: null }, status: 400, field: 'body' },
      { what: 'no body', method: 'POST', path: '/integrations', status: 400, field: 'body' },
      // Kaltura
      { what: 'bad serviceUrl', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, serviceUrl: 'ftp://kaltura.example' } })), status: 400, field: 'kaltura.serviceUrl' },
      { what: 'serviceUrl not a URL', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, serviceUrl: 'kaltura' } })), status: 400, field: 'kaltura.serviceUrl' },
      { what: 'partnerId negative', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, partnerId: -4 } })), status: 400, field: 'kaltura.partnerId' },
      { what: 'partnerId a string', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, partnerId: '4242' } })), status: 400, field: 'kaltura.partnerId' },
      { what: 'partnerId a fraction', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, partnerId: 1.5 } })), status: 400, field: 'kaltura.partnerId' },
      { what: 'both appToken and adminSecret', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { ...i.kaltura, adminSecret: 'x' } })), status: 400, field: 'kaltura.adminSecret' },
      { what: 'no Kaltura credential', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { partnerId: 1 } })), status: 400, field: 'kaltura.appToken' },
      { what: 'app token without its id', method: 'POST', path: '/integrations', body: create((i) => ({ ...i, kaltura: { partnerId: 1, appToken: 'x' } })), status: 400, field: 'kaltura.appTokenId' },
      // settings
      { what: 'unknown setting', method: 'POST', path: '/integrations', body: withSettings({ sneaky: true }), status: 400, field: 'settings' },
      { what: 'bad upload scope', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'some' }), status: 400, field: 'settings.uploadScope' },
      { what: 'bad group source', method: 'POST', path: '/integrations', body: withSettings({ groupSource: 'ldap' }), status: 400, field: 'settings.groupSource' },
      { what: 'transcripts not a boolean', method: 'POST', path: '/integrations', body: withSettings({ uploadTranscripts: 'yes' }), status: 400, field: 'settings.uploadTranscripts' },
      { what: 'bad user id source', method: 'POST', path: '/integrations', body: withSettings({ userIdSource: 'mail' }), status: 400, field: 'settings.userIdSource' },
      { what: 'bad search method', method: 'POST', path: '/integrations', body: withSettings({ userSearchMethod: 'any' }), status: 400, field: 'settings.userSearchMethod' },
      { what: 'postfix with spaces', method: 'POST', path: '/integrations', body: withSettings({ userIdSuffixMethod: 'append', userIdSuffix: '@kaltura .com' }), status: 400, field: 'settings.userIdSuffix' },
      { what: 'postfix too long', method: 'POST', path: '/integrations', body: withSettings({ userIdSuffixMethod: 'append', userIdSuffix: `@${'k'.repeat(100)}` }), status: 400, field: 'settings.userIdSuffix' },
      { what: 'remove without a postfix', method: 'POST', path: '/integrations', body: withSettings({ userIdSuffixMethod: 'remove' }), status: 400, field: 'settings.userIdSuffix' },
      { what: 'empty category segment', method: 'POST', path: '/integrations', body: withSettings({ categories: ['MediaSpace>>Teams'] }), status: 400, field: 'settings.categories.0' },
      { what: 'category ending in >', method: 'POST', path: '/integrations', body: withSettings({ categories: ['MediaSpace>site>'] }), status: 400, field: 'settings.categories.0' },
      { what: 'empty category', method: 'POST', path: '/integrations', body: withSettings({ categories: [' '] }), status: 400, field: 'settings.categories.0' },
      { what: 'category too long', method: 'POST', path: '/integrations', body: withSettings({ categories: [`A>${'b'.repeat(490)}`] }), status: 400, field: 'settings.categories.0' },
      { what: 'too many categories', method: 'POST', path: '/integrations', body: withSettings({ categories: Array.from({ length: 51 }, (_, n) => `C>${n}`) }), status: 400, field: 'settings.categories' },
      { what: 'category twice', method: 'POST', path: '/integrations', body: withSettings({ categories: ['A>B', 'A > B'] }), status: 400, field: 'settings.categories' },
      { what: 'categories not a list', method: 'POST', path: '/integrations', body: withSettings({ categories: 'A>B' }), status: 400, field: 'settings.categories' },
      { what: 'opt-in with no groups', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-in' }), status: 400, field: 'settings.groups', message: 'settings.groups: Must fill in at least one group' },
      { what: 'opt-out with no groups', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-out', groups: [] }), status: 400, field: 'settings.groups', message: 'settings.groups: Must fill in at least one group' },
      { what: 'empty group name', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-in', groups: [' '] }), status: 400, field: 'settings.groups.0' },
      { what: 'group name too long', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-in', groups: ['g'.repeat(101)] }), status: 400, field: 'settings.groups.0' },
      { what: 'Entra group by display name', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-in', groupSource: 'entra', groups: ['00000000-0000-4000-8000-000000000101', 'All Staff'] }), status: 400, field: 'settings.groups.1' },
      { what: 'group twice', method: 'POST', path: '/integrations', body: withSettings({ uploadScope: 'opt-in', groups: ['a', 'a'] }), status: 400, field: 'settings.groups' },
      { what: 'assign default without a user', method: 'POST', path: '/integrations', body: withSettings({ userNotFoundMethod: 'assign-default' }), status: 400, field: 'settings.defaultUserId', message: 'settings.defaultUserId: Default user ID is required' },
      { what: 'default user too long', method: 'POST', path: '/integrations', body: withSettings({ userNotFoundMethod: 'assign-default', defaultUserId: 'u'.repeat(101) }), status: 400, field: 'settings.defaultUserId' },
      { what: 'bad user-not-found method', method: 'POST', path: '/integrations', body: withSettings({ userNotFoundMethod: 'ignore' }), status: 400, field: 'settings.userNotFoundMethod' },
      { what: 'attendees co-editors', method: 'POST', path: '/integrations', body: withSettings({ attendeesRoles: ['co-editors'] }), status: 400, field: 'settings.attendeesRoles' },
      { what: 'attendees two roles', method: 'POST', path: '/integrations', body: withSettings({ attendeesRoles: ['co-viewers', 'co-publishers'] }), status: 400, field: 'settings.attendeesRoles' },
      { what: 'unknown role', method: 'POST', path: '/integrations', body: withSettings({ coOrganizerRoles: ['owners'] }), status: 400, field: 'settings.coOrganizerRoles.0' },
      { what: 'role twice', method: 'POST', path: '/integrations', body: withSettings({ presentersRoles: ['co-viewers', 'co-viewers'] }), status: 400, field: 'settings.presentersRoles' },
      { what: 'entry link not http(s)', method: 'POST', path: '/integrations', body: withSettings({ entryUrlTemplate: 'javascript:alert({entryId})' }), status: 400, field: 'settings.entryUrlTemplate' },
      { what: 'entry link without {entryId}', method: 'POST', path: '/integrations', body: withSettings({ entryUrlTemplate: 'https://videos.example/media/' }), status: 400, field: 'settings.entryUrlTemplate' },
      { what: 'entry link too long', method: 'POST', path: '/integrations', body: withSettings({ entryUrlTemplate: `https://videos.example/{entryId}/${'x'.repeat(500)}` }), status: 400, field: 'settings.entryUrlTemplate' },
      // the body itself
      { what: 'not JSON', method: 'POST', path: '/integrations', body: { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' }, status: 415, field: 'body' },
      { what: 'JSON without its content type', method: 'POST', path: '/integrations', body: { raw: JSON.stringify({ name: 'x' }), contentType: 'text/plain' }, status: 415, field: 'body' },
      { what: 'invalid JSON', method: 'POST', path: '/integrations', body: { raw: '{"name":' }, status: 400, field: 'body' },
      { what: 'oversize body', method: 'POST', path: '/integrations', body: { raw: JSON.stringify({ ...valid(), name: 'n'.repeat(70 * 1024) }) }, status: 413, field: 'body' },
      { what: 'oversize PATCH', method: 'PATCH', path: I, body: { raw: JSON.stringify({ name: 'n'.repeat(65 * 1024) }) }, status: 413, field: 'body' },
      // changes
      { what: 'PATCH a secret', method: 'PATCH', path: I, body: { json: { appClientSecret: 'new' } }, status: 400, field: 'appClientSecret' },
      { what: 'PATCH bad tenant id', method: 'PATCH', path: I, body: { json: { tenantId: 'x' } }, status: 400, field: 'tenantId' },
      { what: 'PATCH unknown field', method: 'PATCH', path: I, body: { json: { status: 'enabled' } }, status: 400, field: 'body' },
      { what: 'PATCH settings incomplete', method: 'PATCH', path: I, body: { json: { settings: { uploadScope: 'opt-out' } } }, status: 400, field: 'settings.groups' },
      { what: 'PATCH Kaltura partner a string', method: 'PATCH', path: I, body: { json: { kaltura: { partnerId: 'abc' } } }, status: 400, field: 'kaltura.partnerId' },
      { what: 'PATCH bad If-Match', method: 'PATCH', path: I, body: { json: { name: 'x' } }, headers: { 'if-match': 'yesterday' }, status: 400, field: 'If-Match' },
      { what: 'PATCH stale If-Match', method: 'PATCH', path: I, body: { json: { name: 'x' } }, headers: { 'if-match': '"99"' }, status: 409, field: '' },
      { what: 'secret missing', method: 'PUT', path: `${I}/secret`, body: { json: {} }, status: 400, field: 'appClientSecret' },
      { what: 'secret a number', method: 'PUT', path: `${I}/secret`, body: { json: { appClientSecret: 5 } }, status: 400, field: 'appClientSecret' },
      { what: 'secret with an extra field', method: 'PUT', path: `${I}/secret`, body: { json: { appClientSecret: 'x', tenantId: 'y' } }, status: 400, field: 'body' },
      { what: 'secret Entra refuses', method: 'PUT', path: `${I}/secret`, body: { json: { appClientSecret: 'wrong-secret' } }, status: 422, field: 'appClientSecret' },
      // listings
      { what: 'bad state filter', method: 'GET', path: `${I}/recordings?state=lost`, status: 400, field: 'state' },
      { what: 'state given twice', method: 'GET', path: `${I}/recordings?state=failed&state=archived`, status: 400, field: 'state' },
      { what: 'organizer not a GUID', method: 'GET', path: `${I}/recordings?organizerId=bob`, status: 400, field: 'organizerId' },
      { what: 'recordings limit 0', method: 'GET', path: `${I}/recordings?limit=0`, status: 400, field: 'limit' },
      { what: 'recordings limit words', method: 'GET', path: `${I}/recordings?limit=ten`, status: 400, field: 'limit' },
      { what: 'recordings limit too big', method: 'GET', path: `${I}/recordings?limit=201`, status: 400, field: 'limit' },
      { what: 'bad cursor', method: 'GET', path: `${I}/recordings?cursor=garbage`, status: 400, field: 'cursor' },
      { what: 'activity limit 0', method: 'GET', path: `${I}/activity?limit=0`, status: 400, field: 'limit' },
      { what: 'activity limit 501', method: 'GET', path: `${I}/activity?limit=501`, status: 400, field: 'limit' },
      { what: 'activity limit negative', method: 'GET', path: `${I}/activity?limit=-1`, status: 400, field: 'limit' },
      { what: 'activity bad format', method: 'GET', path: `${I}/activity?format=xlsx`, status: 400, field: 'format' },
      // backfill
      { what: 'backfill to before from', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now), to: iso(now - DAY) } }, status: 400, field: 'to' },
      { what: 'backfill into the future', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now - DAY), to: iso(now + DAY) } }, status: 400, field: 'to' },
      { what: 'backfill over a year', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now - 400 * DAY), to: iso(now - DAY) } }, status: 400, field: 'from' },
      { what: 'backfill not ISO', method: 'POST', path: `${I}/backfill`, body: { json: { from: 'last week', to: iso(now) } }, status: 400, field: 'from' },
      { what: 'backfill a date without time', method: 'POST', path: `${I}/backfill`, body: { json: { from: '2026-01-01', to: iso(now) } }, status: 400, field: 'from' },
      { what: 'backfill without to', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now - DAY) } }, status: 400, field: 'to' },
      { what: 'backfill extra field', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now - DAY), to: iso(now), all: true } }, status: 400, field: 'body' },
      { what: 'backfill of a disabled integration', method: 'POST', path: `${I}/backfill`, body: { json: { from: iso(now - DAY), to: iso(now - 1000) } }, status: 409, field: '' },
      // what does not exist
      { what: 'retry an unknown recording', method: 'POST', path: `${I}/recordings/no-such-recording/retry`, status: 404, field: 'recordingId' },
      { what: 'retry a recording id past any length', method: 'POST', path: `${I}/recordings/${'r'.repeat(2100)}/retry`, status: 404, field: 'recordingId' },
      { what: 'unknown integration', method: 'GET', path: '/integrations/int_nothingHereAtAll00', status: 404, field: 'id' },
      { what: 'unknown integration: enable', method: 'POST', path: '/integrations/int_nothingHereAtAll00/enable', status: 404, field: 'id' },
      { what: 'unknown integration: delete', method: 'DELETE', path: '/integrations/int_nothingHereAtAll00', status: 404, field: 'id' },
      { what: 'id not an id', method: 'GET', path: `/integrations/${encodeURIComponent('"; DROP TABLE integrations; --')}/health`, status: 404, field: 'id' },
      // a path the router cannot decode matches no route, and says so in the API's shape
      { what: 'id with bad percent-encoding', method: 'GET', path: '/integrations/%E0%A4%A/health', status: 404, field: '' },
    ];
  };

  it('answers every row with its 4xx, naming the field, and never a 5xx', async () => {
    const failures: string[] = [];
    for (const row of rows()) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(row.headers ?? {}) };
      let body: string | undefined;
      if (row.body && 'json' in row.body) {
        body = JSON.stringify(row.body.json);
        headers['content-type'] = 'application/json';
      } else if (row.body) {
        body = row.body.raw;
        headers['content-type'] = row.body.contentType ?? 'application/json';
      }
      const { status, text } = await send(`${h.app.url}/api/admin${row.path}`, row.method, headers, body);
      let error: { code?: string; message?: string; field?: string } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        error = undefined;
      }
      const problems: string[] = [];
      if (status >= 500) problems.push(`a ${status}`);
      if (status !== row.status) problems.push(`status ${status}, expected ${row.status}`);
      if (!error?.code || !error.message) problems.push('no {"error":{code,message}}');
      if ((error?.field ?? '') !== row.field) problems.push(`field ${JSON.stringify(error?.field)}, expected ${JSON.stringify(row.field)}`);
      if (row.message !== undefined && error?.message !== row.message) problems.push(`message ${JSON.stringify(error?.message)}`);
      if (problems.length) failures.push(`${row.what} (${row.method} ${row.path.slice(0, 80)}): ${problems.join('; ')} — ${text.slice(0, 200)}`);
    }
    assert.deepEqual(failures, []);
  });

  it('lost nothing: the one integration is as it was, its secret kept, no other made', async () => {
    const all = await h.app.service.list();
    assert.deepEqual(all.map((i) => [i.id, i.name, i.version, i.enabled]), [[id, 'Bad input target', 1, false]]);
    assert.equal((await h.app.store.integrations.getSecrets(id))!.appClientSecret, SECRET);
    const actions = (await h.app.store.audit.list({})).items.map((a) => a.action);
    assert.deepEqual(actions, ['integration.create']);
    assert.deepEqual((await h.app.store.jobs.list({ integrationId: id })).items, []);
  });
});
