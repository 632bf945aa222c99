import assert from 'node:assert/strict';
import { checkIntegration } from '../../api/src/ingestion/health.js';
import { describeError } from '../../api/src/integrations/error-catalogue.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

async function demoAllAvailable(mutate: (f: Fixture) => void = () => undefined): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  for (const m of f.meetings) for (const r of m.recordings) r.available = true;
  mutate(f);
  return f;
}

async function health(h: AppHarness) {
  return (await h.app.store.integrations.list())[0]!.health;
}

async function loadEverywhere(h: AppHarness, f: Fixture) {
  for (const emulator of [h.e.entra, h.e.graph, h.e.kaltura]) await h.e.control(emulator, 'POST', '/__control/fixture', f);
  await h.e.control(h.e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
}

async function archivedCount(h: AppHarness): Promise<number> {
  const integration = (await h.app.store.integrations.list())[0]!;
  return (await h.app.store.recordings.list({ integrationId: integration.id })).items.filter((r) => r.state === 'archived').length;
}

/**
 * Each blocking error of the admin guide's table (and the others DESIGN.md adds) reaches the
 * integration's health with its stable code and words, pauses the integration's jobs without a hot
 * loop, and clears by itself once the cause is fixed.
 */
describe('pipeline: errors an admin sees', function () {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const cases: Array<{ code: string; words: RegExp; break: (f: Fixture) => void }> = [
    {
      code: 'SECRET_EXPIRED',
      words: /The provided application secret has expired\./,
      break: (f) => (f.appRegistrations[0]!.secrets[0]!.expiresAt = '2021-01-01T00:00:00Z'),
    },
    {
      code: 'SECRET_INVALID',
      words: /The provided application secret is invalid\./,
      break: (f) => (f.appRegistrations[0]!.secrets[0]!.value = 'a-different-secret-value'),
    },
    {
      code: 'MISSING_RECORDING_PERMISSION',
      words: /missing the 'OnlineMeetingRecording\.Read\.All' permission/,
      break: (f) => (f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => p !== 'OnlineMeetingRecording.Read.All')),
    },
    {
      code: 'APPLICATION_ACCESS_POLICY_MISSING',
      words: /Application policy is missing for the configured application registration\./,
      break: (f) => (f.appRegistrations[0]!.applicationAccessPolicy = false),
    },
    {
      code: 'CATEGORY_NOT_FOUND',
      words: /does not exist in Kaltura.*"MediaSpace>site>channels>Teams recordings"/,
      break: (f) => (f.kaltura.categories = f.kaltura.categories.filter((c) => c.fullName !== 'MediaSpace>site>channels>Teams recordings')),
    },
    {
      code: 'KALTURA_CREDENTIALS_REJECTED',
      words: /Kaltura rejected the partner credentials\./,
      break: (f) => (f.kaltura.appTokens[0]!.token = 'a-rotated-app-token-value-000000'),
    },
  ];

  for (const c of cases) {
    it(`${c.code}: shown with the guide's words, jobs paused without hammering, resumed once fixed`, async () => {
      const good = await demoAllAvailable();
      h = await startAppHarness(await demoAllAvailable(c.break));
      const broken = await waitFor(`health ${c.code}`, async () => {
        const s = await health(h!);
        return s.state === 'error' && s.error?.code === c.code ? s : undefined;
      });
      assert.match(broken.error!.message, c.words);
      assert.equal((await h.entries()).length, 0);
      const integrationId = (await h.app.store.integrations.list())[0]!.id;
      assert.deepEqual((await h.app.store.jobs.paused()).map((p) => p.integrationId), [integrationId]);

      // paused means quiet: over a second, at most the periodic health checks reach the services
      const before = (await h.e.control<unknown[]>(h.e.graph, 'GET', '/__control/requests')).length;
      await new Promise((r) => setTimeout(r, 1000));
      const during = (await h.e.control<unknown[]>(h.e.graph, 'GET', '/__control/requests')).length - before;
      assert.ok(during < 25, `${during} Graph requests in a second while paused`);

      await loadEverywhere(h, good);
      await waitFor('all three recordings archived after the fix', async () => (await archivedCount(h!)) === 3, 30_000);
      const healed = await health(h);
      assert.equal(healed.state, 'ok');
      assert.equal(healed.error, null);
      assert.deepEqual(await h.app.store.jobs.paused(), []);
    });
  }

  it('Entra groups for the upload scope without GroupMember.Read.All: named, with the alternative', async () => {
    h = await startAppHarness(
      await demoAllAvailable((f) => {
        f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => p !== 'GroupMember.Read.All');
        Object.assign(f.integrations[0]!.settings, { uploadScope: 'opt-in', groupSource: 'entra', groups: ['00000000-0000-4000-8000-000000000101'] });
      }),
    );
    const s = await waitFor('health MISSING_GROUP_PERMISSION', async () => {
      const x = await health(h!);
      return x.error?.code === 'MISSING_GROUP_PERMISSION' ? x : undefined;
    });
    assert.equal(s.state, 'error');
    assert.match(s.error!.message, /GroupMember\.Read\.All/);
    assert.match(describeError('MISSING_GROUP_PERMISSION')!.fix, /or use Kaltura groups/);
  });

  it('the connection test names an unknown client id and an unknown tenant', async () => {
    h = await startAppHarness(await demoAllAvailable());
    const store = h.app.store;
    let integration = (await store.integrations.list())[0]!;
    integration = await store.integrations.update(integration.id, integration.version, { appClientId: '12345678-1234-4234-8234-123456789012' });
    const noClient = await checkIntegration(h.app.pipeline.health, integration);
    assert.deepEqual([noClient.ok, noClient.code], [false, 'UNKNOWN_CLIENT_ID']);
    assert.match(noClient.message!, /No application with this client ID exists/);
    integration = await store.integrations.update(integration.id, integration.version, {
      appClientId: h.e.fixture.appRegistrations[0]!.clientId,
      tenantId: '12345678-1234-4234-8234-123456789099',
    });
    const noTenant = await checkIntegration(h.app.pipeline.health, integration);
    assert.deepEqual([noTenant.ok, noTenant.code], [false, 'UNKNOWN_TENANT']);
    assert.equal((await health(h)).error?.code, 'UNKNOWN_TENANT');
    integration = await store.integrations.update(integration.id, integration.version, { tenantId: h.e.fixture.tenant.id });
    assert.deepEqual(await checkIntegration(h.app.pipeline.health, integration), { ok: true });
    assert.equal((await health(h)).state, 'ok');
  });

  it('transcripts switched off in the tenant: a warning with the PowerShell fix, recordings still archived', async () => {
    h = await startAppHarness(await demoAllAvailable((f) => (f.tenant.transcriptApiAccess = false)));
    await waitFor('three recordings archived', async () => (await archivedCount(h!)) === 3, 30_000);
    const s = await waitFor('a transcript warning', async () => {
      const x = await health(h!);
      return x.error?.code === 'TRANSCRIPT_API_ACCESS_DISABLED' ? x : undefined;
    });
    assert.equal(s.state, 'warning');
    assert.match(s.error!.message, /transcripts is turned off/);
    assert.match(describeError('TRANSCRIPT_API_ACCESS_DISABLED')!.fix, /Set-CsTeamsMeetingConfiguration -EnableGraphTranscriptAccess \$true/);
    assert.ok((await h.entries()).every((x) => x.captions.length === 0));

    // the admin turns Graph access to transcripts on: the warning clears at the next subscription check
    await loadEverywhere(h, await demoAllAvailable());
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await health(h)).state, 'ok');
    const subs = await h.app.store.subscriptions.listByIntegration((await h.app.store.integrations.list())[0]!.id);
    assert.ok(subs.some((x) => x.resource.endsWith('getAllTranscripts')));
  });

  it('transcripts switched off after setup: the recording archives, its transcript fails with a warning; once fixed, the transcript is attached', async () => {
    h = await startAppHarness();
    const sko = h.e.fixture.meetings[1]!;
    const integrationId = (await h.app.store.integrations.list())[0]!.id;
    await waitFor('the swept recording archived', async () => (await archivedCount(h!)) === 1, 30_000);
    assert.ok(['unknown', 'ok'].includes((await health(h)).state));

    // a Teams admin turns "Transcript API access" off after the app was set up
    await h.e.control(h.e.graph, 'POST', '/__control/tenant', { transcriptApiAccess: false });
    await h.release('recording', sko.recordings[0]!.id);
    await h.release('transcript', sko.transcripts[0]!.id);
    const failed = await waitFor('the SKO recording archived, its transcript failed', async () => {
      const r = await h!.app.store.recordings.get({ integrationId, recordingId: sko.recordings[0]!.id });
      return r?.state === 'archived' && r.transcript.state === 'failed' ? r : undefined;
    }, 30_000);
    assert.equal(failed.transcript.error?.code, 'TRANSCRIPT_API_ACCESS_DISABLED');
    const warned = await waitFor('a transcript warning', async () => {
      const x = await health(h!);
      return x.state === 'warning' ? x : undefined;
    });
    assert.equal(warned.error?.code, 'TRANSCRIPT_API_ACCESS_DISABLED');
    assert.match(warned.error!.message, /transcripts is turned off/);
    const entry = (await h.entries()).find((x) => x.referenceId === `Teams_${sko.recordings[0]!.id}`)!;
    assert.deepEqual(entry.captions, []);

    // still off: the scheduled check keeps the warning (the subscription made before proves nothing)
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await health(h)).state, 'warning');

    // switched back on: the warning clears and the transcript that failed is attached
    await h.e.control(h.e.graph, 'POST', '/__control/tenant', { transcriptApiAccess: true });
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await health(h)).state, 'ok');
    const captioned = await waitFor('the SKO caption', async () =>
      (await h!.entries()).find((x) => x.referenceId === `Teams_${sko.recordings[0]!.id}` && x.captions.length === 1 && x.captions[0]!.text),
    );
    assert.equal(captioned.captions[0]!.text, sko.transcripts[0]!.vtt);
    const record = await waitFor('the transcript marked attached', async () => {
      const r = await h!.app.store.recordings.get({ integrationId, recordingId: sko.recordings[0]!.id });
      return r?.transcript.state === 'attached' ? r : undefined;
    });
    assert.equal(record.transcript.error, null);
  });

  it('a client secret that expires within 30 days shows SECRET_EXPIRING with its date; a new secret takes the warning away', async () => {
    const soon = new Date(Date.now() + 10 * 86_400_000 + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const fixture = await demoAllAvailable((f) => (f.appRegistrations[0]!.secrets[0]!.expiresAt = soon));
    h = await startAppHarness(fixture);
    await waitFor('three recordings archived', async () => (await archivedCount(h!)) === 3, 30_000);
    await h.app.pipeline.runScheduledOnce();
    const warned = await health(h);
    assert.equal(warned.state, 'warning');
    assert.equal(warned.error?.code, 'SECRET_EXPIRING');
    assert.match(warned.error!.message, new RegExp(`The application secret expires soon\\. It expires on ${soon.slice(0, 10)} \\(in 10 days\\)\\.`));
    assert.match(describeError('SECRET_EXPIRING')!.fix, /Update secret/);

    // the admin adds a new secret in Entra and gives it to the integration
    const renewed = structuredClone(fixture);
    renewed.appRegistrations[0]!.secrets.push({ value: 'fresh~secret~value~0123456789', expiresAt: '2029-06-30T00:00:00Z' });
    await loadEverywhere(h, renewed);
    let integration = (await h.app.store.integrations.list())[0]!;
    integration = await h.app.store.integrations.update(integration.id, integration.version, { appClientSecret: 'fresh~secret~value~0123456789' });
    h.app.pipeline.health.contexts.forget(integration.id);
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await health(h)).state, 'ok');

    // without Application.Read.All the expiry cannot be known: nothing is said
    const blind = structuredClone(renewed);
    blind.appRegistrations[0]!.permissions = blind.appRegistrations[0]!.permissions.filter((p) => p !== 'Application.Read.All');
    blind.appRegistrations[0]!.secrets[1]!.expiresAt = soon;
    await loadEverywhere(h, blind);
    h.app.pipeline.health.contexts.forget(integration.id);
    await h.app.pipeline.runScheduledOnce();
    assert.equal((await health(h)).state, 'ok');
  });
});
