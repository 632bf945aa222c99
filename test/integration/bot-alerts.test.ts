import assert from 'node:assert/strict';
import { summarizeCards } from '../../sandbox/connector/card-summary.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';
import { demoFixture } from '../support/emulators.js';

type Sent = { id: string; kind: string; recipient: { aadObjectId: string }; attachments: unknown[] };

const MEGAN = '00000000-0000-4000-8000-000000000001'; // holds Archiver.Admin in the demo fixture
const ADELE = '00000000-0000-4000-8000-000000000002'; // does not

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Admin alerts, end to end: the admin who signed in to the console and installed the bot gets one card
 * when an integration enters an error (with the catalogue's fix and a console button), one when it
 * recovers, and one when its client secret nears expiry; the health checks that keep seeing the same
 * state in between send nothing more, and people who are not admins get nothing.
 */
describe('bot: admin alerts, once per change of health', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let good: Fixture;
  let integrationId: string;

  const alerts = async (to: string) =>
    ((await h.messages()) as Sent[])
      .filter((m) => m.recipient.aadObjectId === to && m.kind !== 'update')
      .map((m) => summarizeCards(m.attachments)[0]!)
      .filter((c) => c && !/^Welcome/.test(c.title ?? ''));
  const loadEverywhere = async (f: Fixture) => {
    for (const emulator of [h.e.entra, h.e.graph, h.e.kaltura]) await h.e.control(emulator, 'POST', '/__control/fixture', f);
    await h.e.control(h.e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
  };
  const signIn = async (userId: string) => {
    const { token } = await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', { userId });
    const res = await fetch(`${h.app.url}/api/admin/me`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    good = structuredClone(await demoFixture());
    // no recording becomes available by itself: only health changes make news here
    for (const m of good.meetings) for (const r of m.recordings) r.available = false;
    h = await startAppHarness(good);
    integrationId = (await h.app.store.integrations.list())[0]!.id;
    await h.app.service.testConnection({ id: 'test' }, integrationId);
    assert.equal((await h.app.store.integrations.get(integrationId))?.health.state, 'ok');
    assert.equal(await signIn(MEGAN), 200);
    assert.equal(await signIn(ADELE), 403, 'Adele has no admin role');
    for (const user of [MEGAN, ADELE]) {
      const installed = await h.teams.install(user);
      assert.deepEqual(installed.deliveries.map((d) => d.status), [200, 200]);
    }
  });
  after(() => h?.close());

  it('the console sign-ins say who is an admin', async () => {
    const tenant = good.tenant.id.toLowerCase();
    assert.equal((await h.app.store.admins.get(tenant, MEGAN))?.isAdmin, true);
    assert.equal((await h.app.store.admins.get(tenant, ADELE))?.isAdmin, false);
    assert.deepEqual((await h.app.store.admins.listAdmins(tenant)).map((a) => a.userId), [MEGAN]);
  });

  it('a blocking error: one alert with the problem, its fix and the console; re-checks add none', async () => {
    const broken = structuredClone(good);
    broken.appRegistrations[0]!.applicationAccessPolicy = false;
    await loadEverywhere(broken);
    await h.app.service.testConnection({ id: 'test' }, integrationId);
    assert.equal((await h.app.store.integrations.get(integrationId))!.health.error?.code, 'APPLICATION_ACCESS_POLICY_MISSING');
    const [alert] = await waitFor('the alert card', async () => {
      const cards = await alerts(MEGAN);
      return cards.length ? cards : undefined;
    });
    assert.match(alert!.title!, /Contoso Teams recordings has stopped archiving/);
    const text = [...alert!.texts, ...alert!.facts.map((f) => f.value)].join('\n');
    assert.match(text, /Application policy is missing/);
    assert.match(text, /Grant-CsApplicationAccessPolicy/, 'the fix is on the card');
    assert.ok(alert!.links.some((l) => l.url === h.env.CONSOLE_URL), 'a button to the console');

    // HEALTH_RECHECK_MS is 500: a few seconds of checks that fail the same way
    for (let i = 0; i < 3; i++) await h.app.pipeline.runScheduledOnce();
    await sleep(2_500);
    assert.equal((await alerts(MEGAN)).length, 1, 'still one alert');
    assert.equal((await alerts(ADELE)).length, 0, 'not an admin: no alert');
  });

  it('the fix: one recovery card, and again none for the checks after it', async () => {
    await loadEverywhere(good);
    await waitFor('the integration healed', async () => (await h.app.store.integrations.get(integrationId))?.health.state === 'ok', 30_000);
    const cards = await waitFor('the recovery card', async () => {
      const c = await alerts(MEGAN);
      return c.length === 2 ? c : undefined;
    });
    assert.match(cards[1]!.title!, /Contoso Teams recordings is archiving again/);
    for (let i = 0; i < 3; i++) await h.app.pipeline.runScheduledOnce();
    await sleep(1_500);
    assert.equal((await alerts(MEGAN)).length, 2);
  });

  it('a client secret nearing its expiry: one card with the date, whatever how often it is read', async () => {
    const expiring = structuredClone(good);
    const soon = new Date(Date.now() + 10 * 86_400_000);
    expiring.appRegistrations[0]!.secrets[0]!.expiresAt = soon.toISOString();
    await loadEverywhere(expiring);
    for (let i = 0; i < 3; i++) await h.app.pipeline.runScheduledOnce();
    const cards = await waitFor('the expiry card', async () => {
      const c = await alerts(MEGAN);
      return c.length === 3 ? c : undefined;
    });
    assert.match(cards[2]!.title!, /client secret of Contoso Teams recordings expires/);
    const text = [cards[2]!.title, ...cards[2]!.texts, ...cards[2]!.facts.map((f) => f.value)].join('\n');
    assert.ok(text.includes(String(soon.getUTCFullYear())), text);
    await sleep(1_000);
    assert.equal((await alerts(MEGAN)).length, 3);
    assert.equal((await alerts(ADELE)).length, 0);
  });

  it('an admin who uninstalled the bot is not sent alerts (and nothing is retried for them)', async () => {
    await h.teams.uninstall(MEGAN);
    const broken = structuredClone(good);
    broken.appRegistrations[0]!.secrets[0]!.value = 'a-different-secret-value';
    await loadEverywhere(broken);
    await h.app.service.testConnection({ id: 'test' }, integrationId);
    assert.equal((await h.app.store.integrations.get(integrationId))!.health.error?.code, 'SECRET_INVALID');
    const job = await waitFor('the alert job done', async () => {
      const page = await h.app.store.jobs.list({ kind: 'alert-admins' });
      return page.items.find((j) => j.state === 'completed' && JSON.stringify(j.payload).includes('SECRET_INVALID'));
    });
    assert.deepEqual(job.result, { [MEGAN]: 'no bot conversation' });
    assert.equal((await alerts(MEGAN)).length, 3);
  });
});
