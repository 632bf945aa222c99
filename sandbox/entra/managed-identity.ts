import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { BOT_FRAMEWORK_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE, derivedGuid, type Directory, type DirectoryTenant } from './directory.js';
import type { TokenKeys } from './token-keys.js';

/**
 * App Service's managed identity endpoint (the local token service behind IDENTITY_ENDPOINT), as its
 * REST protocol is documented ("Use managed identities for App Service and Azure Functions", REST
 * endpoint reference) and as msal-node's AppService source calls it:
 *
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource={resource}&client_id={id}
 *   X-IDENTITY-HEADER: {IDENTITY_HEADER}
 *
 * A user-assigned identity is chosen by exactly one of client_id, principal_id (object_id is its
 * alias) or mi_res_id; with none, the system-assigned identity is meant. The answer is
 * `{ access_token, expires_on, resource, token_type, client_id }`, `expires_on` in epoch seconds as a
 * string (the shape Azure SDKs record from the service).
 *
 * On App Service the endpoint is plain http on localhost; here it is a route of the Entra emulator,
 * which is served over the sandbox's HTTPS (msal-node takes any URL in IDENTITY_ENDPOINT and sends the
 * request through the app's network client, which trusts the sandbox CA).
 */
export const MANAGED_IDENTITY_PATH = '/msi/token';
export const MANAGED_IDENTITY_API_VERSION = '2019-08-01';
export const IDENTITY_HEADER_NAME = 'x-identity-header';
/** Managed identity tokens are valid for 24 hours (msal-node renews them at half their lifetime). */
export const DEFAULT_MANAGED_IDENTITY_TOKEN_LIFETIME = 86_399;

/** The user-assigned identity the emulated App Service has: the bot's (BOT_TYPE=UserAssignedMsi, BOT_ID = its client id). */
export interface ManagedIdentity {
  clientId: string;
  /** the identity's service principal (object id): `principal_id` / `object_id`, and the token's `oid` */
  principalId: string;
  /** its Azure resource id: `mi_res_id`, and the token's `xms_mirid` */
  resourceId: string;
  tenant: DirectoryTenant;
}

export interface ManagedIdentityGrant {
  identity: ManagedIdentity;
  /** the `aud` claim and the answer's `resource`: the resource as the caller named it */
  resource: string;
  roles: string[];
}

/**
 * A refusal, in the body App Service's token service answers with: `{ statusCode, message,
 * correlationId }`. The unknown-identity text is the service's own (captured in azure-sdk-for-net#43691
 * and several msal issues); that a wrong or missing X-IDENTITY-HEADER gets a 401 is what Azure SDK
 * users report (azure-sdk-for-js#11595), its text is the emulator's. The other texts are the emulator's
 * too: Microsoft documents none of these answers.
 */
export interface ManagedIdentityError {
  status: number;
  message: string;
}

