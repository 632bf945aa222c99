/**
 * Fidelity of the Graph emulator's Teams app catalog and per-user installs (teamwork/installedApps),
 * driven with the real @microsoft/microsoft-graph-client over HTTPS with the sandbox CA trusted, as
 * test/sandbox/graph.test.ts explains. The Graph emulator runs alone here so the test can hold its
 * behaviour object and listen to installs the way the launcher does.
 */
import assert from 'node:assert/strict';
import { Client, GraphError, type FetchOptions } from '@microsoft/microsoft-graph-client';
import { SignJWT } from 'jose';
import { createTlsTrust, type TlsTrust } from '../../api/src/net/tls-trust.js';
import { startEmulator, type RunningEmulator } from '../../sandbox/emulator/emulator-server.js';
import { createTokenKeys, type TokenKeys } from '../../sandbox/entra/token-keys.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { createGraphEmulator, type GraphEmulatorBehaviour } from '../../sandbox/graph/graph-emulator.js';
import { createSandboxTls } from '../../sandbox/tls/sandbox-ca.js';
import { demoFixture } from '../support/emulators.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const NOBODY = '99999999-9999-4999-8999-999999999999';
const INSTALL_ANY = 'TeamsAppInstallation.ReadWriteForUser.All';
const INSTALL_SELF = 'TeamsAppInstallation.ReadWriteSelfForUser.All';
const CATALOG_READ = 'AppCatalog.Read.All';

interface GraphErrorBody {
  code: string;
  message: string;
  innerError: { date: string; 'request-id': string; 'client-request-id': string };
}

