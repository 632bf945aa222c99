import { randomBytes, randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { sendEmpty, sendJson } from '../emulator/respond.js';
import { Router, type EmulatorRequest } from '../emulator/router.js';
import type { Fixture } from '../fixture/schema.js';
import {
  AuthCodes,
  checkAuthorizeRequest,
  isGrantRefused,
  isLoopbackOrigin,
  isPageError,
  isRedirectError,
  redirectUrl,
  signIdToken,
  signInTenant,
  type AuthorizeRequest,
  type RedirectError,
} from './auth-codes.js';
import { sendErrorPage, sendSignInPage } from './authorize-page.js';
import { checkClientCredentials, isStsError, signAppToken } from './client-credentials.js';
import { Directory, MULTI_TENANT_ALIASES } from './directory.js';
import {
  DEFAULT_MANAGED_IDENTITY_TOKEN_LIFETIME,
  IDENTITY_HEADER_NAME,
  MANAGED_IDENTITY_API_VERSION,
  MANAGED_IDENTITY_PATH,
  checkManagedIdentityRequest,
  isManagedIdentityError,
  managedIdentities,
  signManagedIdentityToken,
} from './managed-identity.js';
import { instanceDiscovery, openIdConfiguration } from './openid-metadata.js';
import { SsoTokenRequest, signSsoToken } from './sso-tokens.js';
import { sendStsError, stsErrors, stsHeaders, type StsError } from './sts-errors.js';
import type { TokenKeys } from './token-keys.js';

/** What the state shows of each token handed out; never the token itself. */
export interface IssuedToken {
  at: string;
  kind: 'app' | 'sso' | 'managed-identity';
  tenantId: string;
  /** the app that asked (client credentials), or the managed identity's client id */
  clientId?: string;
  /** the user it was minted for (SSO) */
  userId?: string;
  userPrincipalName?: string;
  audience: string;
  roles: string[];
  expiresAt: string;
}

export interface RefusedTokenRequest {
  at: string;
  tenant: string;
  clientId?: string;
  error: string;
  errorCode: number;
}

/** A managed identity token request the endpoint refused; the status and text it answered with. */
export interface RefusedManagedIdentityRequest {
  at: string;
  /** client_id, principal_id, object_id or mi_res_id, as asked */
  identity?: string;
  resource?: string;
  status: number;
  message: string;
}

const DEFAULT_APP_TOKEN_LIFETIME = 3599;
const DEFAULT_SSO_TOKEN_LIFETIME = 3600;
const MAX_RECORDS = 1000;

const TokenLifetime = z.object({ seconds: z.number().int().min(1).max(86_400) }).strict();
const IdentityHeader = z.object({ header: z.string().min(1).optional() }).strict();

/** Cache headers login.microsoftonline.com sends with discovery documents. */
const DISCOVERY_HEADERS = { 'cache-control': 'max-age=86400, private', 'access-control-allow-origin': '*' };

/**
 * Entra ID as the app meets it: OpenID discovery and JWKS, the v2.0 token endpoint for client
 * credentials (Graph app tokens, the bot's channel tokens) with the real error bodies, an interactive
 * sign-in (authorization code + PKCE, as a single-page app signs in; the sandbox's browser tab uses it),
 * and, through the control API, Teams SSO tokens for fixture users.
 *
 * It also plays App Service's managed identity endpoint (`GET /msi/token`, see managed-identity.ts),
 * for a bot running as BOT_TYPE=UserAssignedMsi: the app's IDENTITY_ENDPOINT and IDENTITY_HEADER are
 * what `GET /__control/managed-identity` answers. The header is `identityHeader` if given, else random
 * per emulator (App Service rotates it); it stays out of the state, like secrets.
 */
export function createEntraEmulator(deps: { keys: TokenKeys; identityHeader?: string }): EmulatorBehaviour {
  const { keys } = deps;
  let directory: Directory | undefined;
  let appTokenLifetime = DEFAULT_APP_TOKEN_LIFETIME;
  let managedIdentityTokenLifetime = DEFAULT_MANAGED_IDENTITY_TOKEN_LIFETIME;
  let identityHeader = deps.identityHeader ?? randomBytes(16).toString('hex').toUpperCase();
  const issued: IssuedToken[] = [];
  const refused: RefusedTokenRequest[] = [];
  const counts = { app: 0, sso: 0, refused: 0 };
  const managedIdentity = { issued: 0, refused: [] as RefusedManagedIdentityRequest[] };
  const codes = new AuthCodes();

  const dir = (): Directory => {
    if (!directory) throw new Error('the Entra emulator has no fixture loaded');
    return directory;
  };
  const remember = <T>(list: T[], item: T): void => {
    list.push(item);
    if (list.length > MAX_RECORDS) list.splice(0, list.length - MAX_RECORDS);
  };

  const routes = new Router()
    // App Service's local token service (IDENTITY_ENDPOINT), for a managed identity
    .get(MANAGED_IDENTITY_PATH, async (req, res) => {
      const correlationId = randomUUID();
      const result = checkManagedIdentityRequest(dir(), {
        query: req.query,
        identityHeader: headerValue(req, IDENTITY_HEADER_NAME),
        expectedHeader: identityHeader,
      });
      // the service is Kestrel: JSON bodies, its correlation id in a header as well
      const headers = { 'x-correlation-id': correlationId, 'cache-control': 'no-store, no-cache' };
      if (isManagedIdentityError(result)) {
        const asked = ['client_id', 'principal_id', 'object_id', 'mi_res_id'].map((n) => req.query.get(n)).find(Boolean);
        remember(managedIdentity.refused, {
          at: new Date().toISOString(),
          ...(asked ? { identity: asked } : {}),
          ...(req.query.get('resource') ? { resource: req.query.get('resource')! } : {}),
          status: result.status,
          message: result.message,
        });
        sendJson(res, result.status, { statusCode: result.status, message: result.message, correlationId }, headers);
        return;
      }
      const { token, expiresOn } = await signManagedIdentityToken(keys, result, managedIdentityTokenLifetime);
      managedIdentity.issued += 1;
      remember(issued, {
        at: new Date().toISOString(),
        kind: 'managed-identity',
        tenantId: result.identity.tenant.id,
        clientId: result.identity.clientId,
        audience: result.resource,
        roles: result.roles,
        expiresAt: new Date(expiresOn * 1000).toISOString(),
      });
      sendJson(
        res,
        200,
        {
          access_token: token,
          expires_on: String(expiresOn),
          resource: result.resource,
          token_type: 'Bearer',
          client_id: result.identity.clientId,
        },
        headers,
      );
    })
    .get('/common/discovery/instance', (req, res) => {
      sendJson(res, 200, instanceDiscovery(origin(req), req.query.get('authorization_endpoint')), DISCOVERY_HEADERS);
    })
    .get('/:tenant/v2.0/.well-known/openid-configuration', (req, res) => {
      const segment = req.params.tenant!;
      const tenant = dir().tenant(segment);
      if (!tenant && !isMultiTenantAlias(segment)) {
        sendStsError(res, stsErrors.unknownTenant(segment), { origin: origin(req), extraHeaders: DISCOVERY_HEADERS });
        return;
      }
      sendJson(res, 200, openIdConfiguration(origin(req), segment, tenant?.id), DISCOVERY_HEADERS);
    })
    .get('/:tenant/discovery/v2.0/keys', (req, res) => sendKeys(req, res))
    .get('/:tenant/discovery/keys', (req, res) => sendKeys(req, res))
    .get('/:tenant/oauth2/v2.0/authorize', (req, res) => authorize(req, res, req.query))
    .post('/:tenant/oauth2/v2.0/authorize', async (req, res) => authorize(req, res, new URLSearchParams(await req.text())))
    // the browser's CORS preflight for a single-page app's code redemption
    .add('OPTIONS', '/:tenant/oauth2/v2.0/token', (req, res) => {
      const cors = corsHeaders(req);
      sendEmpty(res, 204, {
        ...cors,
        ...(cors['access-control-allow-origin']
          ? {
              'access-control-allow-methods': 'POST, OPTIONS',
              'access-control-allow-headers': headerValue(req, 'access-control-request-headers') ?? 'content-type',
              'access-control-max-age': '86400',
            }
          : {}),
      });
    })
    .post('/:tenant/oauth2/v2.0/token', async (req, res) => {
      const segment = req.params.tenant!;
      const clientRequestId = headerValue(req, 'client-request-id');
      const form = new URLSearchParams(await req.text());
      if (form.get('grant_type') === 'authorization_code') {
        await redeemCode(req, res, segment, form, clientRequestId);
        return;
      }
      const result = checkClientCredentials(dir(), { tenant: segment, form, authorization: headerValue(req, 'authorization') });
      if (isStsError(result)) {
        counts.refused += 1;
        remember(refused, {
          at: new Date().toISOString(),
          tenant: segment,
          ...(form.get('client_id') ? { clientId: form.get('client_id')! } : {}),
          error: result.error,
          errorCode: result.code,
        });
        sendStsError(res, result, { origin: origin(req), clientRequestId });
        return;
      }
      const accessToken = await signAppToken(keys, result, appTokenLifetime);
      counts.app += 1;
      remember(issued, {
        at: new Date().toISOString(),
        kind: 'app',
        tenantId: result.tenant.id,
        clientId: result.app.clientId,
        audience: result.audience,
        roles: result.roles,
        expiresAt: new Date(Date.now() + appTokenLifetime * 1000).toISOString(),
      });
      sendJson(
        res,
        200,
        { token_type: 'Bearer', expires_in: appTokenLifetime, ext_expires_in: appTokenLifetime, access_token: accessToken },
        stsHeaders(randomUUID(), clientRequestId ?? randomUUID()),
      );
    });

  const controlRoutes = new Router()
    .post('/__control/tokens', async (req, res) => {
      const body = SsoTokenRequest.parse(await req.json());
      const d = dir();
      const user = body.userId === undefined ? d.fixture.users[0] : d.user(body.userId);
      if (!user) {
        sendJson(res, 404, {
          error: `no user '${body.userId}' in the fixture; known: ${d.fixture.users.map((u) => u.id).join(', ')}`,
        });
        return;
      }
      const expiresInSeconds = body.expiresInSeconds ?? DEFAULT_SSO_TOKEN_LIFETIME;
      const { token, claims } = await signSsoToken(keys, {
        user,
        tenantId: body.tenantId ?? d.fixture.tenant.id,
        origin: origin(req),
        audience: body.audience ?? d.fixture.teamsApp.clientId,
        roles: body.roles ?? user.appRoles,
        scp: body.scp ?? 'access_as_user',
        expiresInSeconds,
        version: body.version ?? 2,
        ...(body.issuer !== undefined ? { issuer: body.issuer } : {}),
        ...(body.notBeforeInSeconds !== undefined ? { notBeforeInSeconds: body.notBeforeInSeconds } : {}),
      });
      counts.sso += 1;
      remember(issued, {
        at: new Date().toISOString(),
        kind: 'sso',
        tenantId: claims.tid as string,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        audience: claims.aud as string,
        roles: (claims.roles as string[] | undefined) ?? [],
        expiresAt: new Date((claims.exp as number) * 1000).toISOString(),
      });
      sendJson(res, 200, { token, claims });
    })
    // lets tests exercise the app's token renewal without waiting an hour (managed identity tokens too)
    .post('/__control/token-lifetime', async (req, res) => {
      appTokenLifetime = managedIdentityTokenLifetime = TokenLifetime.parse(await req.json()).seconds;
      sendJson(res, 200, { appTokenLifetimeSeconds: appTokenLifetime, managedIdentityTokenLifetimeSeconds: managedIdentityTokenLifetime });
    })
    // what App Service puts in the app's environment for its managed identity
    .get('/__control/managed-identity', (req, res) => {
      sendJson(res, 200, managedIdentityEnvironment(req));
    })
    // a new IDENTITY_HEADER (App Service rotates it; the old one is refused from now on), given or random
    .post('/__control/managed-identity/rotate', async (req, res) => {
      const text = await req.text();
      identityHeader = (text ? IdentityHeader.parse(JSON.parse(text)).header : undefined) ?? randomBytes(16).toString('hex').toUpperCase();
      sendJson(res, 200, managedIdentityEnvironment(req));
    });

  function managedIdentityEnvironment(req: EmulatorRequest): unknown {
    return {
      IDENTITY_ENDPOINT: `${origin(req)}${MANAGED_IDENTITY_PATH}`,
      IDENTITY_HEADER: identityHeader,
      apiVersion: MANAGED_IDENTITY_API_VERSION,
      identities: managedIdentities(dir()).map((i) => ({ clientId: i.clientId, principalId: i.principalId, resourceId: i.resourceId })),
    };
  }

  /** `/authorize`: the sign-in page (GET), the chosen user (POST), or Entra's error page or redirect. */
  async function authorize(req: EmulatorRequest, res: Parameters<typeof sendJson>[0], params: URLSearchParams): Promise<void> {
    const d = dir();
    const checked = checkAuthorizeRequest(d, req.params.tenant!, params);
    if (isPageError(checked)) {
      sendErrorPage(res, checked.error, { traceId: randomUUID(), correlationId: headerValue(req, 'client-request-id') ?? randomUUID() });
      return;
    }
    if (isRedirectError(checked)) {
      sendRedirectError(res, checked);
      return;
    }
    const request: AuthorizeRequest = checked;
    const toRedirect = (error: string, description: string): RedirectError => ({
      kind: 'redirect',
      redirectUri: request.redirectUri,
      responseMode: request.responseMode,
      ...(request.state !== undefined ? { state: request.state } : {}),
      error,
      description,
    });
    let userId: string | undefined;
    if (req.method === 'POST') {
      if (params.get('cancel')) {
        sendRedirectError(res, toRedirect('access_denied', 'AADSTS65004: User declined to consent to access the app.'));
        return;
      }
      userId = params.get('user') ?? undefined;
    } else if (request.prompt === 'none') {
      // no session cookies here: a silent request signs in the user login_hint names, or no one
      userId = request.loginHint;
      if (!userId || !request.tenant.users.some((u) => u.userPrincipalName.toLowerCase() === userId!.toLowerCase())) {
        sendRedirectError(res, toRedirect('login_required', 'AADSTS50058: A silent sign-in request was sent but no user is signed in.'));
        return;
      }
    }
    if (userId === undefined) {
      const appName = d.fixture.teamsApp.clientId.toLowerCase() === request.clientId.toLowerCase() ? 'Teams Recording Archiver for Kaltura' : request.clientId;
      sendSignInPage(res, { action: req.path, params, request, appName });
      return;
    }
    const key = userId.toLowerCase();
    const user = request.tenant.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
    if (!user) {
      sendErrorPage(res, { status: 400, error: 'invalid_request', code: 50034, message: `The user account ${userId} does not exist in the ${request.tenant.displayName} directory.` }, {
        traceId: randomUUID(),
        correlationId: randomUUID(),
      });
      return;
    }
    const code = codes.issue(request, user);
    res.writeHead(302, { location: redirectUrl(request.redirectUri, request.responseMode, { code, state: request.state }), 'cache-control': 'no-store, no-cache' });
    res.end();
  }

  function sendRedirectError(res: Parameters<typeof sendJson>[0], e: RedirectError): void {
    const location = redirectUrl(e.redirectUri, e.responseMode, { error: e.error, error_description: e.description, state: e.state });
    res.writeHead(302, { location, 'cache-control': 'no-store, no-cache' });
    res.end();
  }

  /** `grant_type=authorization_code`: the SPA redeems its code (with the PKCE verifier) for the user's tokens. */
  async function redeemCode(
    req: EmulatorRequest,
    res: Parameters<typeof sendJson>[0],
    segment: string,
    form: URLSearchParams,
    clientRequestId: string | undefined,
  ): Promise<void> {
    const cors = corsHeaders(req);
    const refuse = (err: StsError): void => {
      counts.refused += 1;
      remember(refused, {
        at: new Date().toISOString(),
        tenant: segment,
        ...(form.get('client_id') ? { clientId: form.get('client_id')! } : {}),
        error: err.error,
        errorCode: err.code,
      });
      sendStsError(res, err, { origin: origin(req), clientRequestId, extraHeaders: cors });
    };
    const d = dir();
    const tenant = signInTenant(d, segment);
    if (!tenant) return refuse(stsErrors.unknownTenant(segment));
    const grant = codes.redeem(tenant, form);
    if (isGrantRefused(grant)) return refuse(grant);
    const lifetime = DEFAULT_SSO_TOKEN_LIFETIME;
    const { token, claims } = await signSsoToken(keys, {
      user: grant.user,
      tenantId: grant.tenant.id,
      origin: origin(req),
      audience: grant.clientId,
      roles: grant.user.appRoles,
      scp: 'access_as_user',
      expiresInSeconds: lifetime,
      version: 2,
      clientAppId: grant.clientId,
    });
    const idToken = await signIdToken(keys, { origin: origin(req), grant, lifetimeSeconds: lifetime });
    counts.sso += 1;
    remember(issued, {
      at: new Date().toISOString(),
      kind: 'sso',
      tenantId: grant.tenant.id,
      clientId: grant.clientId,
      userId: grant.user.id,
      userPrincipalName: grant.user.userPrincipalName,
      audience: claims.aud as string,
      roles: (claims.roles as string[] | undefined) ?? [],
      expiresAt: new Date((claims.exp as number) * 1000).toISOString(),
    });
    sendJson(
      res,
      200,
      {
        token_type: 'Bearer',
        scope: grant.resourceScopes.join(' '),
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: token,
        id_token: idToken,
      },
      { ...stsHeaders(randomUUID(), clientRequestId ?? randomUUID()), ...cors },
    );
  }

  function sendKeys(req: EmulatorRequest, res: Parameters<typeof sendJson>[0]): void {
    const segment = req.params.tenant!;
    if (!dir().tenant(segment) && !isMultiTenantAlias(segment)) {
      sendStsError(res, stsErrors.unknownTenant(segment), { origin: origin(req), extraHeaders: DISCOVERY_HEADERS });
      return;
    }
    sendJson(res, 200, keys.jwks(), DISCOVERY_HEADERS);
  }

  return {
    name: 'entra',
    routes,
    controlRoutes,
    load(fixture: Fixture) {
      directory = new Directory(fixture);
      codes.clear();
      appTokenLifetime = DEFAULT_APP_TOKEN_LIFETIME;
      managedIdentityTokenLifetime = DEFAULT_MANAGED_IDENTITY_TOKEN_LIFETIME;
      issued.length = 0;
      refused.length = 0;
      counts.app = counts.sso = counts.refused = 0;
      managedIdentity.issued = 0;
      managedIdentity.refused.length = 0;
    },
    state: () => entraState(dir(), { appTokenLifetime, counts, issued, refused, managedIdentity: { ...managedIdentity, lifetime: managedIdentityTokenLifetime } }),
    internalError(_req, res, err) {
      sendJson(res, 500, { error: 'server_error', error_description: `Entra emulator failure: ${err.message}` });
    },
  };
}

function entraState(
  d: Directory,
  s: {
    appTokenLifetime: number;
    counts: Record<string, number>;
    issued: IssuedToken[];
    refused: RefusedTokenRequest[];
    managedIdentity: { issued: number; refused: RefusedManagedIdentityRequest[]; lifetime: number };
  },
): unknown {
  const now = Date.now();
  return {
    tenants: d.tenants.map((t) => ({ id: t.id, domain: t.domain, displayName: t.displayName })),
    teamsApp: { clientId: d.fixture.teamsApp.clientId, botId: d.fixture.teamsApp.botId },
    // secret values stay out: state is shown in the sandbox UI and copied into bug reports
    registrations: d.fixture.appRegistrations.map((r) => ({
      clientId: r.clientId,
      displayName: r.displayName,
      permissions: r.permissions,
      applicationAccessPolicy: r.applicationAccessPolicy,
      secrets: r.secrets.map((sec) => ({ expiresAt: sec.expiresAt, expired: Date.parse(sec.expiresAt) <= now })),
    })),
    appTokenLifetimeSeconds: s.appTokenLifetime,
    counts: { ...s.counts },
    issued: [...s.issued],
    refused: [...s.refused],
    // the IDENTITY_HEADER stays out, like secrets: GET /__control/managed-identity tells it
    managedIdentity: {
      path: MANAGED_IDENTITY_PATH,
      apiVersion: MANAGED_IDENTITY_API_VERSION,
      identities: managedIdentities(d).map((i) => ({ clientId: i.clientId, principalId: i.principalId, resourceId: i.resourceId })),
      tokenLifetimeSeconds: s.managedIdentity.lifetime,
      issued: s.managedIdentity.issued,
      refused: [...s.managedIdentity.refused],
    },
  };
}

function isMultiTenantAlias(segment: string): boolean {
  return (MULTI_TENANT_ALIASES as readonly string[]).includes(segment.toLowerCase());
}

/** The emulator's own authority as the caller reached it; the port is chosen at start. */
function origin(req: EmulatorRequest): string {
  const scheme = (req.raw.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? '127.0.0.1'}`;
}

/** Entra answers CORS for a single-page app's registered origins; the emulator, for any loopback one. */
function corsHeaders(req: EmulatorRequest): Record<string, string> {
  const from = headerValue(req, 'origin');
  if (!isLoopbackOrigin(from)) return {};
  return {
    'access-control-allow-origin': from,
    'access-control-expose-headers': 'client-request-id, x-ms-request-id',
    vary: 'Origin',
  };
}

function headerValue(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
