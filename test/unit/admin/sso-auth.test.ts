import assert from 'node:assert/strict';
import { decodeProtectedHeader, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { AuthError, clientConfig, createSsoAuthenticator } from '../../../api/src/admin/sso-auth.js';
import type { AuthenticateAdmin } from '../../../api/src/admin/admin-principal.js';
import { ConfigError, loadConfig } from '../../../api/src/config.js';
import { httpStatusFor } from '../../../api/src/http/error-status.js';
import { startTestEmulators, type TestEmulators } from '../../support/emulators.js';

const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';
const APP_HOST = '127.0.0.1:3978';

describe('admin API SSO check (against the Entra emulator)', function () {
  this.timeout(20_000);
  let e: TestEmulators;
  let tid: string;
  let clientId: string;
  let appIdUri: string;
  let authenticate: AuthenticateAdmin;

  before(async () => {
    e = await startTestEmulators();
    tid = e.fixture.tenant.id;
    clientId = e.fixture.teamsApp.clientId;
    appIdUri = `api://${APP_HOST}/${clientId}`;
    authenticate = createSsoAuthenticator(
      {
        authorityHost: e.entra.url,
        v1IssuerHost: `${e.entra.url}/sts`,
        clientId,
        appIdUri,
        allowedTenants: [tid],
        adminRole: 'Archiver.Admin',
      },
      { fetch: e.trust.fetch },
    );
  });

  after(async () => {
    await e?.close();
  });

  async function mint(body: Record<string, unknown> = {}): Promise<string> {
    const { token } = await e.control<{ token: string }>(e.entra, 'POST', '/__control/tokens', body);
    return token;
  }

  /** Asserts the refusal's code and HTTP status, and that its message never holds the token. */
  async function refused(authorization: string | undefined, code: string, status: number, message?: RegExp): Promise<AuthError> {
    let caught: unknown;
    try {
      await authenticate(authorization);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof AuthError, `expected an AuthError, got ${String(caught)}`);
    assert.equal(caught.code, code);
    assert.equal(httpStatusFor(caught), status);
    if (message) assert.match(caught.message, message);
    const token = authorization?.replace(/^\S+\s+/, '') ?? '';
    if (token.length > 8) {
      assert.ok(!caught.message.includes(token), 'the message echoes the token');
      for (const part of token.split('.')) if (part.length > 8) assert.ok(!caught.message.includes(part), 'the message echoes part of the token');
    }
    return caught;
  }

  describe('accepts', () => {
    it('a valid v2 token (aud = client id) and returns the principal', async () => {
      const megan = e.fixture.users[0]!;
      const p = await authenticate(`Bearer ${await mint({ userId: megan.id })}`);
      assert.deepEqual(p, { userId: megan.id, tenantId: tid, name: megan.displayName, roles: ['Archiver.Admin'] });
    });

    it('a valid v1 token (aud = api://…, issuer {sts}/{tid}/)', async () => {
      const token = await mint({ version: 1, audience: appIdUri });
      const claims = decodeJwt(token);
      assert.equal(claims.ver, '1.0');
      assert.equal(claims.iss, `${e.entra.url}/sts/${tid}/`);
      assert.equal(typeof claims.appid, 'string');
      assert.equal(claims.upn, e.fixture.users[0]!.userPrincipalName);
      assert.equal('preferred_username' in claims, false);
      const p = await authenticate(`Bearer ${token}`);
      assert.equal(p.userId, e.fixture.users[0]!.id);
      assert.deepEqual(p.roles, ['Archiver.Admin']);
    });

    it('a v2 token whose audience is the api:// URI, and the scheme in any case', async () => {
      const p = await authenticate(`bearer ${await mint({ audience: appIdUri })}`);
      assert.equal(p.tenantId, tid);
    });

    it('clock skew up to 5 minutes: just expired, not valid for another minute', async () => {
      await authenticate(`Bearer ${await mint({ expiresInSeconds: -60 })}`);
      await authenticate(`Bearer ${await mint({ notBeforeInSeconds: 60 })}`);
    });

    it('roles beside the admin role, and the tenant id in another case', async () => {
      const auth = createSsoAuthenticator(
        { authorityHost: e.entra.url, v1IssuerHost: `${e.entra.url}/sts`, clientId, appIdUri, allowedTenants: [tid.toUpperCase()] },
        { fetch: e.trust.fetch },
      );
      const p = await auth(`Bearer ${await mint({ roles: ['Archiver.Auditor', 'Archiver.Admin'] })}`);
      assert.deepEqual(p.roles, ['Archiver.Auditor', 'Archiver.Admin']);
    });
  });

  describe('refuses with 401 UNAUTHENTICATED', () => {
    it('no Authorization header, or an empty one', async () => {
      await refused(undefined, 'UNAUTHENTICATED', 401, /Sign in first/);
      await refused('', 'UNAUTHENTICATED', 401, /Sign in first/);
    });

    it('a scheme other than Bearer', async () => {
      await refused(`Basic ${Buffer.from('a:b').toString('base64')}`, 'UNAUTHENTICATED', 401, /must be "Bearer"/);
      await refused(`Token ${await mint()}`, 'UNAUTHENTICATED', 401, /must be "Bearer"/);
      await refused('Bearer', 'UNAUTHENTICATED', 401);
    });

    it('garbage', async () => {
      await refused('Bearer not-a-jwt-at-all', 'UNAUTHENTICATED', 401, /not a valid signed JWT/);
      await refused('Bearer aaaa.bbbb.cccc', 'UNAUTHENTICATED', 401, /not a valid signed JWT/);
    });

    it("a bad signature: another key under the emulator's kid, or a changed payload", async () => {
      const real = await mint();
      const { kid } = decodeProtectedHeader(real);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid! }).sign(privateKey);
      await refused(`Bearer ${forged}`, 'UNAUTHENTICATED', 401, /signature/);

      const [h, , s] = real.split('.');
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(real), roles: ['Archiver.Admin', 'Extra'] })).toString('base64url');
      await refused(`Bearer ${h}.${payload}.${s}`, 'UNAUTHENTICATED', 401, /signature/);
    });

    it('a key the authority does not publish', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(await mint())).setProtectedHeader({ alg: 'RS256', kid: 'not-a-published-kid' }).sign(privateKey);
      await refused(`Bearer ${forged}`, 'UNAUTHENTICATED', 401, /signature/);
    });

    it('an algorithm other than RS256 (HS256 with the public key, or none)', async () => {
      const claims = decodeJwt(await mint());
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
      await refused(`Bearer ${hs}`, 'UNAUTHENTICATED', 401, /RS256/);
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
      await refused(`Bearer ${none}`, 'UNAUTHENTICATED', 401);
    });

    it('a wrong audience', async () => {
      await refused(`Bearer ${await mint({ audience: 'api://elsewhere.example/123' })}`, 'UNAUTHENTICATED', 401, /audience must be/);
      await refused(`Bearer ${await mint({ audience: 'https://graph.microsoft.com' })}`, 'UNAUTHENTICATED', 401, /another app/);
    });

    it("a wrong issuer: another tenant's issuer on a token whose tid is ours, or another host", async () => {
      await refused(`Bearer ${await mint({ issuer: `${e.entra.url}/${OTHER_TENANT}/v2.0` })}`, 'UNAUTHENTICATED', 401, /issuer must be/);
      await refused(`Bearer ${await mint({ version: 1, audience: appIdUri, issuer: `https://sts.windows.net/${OTHER_TENANT}/` })}`, 'UNAUTHENTICATED', 401, /issuer/);
      await refused(`Bearer ${await mint({ issuer: `https://login.microsoftonline.com/${tid}/v2.0` })}`, 'UNAUTHENTICATED', 401, /issuer/);
      // a v1 issuer without its trailing slash, a v2 one with a v1 path
      await refused(`Bearer ${await mint({ issuer: `${e.entra.url}/sts/${tid}` })}`, 'UNAUTHENTICATED', 401, /issuer/);
      await refused(`Bearer ${await mint({ issuer: `${e.entra.url}/${tid}/` })}`, 'UNAUTHENTICATED', 401, /issuer/);
    });

    it('expired beyond the 5 minutes of skew', async () => {
      await refused(`Bearer ${await mint({ expiresInSeconds: -600 })}`, 'UNAUTHENTICATED', 401, /expired/);
    });

    it('not valid yet beyond the 5 minutes of skew', async () => {
      await refused(`Bearer ${await mint({ notBeforeInSeconds: 600 })}`, 'UNAUTHENTICATED', 401, /not valid yet/);
    });

    it('any token while no client id is configured', async () => {
      const auth = createSsoAuthenticator({ authorityHost: e.entra.url, allowedTenants: [tid] }, { fetch: e.trust.fetch });
      await assert.rejects(auth(`Bearer ${await mint()}`), (err: unknown) => {
        assert.ok(err instanceof AuthError);
        assert.equal(err.code, 'UNAUTHENTICATED');
        assert.match(err.message, /TEAMS_APP_CLIENT_ID/);
        return true;
      });
    });
  });

  describe('refuses with 403 FORBIDDEN', () => {
    it('a token of a tenant that is not allowed', async () => {
      const err = await refused(`Bearer ${await mint({ tenantId: OTHER_TENANT })}`, 'FORBIDDEN', 403, /not allowed/);
      assert.match(err.message, /TEAMS_APP_TENANT_ID/);
      assert.match(err.message, new RegExp(OTHER_TENANT));
    });

    it('every tenant while none is allowed', async () => {
      const auth = createSsoAuthenticator({ authorityHost: e.entra.url, clientId, allowedTenants: [] }, { fetch: e.trust.fetch });
      await assert.rejects(auth(`Bearer ${await mint()}`), { code: 'FORBIDDEN', message: /No tenant is allowed/ });
    });

    it('a token without the access_as_user scope', async () => {
      await refused(`Bearer ${await mint({ scp: 'User.Read' })}`, 'FORBIDDEN', 403, /access_as_user/);
      await refused(`Bearer ${await mint({ scp: '' })}`, 'FORBIDDEN', 403, /access_as_user/);
      // a prefix is not the scope
      await refused(`Bearer ${await mint({ scp: 'access_as_user_not' })}`, 'FORBIDDEN', 403, /access_as_user/);
    });

    it('a token without the admin role, telling where to assign it', async () => {
      const adele = e.fixture.users[1]!;
      await refused(
        `Bearer ${await mint({ userId: adele.id })}`,
        'FORBIDDEN',
        403,
        /does not have the Archiver\.Admin role.*Enterprise applications → Users and groups/,
      );
      await refused(`Bearer ${await mint({ roles: ['Archiver.Reader'] })}`, 'FORBIDDEN', 403, /Archiver\.Admin/);
    });

    it('the configured ADMIN_ROLE, not a fixed name', async () => {
      const auth = createSsoAuthenticator(
        { authorityHost: e.entra.url, clientId, allowedTenants: [tid], adminRole: 'Recordings.Owner' },
        { fetch: e.trust.fetch },
      );
      await assert.rejects(auth(`Bearer ${await mint()}`), { code: 'FORBIDDEN', message: /Recordings\.Owner/ });
      const p = await auth(`Bearer ${await mint({ roles: ['Recordings.Owner'] })}`);
      assert.deepEqual(p.roles, ['Recordings.Owner']);
    });
  });

  describe('when the keys cannot be read', () => {
    it('answers 503 SERVER_BUSY, not 401 or 500: a 5xx from the JWKS endpoint', async () => {
      const auth = createSsoAuthenticator({ authorityHost: e.entra.url, clientId, allowedTenants: [tid] }, { fetch: e.trust.fetch });
      await e.control(e.entra, 'POST', '/__control/faults', { path: '/common/discovery/v2.0/keys', status: 503, body: 'unavailable' });
      try {
        const err = await auth(`Bearer ${await mint()}`).then(
          () => assert.fail('accepted'),
          (x: unknown) => x,
        );
        assert.ok(err instanceof AuthError);
        assert.equal(err.code, 'SERVER_BUSY');
        assert.equal(httpStatusFor(err), 503);
        assert.equal(err.retryable, true);
        assert.ok((err.retryAfterMs ?? 0) > 0);
        assert.match(err.message, /could not be read/);
      } finally {
        await e.control(e.entra, 'DELETE', '/__control/faults');
      }
      // once the authority answers again, the same verifier works
      await auth(`Bearer ${await mint()}`);
    });

    it('answers 503 when the authority is unreachable', async () => {
      const auth = createSsoAuthenticator({ authorityHost: 'https://127.0.0.1:9', clientId, allowedTenants: [tid] }, { fetch: e.trust.fetch });
      await assert.rejects(auth(`Bearer ${await mint()}`), { code: 'SERVER_BUSY' });
    });

    it('answers 503 when the sandbox CA is not trusted (TLS trust is what the fetch brings)', async () => {
      const auth = createSsoAuthenticator({ authorityHost: e.entra.url, clientId, allowedTenants: [tid] });
      await assert.rejects(auth(`Bearer ${await mint()}`), { code: 'SERVER_BUSY' });
    });
  });
});

