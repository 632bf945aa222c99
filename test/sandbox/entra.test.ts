import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ClientAuthError, ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import { MsalAppCredentials } from 'botframework-connector';
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { AuthenticateAdmin } from '../../api/src/admin/admin-principal.js';
import { createSsoAuthenticator } from '../../api/src/admin/sso-auth.js';
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

  describe('interactive sign-in (authorization code + PKCE, as the sandbox tab signs in)', () => {
    const APP_ORIGIN = 'http://127.0.0.1:53000';
    const REDIRECT = `${APP_ORIGIN}/auth-end.html`;
    let clientId: string;
    let scope: string;

    before(() => {
      clientId = fixture.teamsApp.clientId;
      scope = `api://127.0.0.1:3978/${clientId}/access_as_user openid profile`;
    });

    function pkce(): { verifier: string; challenge: string } {
      const verifier = randomBytes(32).toString('base64url');
      return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
    }

    function authorizeUrl(params: Record<string, string | undefined>, tenant = tid): string {
      const u = new URL(`${env.entra.url}/${tenant}/oauth2/v2.0/authorize`);
      for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
      return u.toString();
    }

    function unescapeHtml(s: string): string {
      return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
    }

    /** The page's forms: action and fields, as a browser would submit them. */
    function forms(html: string): Array<{ action: string; fields: URLSearchParams }> {
      return [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)].map((m) => {
        const fields = new URLSearchParams();
        for (const input of m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.append(input[1]!, unescapeHtml(input[2]!));
        return { action: unescapeHtml(m[1]!), fields };
      });
    }

    /** Opens the sign-in page, picks the user's button and follows it to the 302 back to the app. */
    async function signIn(userId: string, extra: Record<string, string> = {}): Promise<{ code: string; state: string | null; verifier: string }> {
      const { verifier, challenge } = pkce();
      const page = await env.trust.fetch(
        authorizeUrl({
          client_id: clientId,
          response_type: 'code',
          redirect_uri: REDIRECT,
          scope,
          state: 'st&te=1',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          ...extra,
        }),
      );
      assert.equal(page.status, 200);
      const form = forms(await page.text()).find((f) => f.fields.get('user') === userId);
      assert.ok(form, `no button for ${userId}`);
      const chosen = await env.trust.fetch(new URL(form.action, env.entra.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.fields.toString(),
        redirect: 'manual',
      });
      assert.equal(chosen.status, 302);
      const back = new URL(chosen.headers.get('location')!);
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
      const code = back.searchParams.get('code');
      assert.ok(code, `no code in ${back.toString()}`);
      return { code, state: back.searchParams.get('state'), verifier };
    }

    function redeem(form: Record<string, string>, origin: string = APP_ORIGIN): Promise<Response> {
      return postToken(tid, { grant_type: 'authorization_code', client_id: clientId, redirect_uri: REDIRECT, scope, ...form }, { origin });
    }

    function authenticator(): AuthenticateAdmin {
      return createSsoAuthenticator(
        { authorityHost: env.entra.url, v1IssuerHost: `${env.entra.url}/sts`, clientId, appIdUri: `api://127.0.0.1:3978/${clientId}`, allowedTenants: [tid] },
        { fetch: env.trust.fetch },
      );
    }

    it('lists the fixture users with their UPN and app roles on an accessible page', async () => {
      const { challenge } = pkce();
      const res = await env.trust.fetch(
        authorizeUrl({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256', login_hint: fixture.users[1]!.userPrincipalName }),
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      const html = await res.text();
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<title>Sign in to the emulated Entra ID<\/title>/);
      assert.match(html, /<h1>Sign in to the emulated Entra ID<\/h1>/);
      for (const u of fixture.users) {
        assert.ok(html.includes(u.displayName), u.displayName);
        assert.ok(html.includes(u.userPrincipalName), u.userPrincipalName);
      }
      assert.match(html, /App roles: Archiver\.Admin/);
      assert.match(html, /No app roles/);
      assert.match(html, /<button type="submit"[^>]*aria-label="Sign in as Megan Bowen/);
      // login_hint's user comes first
      const userForms = forms(html).filter((f) => f.fields.get('user'));
      assert.equal(userForms[0]!.fields.get('user'), fixture.users[1]!.id);
    });

    it("redirects with a code and the state, which the SPA redeems (CORS) for the user's SSO token and id token", async () => {
      const megan = fixture.users[0]!;
      const { code, state, verifier } = await signIn(megan.id, { nonce: 'n-0S6_WzA2Mj' });
      assert.equal(state, 'st&te=1');
      const res = await redeem({ code, code_verifier: verifier });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'id_token', 'scope', 'token_type']);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.scope, `api://127.0.0.1:3978/${clientId}/access_as_user`);
      assert.equal(typeof body.expires_in, 'number');

      const access = decodeJwt(body.access_token as string);
      assert.equal(access.aud, clientId);
      assert.equal(access.ver, '2.0');
      assert.equal(access.azp, clientId);
      assert.deepEqual(access.roles, ['Archiver.Admin']);
      const principal = await authenticator()(`Bearer ${body.access_token as string}`);
      assert.deepEqual(principal, { userId: megan.id, tenantId: tid, name: megan.displayName, roles: ['Archiver.Admin'] });

      const { payload: id } = await jwtVerify(body.id_token as string, remoteJwks('common'), { issuer: `${env.entra.url}/${tid}/v2.0`, audience: clientId });
      assert.equal(id.nonce, 'n-0S6_WzA2Mj');
      assert.equal(id.preferred_username, megan.userPrincipalName);
      assert.equal(id.oid, megan.id);

      const state2 = await env.control<{ issued: Array<{ kind: string; userId?: string; clientId?: string }> }>(env.entra, 'GET', '/__control/state');
      assert.ok(state2.issued.some((t) => t.kind === 'sso' && t.userId === megan.id && t.clientId === clientId));
    });

    it('gives a user without the admin role a token the admin API refuses with 403', async () => {
      const adele = fixture.users[1]!;
      const { code, verifier } = await signIn(adele.id);
      const body = (await (await redeem({ code, code_verifier: verifier })).json()) as { access_token: string };
      await assert.rejects(authenticator()(`Bearer ${body.access_token}`), { code: 'FORBIDDEN', message: /Archiver\.Admin role/ });
    });

    it('refuses a code used twice (AADSTS54005) and a wrong verifier (AADSTS501481), in the STS body shape with CORS', async () => {
      const { code, verifier } = await signIn(fixture.users[0]!.id);
      const wrong = await redeem({ code, code_verifier: pkce().verifier });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const wrongBody = (await wrong.json()) as StsErrorBody;
      assert.equal(wrongBody.error, 'invalid_grant');
      assert.deepEqual(wrongBody.error_codes, [501481]);
      assert.match(wrongBody.error_description, /^AADSTS501481: The Code_Verifier does not match/);
      assert.match(wrongBody.timestamp, STS_TIMESTAMP);
      const missing = (await (await redeem({ code })).json()) as StsErrorBody;
      assert.deepEqual(missing.error_codes, [501481]);

      // a failed attempt does not use the code up; the first good one does
      assert.equal((await redeem({ code, code_verifier: verifier })).status, 200);
      const again = await redeem({ code, code_verifier: verifier });
      assert.equal(again.status, 400);
      const againBody = (await again.json()) as StsErrorBody;
      assert.equal(againBody.error, 'invalid_grant');
      assert.deepEqual(againBody.error_codes, [54005]);
    });

    it('refuses a code for another redirect URI, another client, or one never issued', async () => {
      const { code, verifier } = await signIn(fixture.users[0]!.id);
      const otherRedirect = (await (await redeem({ code, code_verifier: verifier, redirect_uri: `${APP_ORIGIN}/other` })).json()) as StsErrorBody;
      assert.deepEqual(otherRedirect.error_codes, [500112]);
      const otherClient = (await (await redeem({ code, code_verifier: verifier, client_id: graphApp.clientId })).json()) as StsErrorBody;
      assert.equal(otherClient.error, 'invalid_grant');
      const unknown = await redeem({ code: 'not-a-code', code_verifier: verifier });
      assert.equal(unknown.status, 400);
      assert.equal(((await unknown.json()) as StsErrorBody).error, 'invalid_grant');
      const noCode = (await (await redeem({ code_verifier: verifier })).json()) as StsErrorBody;
      assert.deepEqual(noCode.error_codes, [900144]);
    });

    it('answers the CORS preflight for loopback origins only', async () => {
      const preflight = (origin: string) =>
        env.trust.fetch(`${env.entra.url}/${tid}/oauth2/v2.0/token`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,client-request-id' },
        });
      const ok = await preflight(APP_ORIGIN);
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.match(ok.headers.get('access-control-allow-methods')!, /POST/);
      assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type,client-request-id');
      const localhost = await preflight('https://localhost:5173');
      assert.equal(localhost.headers.get('access-control-allow-origin'), 'https://localhost:5173');
      const foreign = await preflight('https://evil.example');
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    });

    it('shows Entra error pages for an unknown client (AADSTS700016) and a non-loopback redirect URI (AADSTS50011)', async () => {
      const { challenge } = pkce();
      const base = { response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'S256' };
      const unknown = await env.trust.fetch(authorizeUrl({ ...base, client_id: '12345678-0000-4000-8000-000000000000', redirect_uri: REDIRECT }), { redirect: 'manual' });
      assert.equal(unknown.status, 400);
      assert.match(await unknown.text(), /AADSTS700016: Application with identifier &#39;12345678-0000-4000-8000-000000000000&#39; was not found/);
      for (const redirect of ['https://evil.example/cb', 'ftp://127.0.0.1/cb', 'not a url', `${APP_ORIGIN}/cb#frag`]) {
        const res = await env.trust.fetch(authorizeUrl({ ...base, client_id: clientId, redirect_uri: redirect }), { redirect: 'manual' });
        assert.equal(res.status, 400, redirect);
        assert.match(await res.text(), /AADSTS50011: The redirect URI/, redirect);
      }
      // the Graph app is a confidential client: no SPA redirect URI
      const confidential = await env.trust.fetch(authorizeUrl({ ...base, client_id: graphApp.clientId, redirect_uri: REDIRECT }), { redirect: 'manual' });
      assert.match(await confidential.text(), /AADSTS50011/);
      const badTenant = await env.trust.fetch(authorizeUrl({ ...base, client_id: clientId, redirect_uri: REDIRECT }, UNKNOWN_TENANT), { redirect: 'manual' });
      assert.match(await badTenant.text(), /AADSTS90002/);
    });

    it('redirects errors it may tell the app: no PKCE, wrong response type, a foreign scope, cancel, silent sign-in without a hint', async () => {
      const { challenge } = pkce();
      const errorOf = async (params: Record<string, string | undefined>) => {
        const res = await env.trust.fetch(authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, state: 's1', ...params }), { redirect: 'manual' });
        assert.equal(res.status, 302);
        const back = new URL(res.headers.get('location')!);
        assert.equal(back.searchParams.get('state'), 's1');
        return { error: back.searchParams.get('error'), description: back.searchParams.get('error_description') ?? '' };
      };
      const noPkce = await errorOf({ response_type: 'code', scope });
      assert.equal(noPkce.error, 'invalid_request');
      assert.match(noPkce.description, /^AADSTS9002325: Proof Key for Code Exchange is required/);
      assert.equal((await errorOf({ response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'plain' })).error, 'invalid_request');
      assert.equal((await errorOf({ response_type: 'token', scope, code_challenge: challenge, code_challenge_method: 'S256' })).error, 'unsupported_response_type');
      const foreign = await errorOf({ response_type: 'code', scope: 'https://graph.microsoft.com/User.Read', code_challenge: challenge, code_challenge_method: 'S256' });
      assert.equal(foreign.error, 'invalid_scope');
      assert.match(foreign.description, /AADSTS70011/);
      assert.equal((await errorOf({ response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'none' })).error, 'login_required');

      const page = await env.trust.fetch(authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, state: 's1', response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'S256' }));
      const cancel = forms(await page.text()).find((f) => f.fields.get('cancel'));
      assert.ok(cancel);
      const res = await env.trust.fetch(new URL(cancel.action, env.entra.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: cancel.fields.toString(),
        redirect: 'manual',
      });
      assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'access_denied');
    });

    it('signs in silently (prompt=none) the user login_hint names, with the code in the fragment when asked', async () => {
      const { verifier, challenge } = pkce();
      const megan = fixture.users[0]!;
      const res = await env.trust.fetch(
        authorizeUrl({
          client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope, state: 's2', code_challenge: challenge,
          code_challenge_method: 'S256', prompt: 'none', login_hint: megan.userPrincipalName, response_mode: 'fragment',
        }, 'common'),
        { redirect: 'manual' },
      );
      assert.equal(res.status, 302);
      const back = new URL(res.headers.get('location')!);
      assert.equal(back.search, '');
      const fragment = new URLSearchParams(back.hash.slice(1));
      assert.equal(fragment.get('state'), 's2');
      const token = await redeem({ code: fragment.get('code')!, code_verifier: verifier });
      assert.equal(token.status, 200);
      const { access_token } = (await token.json()) as { access_token: string };
      assert.equal((await authenticator()(`Bearer ${access_token}`)).userId, megan.id);
    });

    it('keeps client credentials unaffected by an Origin header', async () => {
      const res = await postToken(
        tid,
        { grant_type: 'client_credentials', client_id: graphApp.clientId, client_secret: graphApp.secrets[0]!.value, scope: GRAPH_SCOPE },
        { origin: APP_ORIGIN },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
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
