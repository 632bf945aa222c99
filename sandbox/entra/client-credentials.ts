import { randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import type { TokenKeys } from './token-keys.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE, derivedGuid, type Directory, type DirectoryApp, type DirectoryTenant } from './directory.js';
import { stsErrors, type StsError } from './sts-errors.js';

/** The parameters of a client-credentials request, from the form body and (optionally) HTTP Basic auth. */
export interface ClientCredentialsRequest {
  tenant: string;
  form: URLSearchParams;
  authorization?: string;
}

export interface AppTokenGrant {
  tenant: DirectoryTenant;
  app: DirectoryApp;
  /** the `aud` claim: the resource as the caller named it */
  audience: string;
  roles: string[];
}

/** OIDC scopes msal may append; they never select a resource. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/**
 * Checks a client-credentials request in the order Entra ID does: tenant, request shape, client,
 * credential, then scope. Returns the grant or the STS error to answer with.
 */
export function checkClientCredentials(directory: Directory, req: ClientCredentialsRequest): AppTokenGrant | StsError {
  const tenant = directory.tenant(req.tenant);
  if (!tenant) return stsErrors.unknownTenant(req.tenant);

  const basic = parseBasic(req.authorization);
  const clientId = req.form.get('client_id') ?? basic?.id;
  const secret = req.form.get('client_secret') ?? basic?.secret;
  const grantType = req.form.get('grant_type');
  const scope = req.form.get('scope');
  if (!grantType) return stsErrors.missingParameter('grant_type');
  if (grantType !== 'client_credentials') return stsErrors.unsupportedGrantType(grantType);
  if (!clientId) return stsErrors.missingParameter('client_id');
  if (!scope) return stsErrors.missingParameter('scope');

  const app = directory.app(tenant, clientId);
  if (!app) return stsErrors.unknownClient(clientId, tenant.displayName);
  if (!secret) return stsErrors.missingSecret();
  const matching = app.secrets.filter((s) => sameSecret(s.value, secret));
  if (matching.length === 0) return stsErrors.invalidSecret(app.clientId);
  if (!matching.some((s) => Date.parse(s.expiresAt) > Date.now())) return stsErrors.expiredSecret(app.clientId);

  const resourceScopes = scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  // client credentials take exactly one `{resource}/.default`
  if (resourceScopes.length !== 1 || !resourceScopes[0]!.toLowerCase().endsWith('/.default')) {
    return stsErrors.invalidScope(resourceScopes.join(' ') || scope);
  }
  const audience = resourceScopes[0]!.slice(0, -'/.default'.length).replace(/\/+$/, '');
  const resource = audience.toLowerCase() === GRAPH_APP_ID ? GRAPH_RESOURCE : audience.toLowerCase();
  const grantKey = [...app.grants.keys()].find((r) => r.toLowerCase() === resource);
  if (grantKey === undefined) return stsErrors.unknownResource(audience, tenant.displayName);
  return { tenant, app, audience, roles: app.grants.get(grantKey) ?? [] };
}

export function isStsError(x: AppTokenGrant | StsError): x is StsError {
  return 'code' in x && 'error' in x;
}

/**
 * A v1.0 app-only access token, as Entra ID issues for Graph and the Bot Framework. `roles` is left out
 * when nothing is granted: real tokens omit it rather than send an empty array.
 */
export async function signAppToken(keys: TokenKeys, grant: AppTokenGrant, lifetimeSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const tid = grant.tenant.id;
  const oid = derivedGuid('service-principal', tid, grant.app.clientId.toLowerCase());
  const claims: Record<string, unknown> = {
    aud: grant.audience,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
    app_displayname: grant.app.displayName,
    appid: grant.app.clientId,
    appidacr: '1',
    idp: `https://sts.windows.net/${tid}/`,
    idtyp: 'app',
    oid,
    ...(grant.roles.length > 0 ? { roles: grant.roles } : {}),
    sub: oid,
    tid,
    uti: randomUUID().replace(/-/g, ''),
    ver: '1.0',
  };
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: keys.kid, kid: keys.kid }).sign(keys.privateKey);
}

function parseBasic(authorization: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64
  const decode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