interface TeamworkState {
  teamsApp: { appId: string; catalogId: string; installedFor: string[]; installs: Array<{ userId: string; byAppId: string; listenerErrors?: string[] }> };
  denials: Array<{ method: string; path: string; status: number; code: string; reason: string }>;
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

describe('Graph emulator: Teams app catalog and installs', () => {
  let fixture: Fixture;
  let keys: TokenKeys;
  let behaviour: GraphEmulatorBehaviour;
  let graph: RunningEmulator;
  let trust: TlsTrust;
  let catalogId: string;
  let manifestId: string;
  let integrationApp: string;
  let teamsAppClientId: string;

  /** An app-only Graph token as Entra issues it (v1, `roles` = the consented application permissions). */
  async function tokenFor(roles: string[], appId = integrationApp): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: `https://sts.windows.net/${fixture.tenant.id}/`, tid: fixture.tenant.id, appid: appId, idtyp: 'app', ver: '1.0', ...(roles.length ? { roles } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
      .setAudience('https://graph.microsoft.com')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 3600)
      .sign(keys.privateKey);
  }

  async function client(roles: string[], appId?: string): Promise<Client> {
    const bearer = await tokenFor(roles, appId);
    return Client.init({
      baseUrl: graph.url,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(graph.url).hostname]),
      fetchOptions: { dispatcher: trust.dispatcher } as unknown as FetchOptions,
      authProvider: (done) => done(null, bearer),
    });
  }

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await trust.fetch(`${graph.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path} -> ${res.status}`);
    return (await res.json()) as T;
  }

  const bind = (id: string) => ({ 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${id}` });
  const installedQuery = (id: string) => `/users/${ADELE}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '${id}'`;

  before(async () => {
    fixture = structuredClone(await demoFixture());
    fixture.teamsApp.installedFor = [MEGAN];
    catalogId = fixture.teamsApp.catalogId;
    manifestId = fixture.teamsApp.appId;
    integrationApp = fixture.appRegistrations[0]!.clientId;
    teamsAppClientId = fixture.teamsApp.clientId;
    keys = await createTokenKeys();
    const tls = createSandboxTls();
    trust = createTlsTrust(tls.caCertPem);
    behaviour = createGraphEmulator({ keys });
    graph = await startEmulator(behaviour, fixture, { tls: { cert: tls.serverCertPem, key: tls.serverKeyPem } });
  });

  after(async () => {
    await graph?.close();
    await trust?.dispatcher.close();
  });

  beforeEach(async () => {
    await control('POST', '/__control/reset');
  });

  describe('app catalog', () => {
    it("lists the org's app by its manifest id, with the catalog's own id", async () => {
      const g = await client([CATALOG_READ]);
      const found = await g.api('/appCatalogs/teamsApps').filter(`externalId eq '${manifestId}'`).get();
      assert.match(found['@odata.context'], /\/v1\.0\/\$metadata#appCatalogs\/teamsApps$/);
      assert.deepEqual(found.value, [
        { id: catalogId, externalId: manifestId, displayName: 'Teams Recording Archiver for Kaltura', distributionMethod: 'organization' },
      ]);
      assert.notEqual(catalogId, manifestId, 'an org app has a catalog id of its own');

      const other = await g.api('/appCatalogs/teamsApps').filter("externalId eq '0d820ecd-def2-4297-adad-78056cde7c78'").get();
      assert.deepEqual(other.value, []);
      const org = await g.api('/appCatalogs/teamsApps').filter(`distributionMethod eq 'organization' and id eq '${catalogId}'`).select('id').get();
      assert.deepEqual(org.value, [{ id: catalogId }]);
      const byId = await g.api(`/appCatalogs/teamsApps/${catalogId}`).get();
      assert.equal(byId.externalId, manifestId);
    });

    it('refuses a filter it cannot read instead of ignoring it', async () => {
      const g = await client([CATALOG_READ]);
      const err = await graphFailure(g.api('/appCatalogs/teamsApps').filter(`externalId eq '${manifestId}' and`).get());
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'BadRequest');
    });

    it('needs AppCatalog.Read.All (or ReadWrite.All): an install permission does not read the catalog', async () => {
      const g = await client([INSTALL_ANY]);
      const err = await graphFailure(g.api('/appCatalogs/teamsApps').filter(`externalId eq '${manifestId}'`).get());
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Forbidden');
      assert.equal(
        err.parsed.message,
        `Missing role permissions on the request. API requires one of 'AppCatalog.Read.All, AppCatalog.ReadWrite.All'. Roles on the request '${INSTALL_ANY}'.`,
      );
      assert.ok(err.parsed.innerError['request-id'] && err.parsed.innerError.date);
      await (await client(['AppCatalog.ReadWrite.All'])).api('/appCatalogs/teamsApps').get();
    });
  });

  describe('installed apps', () => {
    it("shows an installed app's installation, and an empty list for a user without it", async () => {
      const g = await client(['TeamsAppInstallation.ReadForUser.All']);
      const megan = await g.api(`/users/${MEGAN}/teamwork/installedApps`).expand('teamsApp').filter(`teamsApp/id eq '${catalogId}'`).get();
      assert.match(megan['@odata.context'], new RegExp(`#users\\('${MEGAN}'\\)/teamwork/installedApps$`));
      assert.equal(megan.value.length, 1);
      assert.equal(Buffer.from(megan.value[0].id, 'base64').toString('utf8'), `${MEGAN}##${catalogId}`, 'not the teamsApp id');
      assert.deepEqual(megan.value[0].teamsApp, { id: catalogId, externalId: manifestId, displayName: 'Teams Recording Archiver for Kaltura', distributionMethod: 'organization' });

      assert.deepEqual((await g.api(installedQuery(catalogId)).get()).value, []);
      // by manifest id too (the docs' other example), and the app is only expanded when asked for
      const byManifest = await g.api(`/users/megan.bowen@contoso.onmicrosoft.com/teamwork/installedApps?$filter=teamsApp/externalId eq '${manifestId}'`).get();
      assert.deepEqual(Object.keys(byManifest.value[0]), ['id']);
      assert.deepEqual((await g.api(`/users/${MEGAN}/teamwork/installedApps?$filter=teamsApp/id eq '${manifestId}'`).get()).value, []);
    });

    it('answers an unknown user with 404 and an unknown expansion with 400', async () => {
      const g = await client([INSTALL_ANY]);
      const missing = await graphFailure(g.api(`/users/${NOBODY}/teamwork/installedApps`).get());
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.code, 'NotFound');
      const badExpand = await graphFailure(g.api(`/users/${MEGAN}/teamwork/installedApps?$expand=chat`).get());
      assert.equal(badExpand.statusCode, 400);
    });
  });

  describe('install for a user', () => {
    it('installs with 201 and no body, then lists the installation and shows it in the state', async () => {
      const g = await client([INSTALL_ANY]);
      const response = (await g.api(`/users/${ADELE}/teamwork/installedApps`).responseType('raw' as never).post(bind(catalogId))) as Response;
      assert.equal(response.status, 201);
      assert.equal(await response.text(), '');
      const listed = await g.api(installedQuery(catalogId)).get();
      assert.equal(listed.value.length, 1);
      assert.equal(listed.value[0].teamsApp.id, catalogId);

      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, [MEGAN, ADELE]);
      assert.deepEqual(state.teamsApp.installs.map((i) => [i.userId, i.byAppId]), [[ADELE, integrationApp]]);
    });

    it("answers a second install with 409 Conflict, as Microsoft's own samples expect", async () => {
      const g = await client([INSTALL_ANY]);
      await g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId));
      const again = await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId)));
      assert.equal(again.statusCode, 409);
      assert.equal(again.code, 'Conflict');
      const fromFixture = await graphFailure(g.api(`/users/${MEGAN}/teamwork/installedApps`).post(bind(catalogId)));
      assert.equal(fromFixture.statusCode, 409);
      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.equal(state.teamsApp.installs.length, 1);
    });

    it('refuses a token without a TeamsAppInstallation permission with 403, and installs nothing', async () => {
      const g = await client(['User.Read.All', CATALOG_READ]);
      const err = await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId)));
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'Forbidden');
      assert.match(err.parsed.message, /^Missing role permissions on the request\. API requires one of 'TeamsAppInstallation\.ReadWriteSelfForUser\.All, .*TeamsAppInstallation\.ReadWriteForUser\.All.*'\. Roles on the request 'User\.Read\.All, AppCatalog\.Read\.All'\.$/);
      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, [MEGAN]);
      assert.deepEqual([state.denials.at(-1)!.method, state.denials.at(-1)!.status], ['POST', 403]);
      // the permission is checked before the user is looked up, as Graph authorizes first
      assert.equal((await graphFailure(g.api(`/users/${NOBODY}/teamwork/installedApps`).post(bind(catalogId)))).statusCode, 403);
    });

    it('lets a "Self" permission install only the Teams app whose Entra app holds it', async () => {
      // the integration's app registration is not the Teams app's webApplicationInfo app
      const other = await client([INSTALL_SELF]);
      assert.deepEqual((await other.api(`/users/${MEGAN}/teamwork/installedApps`).get()).value, [], 'an empty result, as documented');
      const refused = await graphFailure(other.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId)));
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.code, 'Forbidden');

      const itself = await client([INSTALL_SELF], teamsAppClientId);
      assert.equal((await itself.api(`/users/${MEGAN}/teamwork/installedApps`).get()).value.length, 1);
      await itself.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId));
      assert.equal((await itself.api(installedQuery(catalogId)).get()).value.length, 1);
    });

    it('answers an unknown user or catalog app with 404 and a body without the bind with 400', async () => {
      const g = await client([INSTALL_ANY]);
      const user = await graphFailure(g.api(`/users/${NOBODY}/teamwork/installedApps`).post(bind(catalogId)));
      assert.deepEqual([user.statusCode, user.code], [404, 'NotFound']);
      const app = await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(manifestId)));
      assert.deepEqual([app.statusCode, app.code], [404, 'NotFound'], 'the manifest id is not the catalog id');
      const noBind = await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post({ teamsApp: catalogId }));
      assert.equal(noBind.statusCode, 400);
      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, [MEGAN]);
    });
  });

  describe('install listeners (how the connector hears of an install)', () => {
    it('calls each listener once per install without holding up the 201, never for a refused one', async () => {
      const heard: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      // a listener still busy (the connector posting to the bot) must not hold up Graph's answer
      const stop = behaviour.onAppInstalled(async (userId) => {
        heard.push(userId);
        await gate;
      });
      try {
        const g = await client([INSTALL_ANY]);
        // by UPN: the listener still gets the Entra id the connector addresses the user by
        const answered = g.api('/users/adele.vance@contoso.onmicrosoft.com/teamwork/installedApps').post(bind(catalogId));
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the install waited for its listener')), 3000));
        await Promise.race([answered, timeout]);
        release();
        await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId)));
        await graphFailure(g.api(`/users/${MEGAN}/teamwork/installedApps`).post(bind(catalogId)));
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(heard, [ADELE]);
      } finally {
        release();
        stop();
      }
    });

    it('keeps listeners across fixture loads, records a failing one, and stops calling a removed one', async () => {
      const failures: string[] = [];
      const stopFailing = behaviour.onAppInstalled(async () => {
        failures.push('called');
        throw new Error('connector unreachable');
      });
      const heard: string[] = [];
      const stop = behaviour.onAppInstalled((userId) => void heard.push(userId));
      await control('POST', '/__control/fixture', fixture);
      const g = await client([INSTALL_ANY]);
      await g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([failures.length, heard], [1, [ADELE]]);
      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installs[0]!.listenerErrors, ['connector unreachable']);

      stopFailing();
      stop();
      await control('POST', '/__control/reset');
      await g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([failures.length, heard], [1, [ADELE]]);
    });

    it('marks installs made elsewhere (the connector control API) without calling listeners', async () => {
      const heard: string[] = [];
      const stop = behaviour.onAppInstalled((userId) => void heard.push(userId));
      try {
        assert.equal(behaviour.setAppInstalled('adele.vance@contoso.onmicrosoft.com', true), true);
        assert.equal(behaviour.setAppInstalled(ADELE, true), false);
        const g = await client([INSTALL_ANY]);
        assert.equal((await graphFailure(g.api(`/users/${ADELE}/teamwork/installedApps`).post(bind(catalogId)))).statusCode, 409);
        assert.equal(behaviour.setAppInstalled(MEGAN, false), true);
        assert.deepEqual((await g.api(`/users/${MEGAN}/teamwork/installedApps`).get()).value, []);
        assert.throws(() => behaviour.setAppInstalled(NOBODY, true), /no user/);
        assert.deepEqual(heard, []);
      } finally {
        stop();
      }
    });
  });

  it('treats every user as having the app when the fixture does not say who has it', async () => {
    const everyone = structuredClone(fixture);
    delete everyone.teamsApp.installedFor;
    await control('POST', '/__control/fixture', everyone);
    try {
      const state = await control<TeamworkState>('GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, fixture.users.map((u) => u.id));
      const g = await client([INSTALL_ANY]);
      assert.equal((await g.api(installedQuery(catalogId)).get()).value.length, 1);
    } finally {
      await control('POST', '/__control/fixture', fixture);
    }
  });
});