export const managedIdentityErrors = {
  badHeader: (): ManagedIdentityError => ({
    status: 401,
    message: 'The X-IDENTITY-HEADER header is missing or does not match the IDENTITY_HEADER of this app.',
  }),
  unsupportedApiVersion: (version: string | null): ManagedIdentityError => ({
    status: 400,
    message: version
      ? `The api-version '${version}' is not supported; use '${MANAGED_IDENTITY_API_VERSION}'.`
      : `The query parameter 'api-version' is required; use '${MANAGED_IDENTITY_API_VERSION}'.`,
  }),
  missingResource: (): ManagedIdentityError => ({ status: 400, message: "The query parameter 'resource' is required." }),
  ambiguousIdentity: (): ManagedIdentityError => ({
    status: 400,
    message: 'Only one of client_id, principal_id, object_id and mi_res_id may be given.',
  }),
  unknownIdentity: (): ManagedIdentityError => ({ status: 400, message: 'Unable to load the proper Managed Identity.' }),
  // what Entra ID answers the token service, passed on
  unknownResource: (resource: string, tenantName: string): ManagedIdentityError => ({
    status: 400,
    message: `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
} as const;

/** The identities assigned to the emulated App Service: the bot's user-assigned one, in the fixture's tenant. No system-assigned identity. */
export function managedIdentities(directory: Directory): ManagedIdentity[] {
  const tenant = directory.tenant(directory.fixture.tenant.id)!;
  const clientId = directory.fixture.teamsApp.botId;
  const subscription = derivedGuid('subscription', tenant.id);
  return [
    {
      clientId,
      // the same object id the bot's client-credentials tokens carry: one service principal
      principalId: derivedGuid('service-principal', tenant.id, clientId.toLowerCase()),
      resourceId: `/subscriptions/${subscription}/resourcegroups/sandbox/providers/Microsoft.ManagedIdentity/userAssignedIdentities/teams-recording-archiver-bot`,
      tenant,
    },
  ];
}

export interface ManagedIdentityRequest {
  query: URLSearchParams;
  /** the X-IDENTITY-HEADER the caller sent */
  identityHeader: string | undefined;
  /** the IDENTITY_HEADER the platform gave the app */
  expectedHeader: string;
}

/** Checks a token request: api-version, the secret header, the resource, then which identity. */
export function checkManagedIdentityRequest(directory: Directory, req: ManagedIdentityRequest): ManagedIdentityGrant | ManagedIdentityError {
  const version = req.query.get('api-version');
  if (version !== MANAGED_IDENTITY_API_VERSION) return managedIdentityErrors.unsupportedApiVersion(version);
  if (req.identityHeader !== req.expectedHeader) return managedIdentityErrors.badHeader();
  const resource = req.query.get('resource')?.trim();
  if (!resource) return managedIdentityErrors.missingResource();

  const selectors = (['client_id', 'principal_id', 'object_id', 'mi_res_id'] as const)
    .map((name) => [name, req.query.get(name)] as const)
    .filter((s): s is readonly [(typeof s)[0], string] => !!s[1]);
  if (selectors.length > 1) return managedIdentityErrors.ambiguousIdentity();
  // none: the system-assigned identity, which the emulated app does not have
  const [selector] = selectors;
  if (!selector) return managedIdentityErrors.unknownIdentity();
  const [name, value] = selector;
  const key = value.toLowerCase();
  const identity = managedIdentities(directory).find((i) =>
    name === 'client_id' ? i.clientId.toLowerCase() === key : name === 'mi_res_id' ? i.resourceId.toLowerCase() === key : i.principalId.toLowerCase() === key,
  );
  if (!identity) return managedIdentityErrors.unknownIdentity();

  const audience = resource.replace(/\/+$/, '');
  const lower = audience.toLowerCase();
  const canonical = lower === GRAPH_APP_ID ? GRAPH_RESOURCE : lower;
  // Graph and the Bot Framework exist in every tenant; other resources only if the app has a grant on them
  const app = directory.app(identity.tenant, identity.clientId);
  const grantKey = [...(app?.grants.keys() ?? [])].find((r) => r.toLowerCase() === canonical);
  if (grantKey === undefined && canonical !== GRAPH_RESOURCE && canonical !== BOT_FRAMEWORK_RESOURCE) {
    return managedIdentityErrors.unknownResource(audience, identity.tenant.displayName);
  }
  return { identity, resource: audience, roles: grantKey === undefined ? [] : (app?.grants.get(grantKey) ?? []) };
}

export function isManagedIdentityError(x: ManagedIdentityGrant | ManagedIdentityError): x is ManagedIdentityError {
  return 'status' in x && 'message' in x;
}

/**
 * A v1.0 app-only access token for the identity, as Entra ID issues to managed identities: `appid` is
 * the identity's client id, `appidacr` "2" (a certificate credential, the platform's), `oid`/`sub`
 * its principal, `xms_mirid` its resource id.
 */
export async function signManagedIdentityToken(
  keys: TokenKeys,
  grant: ManagedIdentityGrant,
  lifetimeSeconds: number,
): Promise<{ token: string; expiresOn: number }> {
  const now = Math.floor(Date.now() / 1000);
  const { identity } = grant;
  const tid = identity.tenant.id;
  const claims: Record<string, unknown> = {
    aud: grant.resource,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
    appid: identity.clientId,
    appidacr: '2',
    idp: `https://sts.windows.net/${tid}/`,
    idtyp: 'app',
    oid: identity.principalId,
    ...(grant.roles.length > 0 ? { roles: grant.roles } : {}),
    sub: identity.principalId,
    tid,
    uti: randomUUID().replace(/-/g, ''),
    ver: '1.0',
    xms_mirid: identity.resourceId,
  };
  const token = await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: keys.kid, kid: keys.kid }).sign(keys.privateKey);
  return { token, expiresOn: now + lifetimeSeconds };
}
