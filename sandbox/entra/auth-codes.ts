import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FixtureUser } from '../fixture/schema.js';
import { derivedGuid, MULTI_TENANT_ALIASES, type Directory, type DirectoryTenant } from './directory.js';
import { stsErrors, type StsError } from './sts-errors.js';
import type { TokenKeys } from './token-keys.js';

/**
 * The authorization code grant with PKCE, as a single-page app uses it against Entra ID v2.0: the
 * checks of `/authorize` (which answer with an error page or an error redirect, as Entra does) and the
 * redemption of codes at `/token`. Codes are single-use and live 10 minutes.
 *
 * The error codes 700016, 50011, 70005, 9002325, 501491, 54005, 70008, 501481, 500112, 700005, 65004 and
 * 50058 are the service's well-known ones; their texts are not backed by a capture in the reference.
 */

export const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** The one scope the Teams app's API exposes. */
const SSO_SCOPE_NAME = 'access_as_user';

/** OIDC scopes that ask for an id token or a refresh token, never for an API. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface AuthorizeRequest {
  tenant: DirectoryTenant;
  clientId: string;
  redirectUri: string;
  /** the scopes as asked; `resourceScopes` are those naming the app's API */
  scope: string;
  resourceScopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: 'query' | 'fragment';
  loginHint?: string;
  prompt?: string;
}

/** A refusal shown on Entra's own error page: the redirect URI cannot be trusted with it. */
export interface PageError {
  kind: 'page';
  error: StsError;
}

/** A refusal sent back to the (trusted) redirect URI as `error` and `error_description`. */
export interface RedirectError {
  kind: 'redirect';
  redirectUri: string;
  responseMode: 'query' | 'fragment';
  state?: string;
  error: string;
  description: string;
}

/** The SPA redirect URIs the emulator accepts: any loopback origin, since the app's port is chosen at start. */
export function isLoopbackRedirect(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname) && u.hash === '' && !u.username;
}

/** An `Origin` header of a loopback page: the ones the token endpoint answers CORS for. */
export function isLoopbackOrigin(origin: string | undefined): origin is string {
  if (!origin) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname) && u.origin === origin;
  } catch {
    return false;
  }
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/** The tenant a path segment names; `common` and `organizations` sign users into the fixture's tenant. */
export function signInTenant(directory: Directory, segment: string): DirectoryTenant | undefined {
  const alias = (MULTI_TENANT_ALIASES as readonly string[]).includes(segment.toLowerCase()) && segment.toLowerCase() !== 'consumers';
  return directory.tenant(alias ? directory.fixture.tenant.id : segment);
}

/**
 * Checks an authorization request in Entra's order: tenant, client, redirect URI (all on the error
 * page), then response type, PKCE and scope (sent to the redirect URI).
 */
