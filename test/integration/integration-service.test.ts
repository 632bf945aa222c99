import assert from 'node:assert/strict';
import type { AuditActor } from '../../api/src/store/model.js';
import { ServiceError } from '../../api/src/integrations/service-errors.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

const admin: AuditActor = { id: '00000000-0000-4000-8000-000000000001', name: 'Megan Bowen' };
const SECRET = 'demo~client~secret~0123456789';
const KALTURA_TOKEN = 'demo-app-token-value-0123456789abcdef';

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${(err as Error).stack}`);
    return err;
  }
  assert.fail('expected a refusal');
}

/**
 * The integration service is the one way in for admin actions: it validates with the one schema,
 * refuses with stable codes naming the field, audits without secrets, and does what each action
 * means (enable subscribes and sweeps now, disable stops everything, delete only when disabled).
 */
describe('integration service', function () {
  let h: AppHarness;
  let fixture: Fixture;
  const input = () => ({
    name: 'Second integration',
    tenantId: fixture.tenant.id,
    appClientId: fixture.appRegistrations[0]!.clientId,
    appClientSecret: SECRET,
    kaltura: { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, appTokenId: fixture.kaltura.appTokens[0]!.id, appToken: KALTURA_TOKEN },
    settings: { categories: ['MediaSpace>site>channels>Teams recordings'] },
  });

  before(async () => {
    fixture = structuredClone(await demoFixture());
    // the demo's seeded integration stays out of the way: this suite makes its own
    fixture.integrations = [];
    h = await startAppHarness(fixture);
  });
  after(() => h?.close());

  it('refuses bad input with a 4xx-style code naming the field, and stores nothing', async () => {
    const bad: Array<[string, (i: ReturnType<typeof input>) => unknown]> = [
      ['tenantId', (i) => ({ ...i, tenantId: 'contoso' })],
      ['appClientId', (i) => ({ ...i, appClientId: '1234' })],
      ['appClientSecret', (i) => ({ ...i, appClientSecret: '' })],
      ['name', (i) => ({ ...i, name: ' ' })],
      ['kaltura.adminSecret', (i) => ({ ...i, kaltura: { ...i.kaltura, adminSecret: 'x' } })],
      ['kaltura.appTokenId', (i) => ({ ...i, kaltura: { partnerId: 1, appToken: 'x' } })],
      ['kaltura.partnerId', (i) => ({ ...i, kaltura: { ...i.kaltura, partnerId: -4 } })],
      ['kaltura.serviceUrl', (i) => ({ ...i, kaltura: { ...i.kaltura, serviceUrl: 'ftp://kaltura' } })],
      ['settings.attendeesRoles', (i) => ({ ...i, settings: { attendeesRoles: ['co-editors'] } })],
      ['settings.groups', (i) => ({ ...i, settings: { uploadScope: 'opt-in', groups: [] } })],
      ['settings.userIdSuffix', (i) => ({ ...i, settings: { userIdSuffixMethod: 'remove' } })],
      ['settings', (i) => ({ ...i, settings: { sneaky: true } })],
      ['body', (i) => ({ ...i, extra: 1 })],
      ['body', () => null],
    ];
    for (const [field, make] of bad) {
      const e = await refusal(h.app.service.create(admin, make(input())));
      assert.equal(e.code, 'INVALID_INPUT', field);
      assert.equal(e.field, field, `${field}: ${e.message}`);
      assert.ok(!e.message.includes(SECRET));
    }
    assert.deepEqual(await h.app.service.list(), []);
  });

  it('creates disabled, audits who and what but never a secret; a second of the same name is refused', async () => {
    const created = await h.app.service.create(admin, input());
    assert.equal(created.enabled, false);
    assert.equal(created.health.state, 'unknown');
    assert.equal(JSON.stringify(created).includes(SECRET), false);
    assert.equal((await refusal(h.app.service.create(admin, input()))).code, 'INTEGRATION_NAME_TAKEN');
    const audit = (await h.app.store.audit.list({ integrationId: created.id })).items;
    assert.deepEqual(audit.map((a) => [a.action, a.actor.id]), [['integration.create', admin.id]]);
    const all = JSON.stringify(await h.app.store.audit.list({}));
    assert.equal(all.includes(SECRET) || all.includes(KALTURA_TOKEN), false, 'no secret in the audit log');
    // nothing happens while disabled
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await h.app.store.subscriptions.listByIntegration(created.id), []);
  });

  it('enable subscribes and sweeps now (through a job, no scheduler wait); the recordings arrive', async () => {
    const [integration] = await h.app.service.list();
    const enabled = await h.app.service.enable(admin, integration!.id);
    assert.equal(enabled.enabled, true);
    const subs = await waitFor('two subscriptions', async () => {
      const s = await h.app.store.subscriptions.listByIntegration(integration!.id);
      return s.length === 2 ? s : undefined;
    });
    assert.deepEqual(subs.map((s) => s.resource).sort(), ['communications/onlineMeetings/getAllRecordings', 'communications/onlineMeetings/getAllTranscripts']);
    await waitFor('the recording already in OneDrive archived', async () => (await h.entries()).length === 1);
    await waitFor('health ok after the archive', async () => (await h.app.service.get(integration!.id)).health.state === 'ok');
  });

  it('delete is refused while enabled, with the guide\'s words', async () => {
    const [integration] = await h.app.service.list();
    const e = await refusal(h.app.service.delete(admin, integration!.id));
    assert.equal(e.code, 'INTEGRATION_ENABLED');
    assert.equal(e.message, "Please change integration status to 'Disable' in order to delete it.");
  });

  it('update validates the whole settings object, drops the old clients and changes subscriptions with it', async () => {
    const [integration] = await h.app.service.list();
    const e = await refusal(h.app.service.update(admin, integration!.id, { settings: { uploadScope: 'opt-out' } }));
    assert.equal(e.field, 'settings.groups');
    assert.equal((await refusal(h.app.service.update(admin, integration!.id, { name: 'x' }, integration!.version - 1))).code, 'INTEGRATION_CHANGED');
    const updated = await h.app.service.update(admin, integration!.id, { settings: { categories: ['MediaSpace>site>channels>Teams recordings'], uploadTranscripts: false } });
    assert.equal(updated.version, integration!.version + 1);
    await waitFor('the transcript subscription removed', async () => {
      const s = await h.app.store.subscriptions.listByIntegration(integration!.id);
      return s.length === 1 && s[0]!.resource.endsWith('getAllRecordings');
    });
    const audit = (await h.app.store.audit.list({ integrationId: integration!.id })).items;
    assert.deepEqual(audit[0]!.details, { changed: ['settings.uploadTranscripts'] });
  });

  it('replaceSecret: a wrong secret is refused with Entra\'s code and the old one stays; a good one clears SECRET_* at once', async () => {
    const [integration] = await h.app.service.list();
    const wrong = await refusal(h.app.service.replaceSecret(admin, integration!.id, { appClientSecret: 'not-the-secret' }));
    assert.equal(wrong.code, 'SECRET_INVALID');
    assert.equal(wrong.field, 'appClientSecret');
    assert.equal((await h.app.store.integrations.getSecrets(integration!.id))!.appClientSecret, SECRET);

    await h.app.pipeline.health.keeper.error(integration!.id, { code: 'SECRET_EXPIRED', message: 'AADSTS7000222' });
    await h.app.store.jobs.pause(integration!.id, 'SECRET_EXPIRED');
    const renewed = structuredClone(fixture);
    renewed.appRegistrations[0]!.secrets.push({ value: 'fresh~secret~value~0123456789', expiresAt: '2029-06-30T00:00:00Z' });
    await h.e.control(h.e.entra, 'POST', '/__control/fixture', renewed);
    const healed = await h.app.service.replaceSecret(admin, integration!.id, { appClientSecret: 'fresh~secret~value~0123456789' });
    assert.notEqual(healed.health.error?.code, 'SECRET_EXPIRED');
    assert.deepEqual(await h.app.store.jobs.paused(), []);
    assert.equal((await h.app.store.integrations.getSecrets(integration!.id))!.appClientSecret, 'fresh~secret~value~0123456789');
    const audit = JSON.stringify((await h.app.store.audit.list({ integrationId: integration!.id })).items);
    assert.ok(audit.includes('integration.secret.replace'));
    assert.equal(audit.includes('fresh~secret'), false);
  });

  it('testConnection reports every check on its own, with the catalogue\'s message and fix', async () => {
    const [integration] = await h.app.service.list();
    const passing = await h.app.service.testConnection(admin, integration!.id);
    assert.equal(passing.ok, true, JSON.stringify(passing.checks));
    assert.ok(passing.checks.some((c) => c.id === 'permission:recordings' && c.status === 'pass'));

    // two problems at once: both are named
    const broken = structuredClone(fixture);
    broken.appRegistrations[0]!.permissions = broken.appRegistrations[0]!.permissions.filter((p) => p !== 'OnlineMeetingRecording.Read.All');
    broken.kaltura.categories = broken.kaltura.categories.filter((c) => c.fullName !== 'MediaSpace>site>channels>Teams recordings');
    broken.appRegistrations[0]!.secrets.push({ value: 'fresh~secret~value~0123456789', expiresAt: '2029-06-30T00:00:00Z' });
    for (const emulator of [h.e.entra, h.e.graph, h.e.kaltura]) await h.e.control(emulator, 'POST', '/__control/fixture', broken);
    await h.e.control(h.e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    const report = await h.app.service.testConnection(admin, integration!.id);
    assert.equal(report.ok, false);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.get('token')!.status, 'pass');
    assert.equal(byId.get('permission:recordings')!.status, 'fail');
    assert.match(byId.get('permission:recordings')!.message!, /OnlineMeetingRecording\.Read\.All/);
    assert.match(byId.get('permission:recordings')!.fix!, /grant admin consent/);
    assert.equal(byId.get('permission:meetings')!.status, 'pass');
    assert.equal(byId.get('kaltura-session')!.status, 'pass');
    assert.equal(byId.get('categories')!.status, 'fail');
    assert.equal(byId.get('categories')!.code, 'CATEGORY_NOT_FOUND');
    const health = (await h.app.service.get(integration!.id)).health;
    assert.equal(health.state, 'error');
    assert.equal(health.error!.code, 'MISSING_RECORDING_PERMISSION');
    assert.ok(health.error!.fix);
  });

  it('testConnection names the upload-scope groups that do not exist', async () => {
    const [integration] = await h.app.service.list();
    await h.app.service.update(admin, integration!.id, { settings: { uploadScope: 'opt-in', groupSource: 'kaltura', groups: ['teams-recorders', 'no-such-group'] } });
    const report = await h.app.service.testConnection(admin, integration!.id);
    const groups = report.checks.find((c) => c.id === 'groups')!;
    assert.equal(groups.status, 'fail');
    assert.equal(groups.code, 'GROUP_NOT_FOUND');
    assert.match(groups.message!, /no-such-group/);
    assert.doesNotMatch(groups.message!, /teams-recorders/);
    await h.app.service.update(admin, integration!.id, { settings: { uploadScope: 'opt-in', groupSource: 'kaltura', groups: ['teams-recorders'] } });
    assert.equal((await h.app.service.testConnection(admin, integration!.id)).checks.find((c) => c.id === 'groups')!.status, 'pass');
    await h.app.service.update(admin, integration!.id, { settings: { categories: ['MediaSpace>site>channels>Teams recordings'], uploadTranscripts: false } });
  });

  it('lists recordings by state and organizer, paged; retries a failed one; backfill checks its range', async () => {
    const [integration] = await h.app.service.list();
    const all = await h.app.service.listRecordings(integration!.id);
    assert.equal(all.items.length, 1);
    const organizer = all.items[0]!.organizerId!;
    assert.equal((await h.app.service.listRecordings(integration!.id, { organizerId: organizer })).items.length, 1);
    assert.equal((await h.app.service.listRecordings(integration!.id, { organizerId: '00000000-0000-4000-8000-00000000ffff' })).items.length, 0);
    assert.equal((await h.app.service.listRecordings(integration!.id, { state: 'failed' })).items.length, 0);
    assert.equal((await refusal(h.app.service.listRecordings(integration!.id, { state: 'lost' }))).field, 'state');
    assert.equal((await refusal(h.app.service.listRecordings(integration!.id, { limit: '0' }))).field, 'limit');
    assert.equal((await refusal(h.app.service.listRecordings(integration!.id, { cursor: 'garbage' }))).field, 'cursor');
    assert.equal((await refusal(h.app.service.retry(admin, integration!.id, all.items[0]!.recordingId))).code, 'RECORDING_NOT_RETRYABLE');

    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    assert.equal((await refusal(h.app.service.backfill(admin, integration!.id, { from: iso(now), to: iso(now - 1000) }))).field, 'to');
    assert.equal((await refusal(h.app.service.backfill(admin, integration!.id, { from: iso(now - 1000), to: iso(now + 86_400_000) }))).field, 'to');
    assert.equal((await refusal(h.app.service.backfill(admin, integration!.id, { from: iso(now - 400 * 86_400_000), to: iso(now) }))).field, 'from');
    assert.equal((await refusal(h.app.service.backfill(admin, integration!.id, { from: 'yesterday', to: iso(now) }))).field, 'from');
    const ok = await h.app.service.backfill(admin, integration!.id, { from: iso(now - 7 * 86_400_000), to: iso(now) });
    assert.equal(ok.created, true);
    assert.equal((await h.app.store.jobs.get(ok.jobId))!.kind, 'sweep');
  });

  it('disable removes the subscriptions and pauses the jobs; then delete works and is audited', async () => {
    const [integration] = await h.app.service.list();
    const disabled = await h.app.service.disable(admin, integration!.id);
    assert.equal(disabled.enabled, false);
    assert.deepEqual(await h.app.store.subscriptions.listByIntegration(integration!.id), []);
    assert.deepEqual((await h.app.store.jobs.paused()).map((p) => [p.integrationId, p.reason]), [[integration!.id, 'DISABLED']]);
    // the scheduled health check leaves a disabled integration paused
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await h.app.store.jobs.paused()).length, 1);
    await h.app.service.delete(admin, integration!.id);
    assert.deepEqual(await h.app.service.list(), []);
    assert.equal((await refusal(h.app.service.get(integration!.id))).code, 'INTEGRATION_NOT_FOUND');
    const actions = (await h.app.store.audit.list({ integrationId: integration!.id })).items.map((a) => a.action);
    assert.deepEqual(actions.slice(0, 2), ['integration.delete', 'integration.disable']);
  });

  it('names are unique within a tenant, not across tenants (another tenant\'s names stay unseen)', async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    const mine = await h.app.service.create(admin, { ...input(), name: 'Shared name' });
    const theirs = await h.app.service.create(admin, { ...input(), name: 'Shared name', tenantId: other });
    assert.equal((await refusal(h.app.service.create(admin, { ...input(), name: 'Shared name' }))).code, 'INTEGRATION_NAME_TAKEN');
    assert.equal((await refusal(h.app.service.update(admin, theirs.id, { tenantId: fixture.tenant.id }))).code, 'INTEGRATION_NAME_TAKEN');
    const renamed = await h.app.service.update(admin, theirs.id, { name: 'Shared name (theirs)', tenantId: fixture.tenant.id });
    assert.equal(renamed.tenantId, fixture.tenant.id);
    await h.app.service.delete(admin, mine.id);
    await h.app.service.delete(admin, theirs.id);
  });
});