describe('SSO configuration', () => {
  it('derives the api:// URI from PUBLIC_URL and exposes the v1 issuer host', () => {
    const c = loadConfig({ TEAMS_APP_CLIENT_ID: 'cid', PUBLIC_URL: 'https://archiver.contoso.com/', TEAMS_APP_TENANT_ID: ' t1 , t2 ' });
    assert.equal(c.sso.appIdUri, 'api://archiver.contoso.com/cid');
    assert.equal(c.sso.v1IssuerHost, 'https://sts.windows.net');
    assert.deepEqual(c.sso.allowedTenants, ['t1', 't2']);
    const local = loadConfig({ TEAMS_APP_CLIENT_ID: 'cid', PORT: '53000', HOST: 'localhost' });
    assert.equal(local.sso.appIdUri, 'api://localhost:53000/cid');
    assert.equal(loadConfig({}).sso.appIdUri, undefined);
  });

  it('takes SSO_APP_ID_URI and ENTRA_V1_ISSUER_HOST when set, and refuses a non-api:// URI', () => {
    const c = loadConfig({ TEAMS_APP_CLIENT_ID: 'cid', SSO_APP_ID_URI: 'api://tab.contoso.com/cid/', ENTRA_V1_ISSUER_HOST: 'https://sts.chinacloudapi.cn/' });
    assert.equal(c.sso.appIdUri, 'api://tab.contoso.com/cid');
    assert.equal(c.sso.v1IssuerHost, 'https://sts.chinacloudapi.cn');
    assert.throws(() => loadConfig({ SSO_APP_ID_URI: 'https://tab.contoso.com/cid' }), /SSO_APP_ID_URI="https:\/\/tab\.contoso\.com\/cid": must be an api:\/\/ URI/);
  });

  it('production refuses to start without an allowed tenant (blank entries do not count)', () => {
    const env = {
      ARCHIVER_MODE: 'production',
      SECRET_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
      TEAMS_APP_CLIENT_ID: 'client',
      BOT_ID: 'bot',
      BOT_PASSWORD: 'pw',
      PUBLIC_URL: 'https://archiver.contoso.com',
      BOT_TYPE: 'MultiTenant',
    };
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && /needs TEAMS_APP_TENANT_ID/.test(err.message));
    assert.throws(() => loadConfig({ ...env, TEAMS_APP_TENANT_ID: ' , ' }), /needs TEAMS_APP_TENANT_ID/);
    assert.deepEqual(loadConfig({ ...env, TEAMS_APP_TENANT_ID: 'tid-1' }).sso.allowedTenants, ['tid-1']);
  });

  it('clientConfig gives the tab what it needs to sign in, and no secret', () => {
    const sandbox = loadConfig({
      TEAMS_APP_CLIENT_ID: 'cid',
      TEAMS_APP_TENANT_ID: 'tid-1,tid-2',
      ENTRA_AUTHORITY_HOST: 'https://127.0.0.1:4000/',
      BOT_PASSWORD: 'secret-pw',
    });
    assert.deepEqual(clientConfig(sandbox), {
      clientId: 'cid',
      authority: 'https://127.0.0.1:4000',
      tenantId: 'tid-1',
      scope: 'api://127.0.0.1:3978/cid/access_as_user',
      signIn: 'sandbox',
    });
    const prod = { ...sandbox, mode: 'production' as const };
    assert.equal(clientConfig(prod).signIn, 'teams');
    assert.deepEqual(clientConfig(loadConfig({})), {
      clientId: null,
      authority: 'https://login.microsoftonline.com',
      tenantId: null,
      scope: null,
      signIn: 'sandbox',
    });
    assert.ok(!JSON.stringify(clientConfig(sandbox)).includes('secret-pw'));
  });
});