export function checkAuthorizeRequest(
  directory: Directory,
  tenantSegment: string,
  params: URLSearchParams,
): AuthorizeRequest | PageError | RedirectError {
  const page = (error: StsError): PageError => ({ kind: 'page', error });
  const tenant = signInTenant(directory, tenantSegment);
  if (!tenant) return page(stsErrors.unknownTenant(tenantSegment));
  const clientId = params.get('client_id');
  if (!clientId) return page(stsErrors.missingParameter('client_id'));
  const app = directory.app(tenant, clientId);
  if (!app) return page(stsErrors.unknownClient(clientId, tenant.displayName));
  const redirectUri = params.get('redirect_uri') ?? '';
  // only the Teams app's own registration is a single-page app with (loopback) redirect URIs
  const isSpa = app.clientId.toLowerCase() === directory.fixture.teamsApp.clientId.toLowerCase();
  if (!isSpa || !isLoopbackRedirect(redirectUri)) return page(redirectMismatch(redirectUri, app.clientId));

  const responseMode = params.get('response_mode') === 'fragment' ? 'fragment' : 'query';
  const state = params.get('state') ?? undefined;
  const redirect = (error: string, description: string): RedirectError => ({
    kind: 'redirect',
    redirectUri,
    responseMode,
    ...(state !== undefined ? { state } : {}),
    error,
    description,
  });
  const responseType = params.get('response_type');
  if (!responseType) return redirect('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'response_type'.");
  if (responseType !== 'code') {
    return redirect('unsupported_response_type', `AADSTS70005: response_type '${responseType}' is not enabled for the application; a single-page app uses 'code'.`);
  }
  const codeChallenge = params.get('code_challenge');
  if (!codeChallenge) {
    return redirect('invalid_request', 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.');
  }
  const method = params.get('code_challenge_method') ?? 'plain';
  if (method !== 'S256') {
    return redirect('invalid_request', `AADSTS501491: The code_challenge_method '${method}' is not supported by the emulator; use S256.`);
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
    return redirect('invalid_request', 'AADSTS501491: The code_challenge must be the base64url SHA-256 of the code_verifier (43 characters).');
  }
  const scope = params.get('scope');
  if (!scope) return redirect('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  const resourceScopes = scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  const ownScope = (s: string) => isOwnApiScope(s, app.clientId);
  if (resourceScopes.length === 0 || !resourceScopes.every(ownScope)) {
    const e = stsErrors.invalidScope(resourceScopes.filter((s) => !ownScope(s)).join(' ') || scope);
    return redirect(e.error, `AADSTS${e.code}: ${e.message} The emulator issues tokens for the Teams app's own API only (api://{domain}/${app.clientId}/${SSO_SCOPE_NAME}).`);
  }
  return {
    tenant,
    clientId: app.clientId,
    redirectUri,
    scope,
    resourceScopes,
    ...(state !== undefined ? { state } : {}),
    ...(params.get('nonce') ? { nonce: params.get('nonce')! } : {}),
    codeChallenge,
    responseMode,
    ...(params.get('login_hint') ? { loginHint: params.get('login_hint')! } : {}),
    ...(params.get('prompt') ? { prompt: params.get('prompt')! } : {}),
  };
}

export function isRedirectError(x: unknown): x is RedirectError {
  return (x as RedirectError).kind === 'redirect';
}
export function isPageError(x: unknown): x is PageError {
  return (x as PageError).kind === 'page';
}

/** `{clientId}/access_as_user` or `api://{anything}/{clientId}/access_as_user`. */
function isOwnApiScope(scope: string, clientId: string): boolean {
  const s = scope.toLowerCase();
  const suffix = `/${SSO_SCOPE_NAME}`.toLowerCase();
  if (!s.endsWith(suffix)) return false;
  const resource = s.slice(0, -suffix.length);
  const id = clientId.toLowerCase();
  return resource === id || (resource.startsWith('api://') && resource.endsWith(`/${id}`));
}

export function redirectMismatch(redirectUri: string, clientId: string): StsError {
  return {
    status: 400,
    error: 'invalid_request',
    code: 50011,
    message: `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. (The emulator accepts http(s) redirect URIs on 127.0.0.1, localhost and [::1] for the Teams app.)`,
  };
}

/** The URL the browser is sent back to, with the parameters in the query or the fragment. */
export function redirectUrl(redirectUri: string, responseMode: 'query' | 'fragment', params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (responseMode === 'fragment') {
    url.hash = new URLSearchParams(entries).toString();
  } else {
    for (const [k, v] of entries) url.searchParams.set(k, v);
  }
  return url.toString();
}

export interface CodeGrant {
  tenant: DirectoryTenant;
  user: FixtureUser;
  clientId: string;
  redirectUri: string;
  resourceScopes: string[];
  scope: string;
  nonce?: string;
  codeChallenge: string;
  expiresAt: number;
}

const invalidGrant = (code: number, message: string): StsError => ({ status: 400, error: 'invalid_grant', code, message });

/** Single-use authorization codes, held in memory; a fixture load forgets them. */
export class AuthCodes {
  private readonly codes = new Map<string, CodeGrant & { redeemed: boolean }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(request: AuthorizeRequest, user: FixtureUser): string {
    this.sweep();
    const code = `1.A${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, {
      tenant: request.tenant,
      user,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      resourceScopes: request.resourceScopes,
      scope: request.scope,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      codeChallenge: request.codeChallenge,
      expiresAt: this.now() + CODE_LIFETIME_MS,
      redeemed: false,
    });
    return code;
  }

  /** Checks a `grant_type=authorization_code` request; the code is used up only when it succeeds. */
  redeem(tenant: DirectoryTenant, form: URLSearchParams): CodeGrant | StsError {
    const code = form.get('code');
    const clientId = form.get('client_id');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!code) return stsErrors.missingParameter('code');
    if (!clientId) return stsErrors.missingParameter('client_id');
    if (!redirectUri) return stsErrors.missingParameter('redirect_uri');
    const grant = this.codes.get(code);
    if (!grant) return invalidGrant(9002313, 'Invalid request. Request is malformed or invalid: the authorization code is not one this service issued.');
    if (grant.redeemed) {
      return invalidGrant(54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (grant.expiresAt <= this.now()) {
      return invalidGrant(70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (grant.tenant.id !== tenant.id) return invalidGrant(700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.');
    if (grant.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return invalidGrant(70000, `The authorization code was issued to another application than '${clientId}'.`);
    }
    if (grant.redirectUri !== redirectUri) {
      return invalidGrant(500112, `The reply address '${redirectUri}' does not match the reply address '${grant.redirectUri}' provided when requesting Authorization code.`);
    }
    if (!verifier || pkceChallenge(verifier) !== grant.codeChallenge) {
      return invalidGrant(501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    grant.redeemed = true;
    return grant;
  }

  clear(): void {
    this.codes.clear();
  }

  /** redeemed codes are kept until they expire, so reuse is told apart from nonsense */
  private sweep(): void {
    const now = this.now();
    for (const [code, g] of this.codes) if (g.expiresAt <= now) this.codes.delete(code);
  }
}

export function isGrantRefused(x: CodeGrant | StsError): x is StsError {
  return 'error' in x && 'code' in x;
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The v2.0 id token of the signed-in user for the SPA (`aud` = its client id). */
export async function signIdToken(
  keys: TokenKeys,
  input: { origin: string; grant: CodeGrant; lifetimeSeconds: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { grant } = input;
  const claims: Record<string, unknown> = {
    aud: grant.clientId,
    iss: `${input.origin}/${grant.tenant.id}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + input.lifetimeSeconds,
    name: grant.user.displayName,
    ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    oid: grant.user.id,
    preferred_username: grant.user.userPrincipalName,
    sub: derivedGuid('pairwise-sub', grant.clientId, grant.user.id).replace(/-/g, ''),
    tid: grant.tenant.id,
    uti: randomUUID().replace(/-/g, ''),
    ver: '2.0',
  };
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid }).sign(keys.privateKey);
}
