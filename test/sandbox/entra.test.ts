import assert from 'node:assert/strict';
import { ClientAuthError, ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import { MsalAppCredentials } from 'botframework-connector';
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { authorityMetadataFor, createMsalNetworkClient } from '../../api/src/net/msal-network.js';
import { verifyBearer } from '../../sandbox/entra/token-keys.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture, startTestEmulators, type TestEmulators } from '../support/emulators.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const BOT_SCOPE = 'https://api.botframework.com/.default';
const BOT_FRAMEWORK_TID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
const NO_PERMISSIONS_APP = 'aaaaaaaa-0000-4000-8000-000000000001';
const ROTATED_APP = 'aaaaaaaa-0000-4000-8000-000000000002';
const UNKNOWN_TENANT = '11111111-2222-4333-8444-555555555555';
const STS_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;

interface StsErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

describe('Entra ID emulator', () => {
  let env: TestEmulators;
  let fixture: Fixture;
  let tid: string;
  let graphApp: Fixture['appRegistrations'][number];

  before(async () => {
    fixture = structuredClone(await demoFixture());
    fixture.appRegistrations.push(
      {
        clientId: NO_PERMISSIONS_APP,
        displayName: 'No consent yet',
        secrets: [{ value: 'no~perm~secret~1', expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [],
        applicationAccessPolicy: false,
      },
      {
        clientId: ROTATED_APP,
        displayName: 'Rotated secret',
        secrets: [
          { value: 'old~expired~secret', expiresAt: '2020-01-01T00:00:00Z' },
          { value: 'new~current~secret', expiresAt: '2099-01-01T00:00:00Z' },
        ],
        permissions: ['OnlineMeetingRecording.Read.All'],
        applicationAccessPolicy: true,
      },
    );
    env = await startTestEmulators(fixture);
    tid = fixture.tenant.id;
    graphApp = fixture.appRegistrations[0]!;
  });

  after(async () => {
    await env?.close();
  });

  beforeEach(async () => {
    await env.control(env.entra, 'POST', '/__control/reset');
  });

  function cca(opts: { clientId: string; secret: string; tenant?: string; staticMetadata?: boolean }): ConfidentialClientApplication {
    const authority = `${env.entra.url}/${opts.tenant ?? tid}`;
    return new ConfidentialClientApplication({
      auth: {
        clientId: opts.clientId,
        clientSecret: opts.secret,
        authority,
        knownAuthorities: [new URL(env.entra.url).host],
        ...(opts.staticMetadata ? { authorityMetadata: authorityMetadataFor(authority) } : {}),
      },
      system: { networkClient: createMsalNetworkClient(env.trust.fetch) },
    });
  }

  async function graphToken(app: ConfidentialClientApplication, scope = GRAPH_SCOPE): Promise<string> {
    const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
    assert.ok(result?.accessToken, 'msal returned no access token');
    return result.accessToken;
  }

  function remoteJwks(tenant = tid): ReturnType<typeof createRemoteJWKSet> {
    return createRemoteJWKSet(new URL(`${env.entra.url}/${tenant}/discovery/v2.0/keys`), { [customFetch]: env.trust.fetch });
  }

  async function expectServerError(
    promise: Promise<unknown>,
    expected: { status: number; errorCode: string; errorNo: number; description: RegExp },
  ): Promise<ServerError> {
    let caught: unknown;
    await promise.catch((err: unknown) => {
      caught = err;
    });
    assert.ok(caught instanceof ServerError, `expected a ServerError, got ${String(caught)}`);
    assert.equal(caught.errorCode, expected.errorCode);
    assert.equal(Number(caught.errorNo), expected.errorNo);
    assert.equal(caught.status, expected.status);
    assert.match(caught.errorMessage, expected.description);
    return caught;
  }

  async function postToken(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return env.trust.fetch(`${env.entra.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  function tokenRequests(): number {
    return env.entra.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token')).length;
  }

  describe('discovery', () => {
    it('serves the v2.0 openid-configuration by tenant id and by domain, with the tenant id in every URL', async () => {
      for (const segment of [tid, fixture.tenant.domain, fixture.tenant.domain.toUpperCase()]) {
        const res = await env.trust.fetch(`${env.entra.url}/${segment}/v2.0/.well-known/openid-configuration`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('cache-control'), 'max-age=86400, private');
        const doc = (await res.json()) as Record<string, unknown>;
        assert.equal(doc.issuer, `${env.entra.url}/${tid}/v2.0`);
        assert.equal(doc.token_endpoint, `${env.entra.url}/${tid}/oauth2/v2.0/token`);
        assert.equal(doc.authorization_endpoint, `${env.entra.url}/${tid}/oauth2/v2.0/authorize`);
        assert.equal(doc.end_session_endpoint, `${env.entra.url}/${tid}/oauth2/v2.0/logout`);
        assert.equal(doc.jwks_uri, `${env.entra.url}/${tid}/discovery/v2.0/keys`);
        assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256']);
      }
    });

    it('keeps the {tenantid} placeholder in the issuer for common', async () => {
      const res = await env.trust.fetch(`${env.entra.url}/common/v2.0/.well-known/openid-configuration`);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.equal(doc.issuer, `${env.entra.url}/{tenantid}/v2.0`);
      assert.equal(doc.jwks_uri, `${env.entra.url}/common/discovery/v2.0/keys`);
    });

    it('answers an unknown tenant with the real 400 invalid_tenant body (AADSTS90002)', async () => {
      const res = await env.trust.fetch(`${env.entra.url}/${UNKNOWN_TENANT}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
      const body = (await res.json()) as StsErrorBody;
      assert.equal(body.error, 'invalid_tenant');
      assert.deepEqual(body.error_codes, [90002]);
      assert.match(
        body.error_description,
        new RegExp(`^AADSTS90002: Tenant '${UNKNOWN_TENANT}' not found\\. Check to make sure you have the correct tenant ID .* Trace ID: ${body.trace_id} Correlation ID: ${body.correlation_id} Timestamp: ${body.timestamp}$`),
      );
      assert.match(body.timestamp, STS_TIMESTAMP);
      assert.equal(body.error_uri, `${env.entra.url}/error?code=90002`);
    });

    it('publishes the shared signing key for the tenant and for common', async () => {
      for (const path of [`/${tid}/discovery/v2.0/keys`, '/common/discovery/v2.0/keys']) {
        const res = await env.trust.fetch(`${env.entra.url}${path}`);
        assert.equal(res.status, 200);
        const jwks = (await res.json()) as { keys: Array<{ kid: string; kty: string; n: string }> };
        assert.equal(jwks.keys.length, 1);
        assert.equal(jwks.keys[0]!.kid, env.keys.kid);
        assert.equal(jwks.keys[0]!.kty, 'RSA');
        assert.equal(jwks.keys[0]!.n, env.keys.publicJwk.n);
      }
    });

    it('answers msal instance discovery for its own host', async () => {
      const authorize = encodeURIComponent(`${env.entra.url}/${tid}/oauth2/v2.0/authorize`);
      const res = await env.trust.fetch(`${env.entra.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`);
      const body = (await res.json()) as { tenant_discovery_endpoint: string; metadata: Array<{ aliases: string[] }> };
      assert.equal(body.tenant_discovery_endpoint, `${env.entra.url}/${tid}/v2.0/.well-known/openid-configuration`);
      assert.deepEqual(body.metadata[0]!.aliases, [new URL(env.entra.url).host]);
    });
  });

  describe('client credentials through msal-node', () => {
    it('issues a v1 Graph app token with the granted roles, verifiable against the published JWKS', async () => {
      const token = await graphToken(cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value }));
      // msal asked the emulator for the tenant's metadata, then posted to the advertised token endpoint
      const paths = env.entra.requests.map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(paths, [`GET /${tid}/v2.0/.well-known/openid-configuration`, `POST /${tid}/oauth2/v2.0/token`]);
      const { payload, protectedHeader } = await jwtVerify(token, remoteJwks(), {
        audience: 'https://graph.microsoft.com',
        issuer: `https://sts.windows.net/${tid}/`,
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(protectedHeader.kid, env.keys.kid);
      assert.deepEqual(payload.roles, graphApp.permissions);
      assert.equal(payload.tid, tid);
      assert.equal(payload.appid, graphApp.clientId);
      assert.equal(payload.idtyp, 'app');
      assert.equal(payload.ver, '1.0');
      assert.match(String(payload.oid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(payload.sub, payload.oid);
      assert.equal(payload.exp! - payload.iat!, 3599);
      assert.equal(payload.nbf, payload.iat);
    });

    it('serves the second request from msal cache without another token request', async () => {
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value });
      const first = await graphToken(app);
      const second = await graphToken(app);
      assert.equal(first, second);
      assert.equal(tokenRequests(), 1);
    });

    it('accepts the tenant domain as authority and still stamps the tenant id', async () => {
      const token = await graphToken(cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value, tenant: fixture.tenant.domain }));
      assert.equal(decodeJwt(token).tid, tid);
    });

    it('leaves the roles claim out (not empty) when no permission is granted', async () => {
      const token = await graphToken(cca({ clientId: NO_PERMISSIONS_APP, secret: 'no~perm~secret~1' }));
      const claims = decodeJwt(token);
      assert.equal(claims.appid, NO_PERMISSIONS_APP);
      assert.equal('roles' in claims, false);
    });

    it('accepts the current secret of an app whose other secret has expired', async () => {
      const token = await graphToken(cca({ clientId: ROTATED_APP, secret: 'new~current~secret' }));
      assert.deepEqual(decodeJwt(token).roles, ['OnlineMeetingRecording.Read.All']);
    });

    it('surfaces an expired secret as ServerError invalid_client / 7000222 (401)', async () => {
      const err = await expectServerError(graphToken(cca({ clientId: ROTATED_APP, secret: 'old~expired~secret' })), {
        status: 401,
        errorCode: 'invalid_client',
        errorNo: 7000222,
        description: new RegExp(`AADSTS7000222: The provided client secret keys for app '${ROTATED_APP}' are expired\\.`),
      });
      assert.match(err.errorMessage, /^Error\(s\): 7000222 - Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ - Description: /);
    });

    it('surfaces a wrong secret as ServerError invalid_client / 7000215 (401)', async () => {
      await expectServerError(graphToken(cca({ clientId: graphApp.clientId, secret: 'not-the-secret' })), {
        status: 401,
        errorCode: 'invalid_client',
        errorNo: 7000215,
        description: new RegExp(`AADSTS7000215: Invalid client secret provided\\. .* for a secret added to app '${graphApp.clientId}'\\.`),
      });
    });

    it('surfaces an unknown client id as ServerError unauthorized_client / 700016 (400)', async () => {
      const stranger = '99999999-8888-4777-8666-555555555555';
      await expectServerError(graphToken(cca({ clientId: stranger, secret: 'whatever-secret' })), {
        status: 400,
        errorCode: 'unauthorized_client',
        errorNo: 700016,
        description: new RegExp(`AADSTS700016: Application with identifier '${stranger}' was not found in the directory '${fixture.tenant.displayName}'\\.`),
      });
    });

    it('surfaces an unknown tenant as ServerError invalid_tenant / 90002 when msal is given static metadata', async () => {
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value, tenant: UNKNOWN_TENANT, staticMetadata: true });
      await expectServerError(graphToken(app), {
        status: 400,
        errorCode: 'invalid_tenant',
        errorNo: 90002,
        description: new RegExp(`AADSTS90002: Tenant '${UNKNOWN_TENANT}' not found\\.`),
      });
      assert.deepEqual(env.entra.requests.map((r) => r.path), [`/${UNKNOWN_TENANT}/oauth2/v2.0/token`]);
    });

    it('fails an unknown tenant in discovery (ClientAuthError) when msal fetches the metadata itself', async () => {
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value, tenant: UNKNOWN_TENANT });
      await assert.rejects(graphToken(app), (err: unknown) => {
        assert.ok(err instanceof ClientAuthError, String(err));
        assert.equal(err.errorCode, 'endpoints_resolution_error');
        return true;
      });
      const [discovery] = env.entra.requests;
      assert.equal(discovery?.path, `/${UNKNOWN_TENANT}/v2.0/.well-known/openid-configuration`);
      assert.equal(discovery?.status, 400);
    });
  });

  describe('token endpoint on the wire', () => {
    it('sends the full STS error body and headers, echoing client-request-id as the correlation id', async () => {
      const res = await postToken(
        tid,
        { client_id: ROTATED_APP, client_secret: 'old~expired~secret', scope: GRAPH_SCOPE, grant_type: 'client_credentials' },
        { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' },
      );
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('cache-control'), 'no-store, no-cache');
      assert.equal(res.headers.get('pragma'), 'no-cache');
      const body = (await res.json()) as StsErrorBody;
      assert.equal(res.headers.get('x-ms-request-id'), body.trace_id);
      assert.deepEqual(Object.keys(body).sort(), [
        'correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id',
      ]);
      assert.equal(body.correlation_id, 'c0ffee00-0000-4000-8000-000000000001');
      assert.equal(body.error_uri, `${env.entra.url}/error?code=7000222`);
      assert.ok(body.error_description.endsWith(` Trace ID: ${body.trace_id} Correlation ID: ${body.correlation_id} Timestamp: ${body.timestamp}`));
    });

    it('answers a success with token_type, expires_in, ext_expires_in and access_token only', async () => {
      const res = await postToken(tid, {
        client_id: graphApp.clientId,
        client_secret: graphApp.secrets[0]!.value,
        scope: GRAPH_SCOPE,
        grant_type: 'client_credentials',
        'x-client-SKU': 'msal.js.node', // unknown fields are ignored, as msal sends plenty
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3599);
      assert.equal(body.ext_expires_in, 3599);
      assert.equal(decodeProtectedHeader(String(body.access_token)).kid, env.keys.kid);
    });

    it('accepts client credentials in HTTP Basic auth', async () => {
      const basic = Buffer.from(`${graphApp.clientId}:${encodeURIComponent(graphApp.secrets[0]!.value)}`).toString('base64');
      const res = await postToken(tid, { scope: GRAPH_SCOPE, grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
      assert.equal(res.status, 200);
    });

    const cases: Array<{ name: string; form: () => Record<string, string>; status: number; error: string; code: number }> = [
      {
        name: 'a scope without /.default',
        form: () => ({ client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, scope: 'https://graph.microsoft.com/User.Read', grant_type: 'client_credentials' }),
        status: 400,
        error: 'invalid_scope',
        code: 70011,
      },
      {
        name: 'an unknown resource',
        form: () => ({ client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, scope: 'https://example.org/.default', grant_type: 'client_credentials' }),
        status: 400,
        error: 'invalid_resource',
        code: 500011,
      },
      {
        name: 'an unsupported grant type',
        form: () => ({ client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, scope: GRAPH_SCOPE, grant_type: 'password' }),
        status: 400,
        error: 'unsupported_grant_type',
        code: 70003,
      },
      {
        name: 'a missing client secret',
        form: () => ({ client_id: graphApp.clientId, scope: GRAPH_SCOPE, grant_type: 'client_credentials' }),
        status: 401,
        error: 'invalid_client',
        code: 7000218,
      },
      {
        name: 'a missing scope',
        form: () => ({ client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, grant_type: 'client_credentials' }),
        status: 400,
        error: 'invalid_request',
        code: 900144,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} with ${c.error} / ${c.code}`, async () => {
        const res = await postToken(tid, c.form());
        assert.equal(res.status, c.status);
        const body = (await res.json()) as StsErrorBody;
        assert.equal(body.error, c.error);
        assert.deepEqual(body.error_codes, [c.code]);
        assert.match(body.error_description, new RegExp(`^AADSTS${c.code}: `));
      });
    }
  });

  describe('bot credentials', () => {
    it('issues a Bot Framework channel token in the botframework.com tenant, as multi-tenant bots ask for it', async () => {
      const bot = fixture.teamsApp;
      const app = cca({ clientId: bot.botId, secret: bot.botPassword, tenant: 'botframework.com' });
      const token = await graphToken(app, BOT_SCOPE);
      const claims = await verifyBearer(env.keys, `Bearer ${token}`, 'https://api.botframework.com');
      assert.equal(claims.appid, bot.botId);
      assert.equal(claims.tid, BOT_FRAMEWORK_TID);
      assert.equal(claims.iss, `https://sts.windows.net/${BOT_FRAMEWORK_TID}/`);
      assert.equal('roles' in claims, false);
    });

    it("works through botframework-connector's MsalAppCredentials for a single-tenant bot", async () => {
      const bot = fixture.teamsApp;
      const app = cca({ clientId: bot.botId, secret: bot.botPassword });
      // botbuilder turns its OAuth scope into `${scope}/.default` itself
      const credentials = new MsalAppCredentials(app as never, bot.botId, `${env.entra.url}/${tid}`, 'https://api.botframework.com');
      const token = await credentials.getToken(true);
      const claims = decodeJwt(token);
      assert.equal(claims.aud, 'https://api.botframework.com');
      assert.equal(claims.tid, tid);
      assert.equal(claims.appid, bot.botId);
    });

    it('does not give the bot a Graph token, nor the Graph app a channel token', async () => {
      const bot = fixture.teamsApp;
      await expectServerError(graphToken(cca({ clientId: bot.botId, secret: bot.botPassword })), {
        status: 400,
        errorCode: 'invalid_resource',
        errorNo: 500011,
        description: /AADSTS500011: The resource principal named https:\/\/graph\.microsoft\.com was not found/,
      });
      await expectServerError(
        graphToken(cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value, tenant: 'botframework.com' }), BOT_SCOPE),
        { status: 400, errorCode: 'unauthorized_client', errorNo: 700016, description: /in the directory 'botframework\.com'/ },
      );
    });
  });

  describe('Teams SSO tokens', () => {
    async function mint(body: Record<string, unknown>): Promise<string> {
      const { token } = await env.control<{ token: string }>(env.entra, 'POST', '/__control/tokens', body);
      return token;
    }

    async function verifySso(token: string): Promise<JWTPayload> {
      const { payload } = await jwtVerify(token, remoteJwks('common'), {
        issuer: `${env.entra.url}/${tid}/v2.0`,
        audience: fixture.teamsApp.clientId,
      });
      return payload;
    }

    it('mints a v2 token for a chosen user with chosen roles that verifies against the JWKS', async () => {
      const user = fixture.users[2]!;
      const payload = await verifySso(await mint({ userId: user.id, roles: ['Archiver.Admin', 'Archiver.Auditor'] }));
      assert.deepEqual(payload.roles, ['Archiver.Admin', 'Archiver.Auditor']);
      assert.equal(payload.ver, '2.0');
      assert.equal(payload.scp, 'access_as_user');
      assert.equal(payload.oid, user.id);
      assert.equal(payload.tid, tid);
      assert.equal(payload.preferred_username, user.userPrincipalName);
      assert.equal(payload.name, user.displayName);
      assert.equal(typeof payload.azp, 'string');
    });

    it("defaults to the first fixture user and that user's app roles", async () => {
      const first = fixture.users[0]!;
      const payload = await verifySso(await mint({}));
      assert.equal(payload.oid, first.id);
      assert.deepEqual(payload.roles, first.appRoles);
      assert.ok(first.appRoles.length > 0, 'the demo fixture gives its first user an app role');
    });

    it('leaves roles out for a user without app roles', async () => {
      const payload = await verifySso(await mint({ userId: fixture.users[1]!.userPrincipalName }));
      assert.equal('roles' in payload, false);
    });

    it('mints tokens a verifier must refuse: expired, other audience', async () => {
      await assert.rejects(verifySso(await mint({ expiresInSeconds: -60 })), { code: 'ERR_JWT_EXPIRED' });
      await assert.rejects(verifySso(await mint({ audience: 'api://elsewhere/123' })), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    });

    it('answers 404 with a clear message for an unknown user, 400 for a malformed request', async () => {
      const missing = await env.trust.fetch(`${env.entra.url}/__control/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'nobody@contoso.onmicrosoft.com' }),
      });
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { error: string }).error, /no user 'nobody@contoso\.onmicrosoft\.com' in the fixture/);
      const malformed = await env.trust.fetch(`${env.entra.url}/__control/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ roles: 'Archiver.Admin' }),
      });
      assert.equal(malformed.status, 400);
    });
  });

  describe('faults and control', () => {
    it('passes an injected 503 with Retry-After to msal, which then throttles identical requests', async () => {
      await env.control(env.entra, 'POST', '/__control/faults', {
        path: `/${tid}/oauth2/v2.0/token`,
        status: 503,
        headers: { 'Retry-After': '1' },
        body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] },
      });
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value });
      await expectServerError(graphToken(app), { status: 503, errorCode: 'temporarily_unavailable', errorNo: 90033, description: /AADSTS90033/ });
      assert.equal(tokenRequests(), 1);
      // msal's throttling cache answers without the network until Retry-After has passed
      await assert.rejects(graphToken(app), ServerError);
      assert.equal(tokenRequests(), 1);
      const token = await graphToken(cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value }));
      assert.equal(decodeJwt(token).appid, graphApp.clientId);
      assert.equal(tokenRequests(), 2);
    });

    it('turns a non-JSON error page into a ServerError that keeps the status', async () => {
      await env.control(env.entra, 'POST', '/__control/faults', { path: `/${tid}/oauth2/v2.0/token`, status: 502, body: '<html>Bad gateway</html>' });
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value });
      let caught: unknown;
      await graphToken(app).catch((err: unknown) => (caught = err));
      assert.ok(caught instanceof ServerError, String(caught));
      assert.equal(caught.status, 502);
      assert.equal(caught.errorCode, 'temporarily_unavailable');
    });

    it('reports a dropped connection as a ClientAuthError network_error', async () => {
      await env.control(env.entra, 'POST', '/__control/faults', { path: `/${tid}/oauth2/v2.0/token`, resetConnection: true });
      const app = cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value });
      await assert.rejects(graphToken(app), (err: unknown) => {
        assert.ok(err instanceof ClientAuthError, String(err));
        assert.equal(err.errorCode, 'network_error');
        return true;
      });
    });

    it('shortens app token lifetimes on request', async () => {
      await env.control(env.entra, 'POST', '/__control/token-lifetime', { seconds: 400 });
      const res = await postToken(tid, { client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, scope: GRAPH_SCOPE, grant_type: 'client_credentials' });
      const body = (await res.json()) as { expires_in: number; access_token: string };
      assert.equal(body.expires_in, 400);
      const claims = decodeJwt(body.access_token);
      assert.equal(claims.exp! - claims.iat!, 400);
    });

    it('reports issued and refused tokens in state, never a secret', async () => {
      await graphToken(cca({ clientId: graphApp.clientId, secret: graphApp.secrets[0]!.value }));
      await graphToken(cca({ clientId: graphApp.clientId, secret: 'wrong-secret' })).catch(() => undefined);
      await env.control(env.entra, 'POST', '/__control/tokens', { userId: fixture.users[0]!.id });
      const state = await env.control<{
        counts: { app: number; sso: number; refused: number };
        issued: Array<{ kind: string; clientId?: string; userId?: string; audience: string; roles: string[] }>;
        refused: Array<{ clientId?: string; errorCode: number }>;
        registrations: Array<{ clientId: string; permissions: string[]; secrets: Array<{ expired: boolean }> }>;
      }>(env.entra, 'GET', '/__control/state');
      assert.deepEqual(state.counts, { app: 1, sso: 1, refused: 1 });
      assert.deepEqual(
        state.issued.map((t) => [t.kind, t.clientId ?? t.userId, t.audience]),
        [
          ['app', graphApp.clientId, 'https://graph.microsoft.com'],
          ['sso', fixture.users[0]!.id, fixture.teamsApp.clientId],
        ],
      );
      assert.deepEqual(state.refused, [{ ...state.refused[0], clientId: graphApp.clientId, errorCode: 7000215 }]);
      assert.deepEqual(
        state.registrations.find((r) => r.clientId === ROTATED_APP)?.secrets.map((s) => s.expired),
        [true, false],
      );
      const text = JSON.stringify(state);
      for (const secret of [...fixture.appRegistrations.flatMap((r) => r.secrets.map((s) => s.value)), fixture.teamsApp.botPassword]) {
        assert.equal(text.includes(secret), false, 'state leaks a secret');
      }
    });
  });
});
