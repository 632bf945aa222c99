import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createAppTokenProvider, type AppTokenProvider } from '../../api/src/graph/app-token-provider.js';
import { GraphAdapter } from '../../api/src/graph/graph-adapter.js';
import { GraphError } from '../../api/src/graph/graph-errors.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const LEE = '00000000-0000-4000-8000-000000000003';
const NOBODY = '99999999-9999-4999-8999-999999999999';

interface InstallState {
  teamsApp: { installedFor: string[]; installs: Array<{ userId: string }> };
}

/**
 * The Graph adapter's proactive-install calls (find the app in the catalog, install it for a user)
 * against the Entra and Graph emulators. Installing goes through msal-node and the Entra emulator
 * like every other call; reading the catalog needs AppCatalog.Read.All, which the fixture's
 * permission list cannot grant yet, so those tests sign the app token with the sandbox's Entra key
 * directly: the token Entra would issue for that grant, and the Graph side stays the real one.
 */
describe('Graph adapter: Teams app catalog and installs', function () {
  let e: TestEmulators;
  let fixture: Fixture;

  before(async () => {
    e = await startTestEmulators();
    fixture = structuredClone(e.fixture);
    fixture.teamsApp.installedFor = [MEGAN];
    fixture.appRegistrations[0]!.permissions.push('TeamsAppInstallation.ReadWriteForUser.All');
    await loadBoth(fixture);
  });
  after(() => e?.close());
  afterEach(() => loadBoth(fixture));

  async function loadBoth(f: Fixture) {
    await e.control(e.graph, 'POST', '/__control/fixture', f);
    await e.control(e.entra, 'POST', '/__control/fixture', f);
  }

  /** The adapter as the app builds it: tokens from msal-node against the Entra emulator. */
  function adapter() {
    const reg = fixture.appRegistrations[0]!;
    const tokens = createAppTokenProvider(
      { tenantId: fixture.tenant.id, clientId: reg.clientId, clientSecret: reg.secrets[0]!.value },
      { authorityHost: e.entra.url, scope: 'https://graph.microsoft.com/.default', fetch: e.trust.fetch },
    );
    return new GraphAdapter({ baseUrl: e.graph.url, tokens, dispatcher: e.trust.dispatcher });
  }

  /** The adapter with an app token signed by the sandbox Entra key, for grants the fixture cannot express. */
  function adapterWithRoles(roles: string[], appId = fixture.appRegistrations[0]!.clientId) {
    const tokens: AppTokenProvider = {
      getToken: async () => {
        const now = Math.floor(Date.now() / 1000);
        const accessToken = await new SignJWT({ iss: `https://sts.windows.net/${fixture.tenant.id}/`, tid: fixture.tenant.id, appid: appId, idtyp: 'app', ver: '1.0', roles })
          .setProtectedHeader({ alg: 'RS256', kid: e.keys.kid, typ: 'JWT' })
          .setAudience('https://graph.microsoft.com')
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 3600)
          .sign(e.keys.privateKey);
        return { accessToken, roles, expiresOn: new Date((now + 3600) * 1000) };
      },
    };
    return new GraphAdapter({ baseUrl: e.graph.url, tokens, dispatcher: e.trust.dispatcher });
  }

  async function failure(p: Promise<unknown>): Promise<GraphError> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof GraphError, `expected a GraphError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the call to fail');
  }

  const graphRequests = async (pattern: RegExp) =>
    (await e.control<Array<{ method: string; path: string; status: number }>>(e.graph, 'GET', '/__control/requests')).filter((r) => pattern.test(r.path));

  describe('findTeamsApp', () => {
    it("finds the org catalog's app by its manifest id and answers with the catalog id", async () => {
      const found = await adapterWithRoles(['AppCatalog.Read.All']).findTeamsApp(fixture.teamsApp.appId);
      assert.deepEqual(found, { id: fixture.teamsApp.catalogId });
      assert.equal(await adapterWithRoles(['AppCatalog.ReadWrite.All']).findTeamsApp('0d820ecd-def2-4297-adad-78056cde7c78'), null);
      // a quote in the id cannot end the OData literal early
      assert.equal(await adapterWithRoles(['AppCatalog.Read.All']).findTeamsApp("x' or id ne '"), null);
    });

    it('names a missing AppCatalog.Read.All before calling Graph, and when Graph refuses', async () => {
      const before = (await graphRequests(/appCatalogs/i)).length;
      const early = await failure(adapter().findTeamsApp(fixture.teamsApp.appId));
      assert.deepEqual([early.code, early.blocking, early.retryable], ['MISSING_APP_CATALOG_PERMISSION', true, false]);
      assert.equal((await graphRequests(/appCatalogs/i)).length, before, 'refused without a request');

      await e.control(e.graph, 'POST', '/__control/faults', {
        pathPattern: '/appCatalogs/teamsApps',
        status: 403,
        body: { error: { code: 'Forbidden', message: "Missing role permissions on the request. API requires one of 'AppCatalog.Read.All, AppCatalog.ReadWrite.All'. Roles on the request ''." } },
      });
      const refused = await failure(adapterWithRoles(['AppCatalog.Read.All']).findTeamsApp(fixture.teamsApp.appId));
      assert.deepEqual([refused.code, refused.status, refused.blocking], ['MISSING_APP_CATALOG_PERMISSION', 403, true]);
    });
  });

  describe('installTeamsAppForUser', () => {
    it("installs for a user who lacks the app, and says so when they already have it", async () => {
      const g = adapter();
      assert.equal(await g.installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId), 'installed');
      assert.equal(await g.installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId), 'already-installed');
      assert.equal(await g.installTeamsAppForUser(MEGAN, fixture.teamsApp.catalogId), 'already-installed');
      const state = await e.control<InstallState>(e.graph, 'GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, [MEGAN, ADELE]);
      assert.deepEqual(state.teamsApp.installs.map((i) => i.userId), [ADELE]);
      assert.deepEqual((await graphRequests(/teamwork\/installedApps$/)).map((r) => [r.method, r.status]), [['POST', 201], ['POST', 409], ['POST', 409]]);
    });

    it('names a missing TeamsAppInstallation permission before calling Graph', async () => {
      const without = structuredClone(fixture);
      without.appRegistrations[0]!.permissions = without.appRegistrations[0]!.permissions.filter((p) => !p.startsWith('TeamsAppInstallation.'));
      await loadBoth(without);
      const err = await failure(adapter().installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId));
      assert.deepEqual([err.code, err.blocking, err.retryable], ['MISSING_TEAMS_APP_INSTALL_PERMISSION', true, false]);
      assert.deepEqual(await graphRequests(/teamwork/), []);
    });

    it("maps Graph's 403 to the same code: a \"Self\" permission on an app registration that is not the Teams app's", async () => {
      const err = await failure(adapterWithRoles(['TeamsAppInstallation.ReadWriteSelfForUser.All']).installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId));
      assert.deepEqual([err.code, err.status, err.blocking], ['MISSING_TEAMS_APP_INSTALL_PERMISSION', 403, true]);
      assert.match(err.message, /Graph answered 403 Forbidden/);
      // the Teams app's own Entra app may install itself with that permission
      const itself = adapterWithRoles(['TeamsAppInstallation.ReadWriteSelfForUser.All'], fixture.teamsApp.clientId);
      assert.equal(await itself.installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId), 'installed');
    });

    it("maps Graph's missing-role 403 body to the permission code", async () => {
      await e.control(e.graph, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '/teamwork/installedApps$',
        status: 403,
        body: { error: { code: 'Forbidden', message: "Missing role permissions on the request. API requires one of 'TeamsAppInstallation.ReadWriteSelfForUser.All'. Roles on the request 'User.Read.All'." } },
      });
      const err = await failure(adapter().installTeamsAppForUser(LEE, fixture.teamsApp.catalogId));
      assert.deepEqual([err.code, err.status], ['MISSING_TEAMS_APP_INSTALL_PERMISSION', 403]);
    });

    it('reports an unknown user or catalog app as not found, and throttling as retryable', async () => {
      const g = adapter();
      assert.equal((await failure(g.installTeamsAppForUser(NOBODY, fixture.teamsApp.catalogId))).code, 'GRAPH_NOT_FOUND');
      assert.equal((await failure(g.installTeamsAppForUser(ADELE, fixture.teamsApp.appId))).code, 'GRAPH_NOT_FOUND');
      assert.equal((await failure(g.installTeamsAppForUser(ADELE, '..'))).code, 'GRAPH_ID_INVALID');
      await e.control(e.graph, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '/teamwork/installedApps$',
        status: 429,
        headers: { 'Retry-After': '3' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests' } },
      });
      const throttled = await failure(g.installTeamsAppForUser(ADELE, fixture.teamsApp.catalogId));
      assert.deepEqual([throttled.code, throttled.retryable, throttled.retryAfterMs], ['GRAPH_THROTTLED', true, 3000]);
      const state = await e.control<InstallState>(e.graph, 'GET', '/__control/state');
      assert.deepEqual(state.teamsApp.installedFor, [MEGAN]);
    });
  });
});
