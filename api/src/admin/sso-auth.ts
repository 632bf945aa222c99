import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { AppConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { AdminPrincipal, AuthenticateAdmin } from './admin-principal.js';

/**
 * The admin API's gate: a Teams SSO access token (docs/admin-api.md "Who may call it"), verified with
 * `jose` against the authority's JWKS, then checked for tenant, scope and the admin app role.
 */

/** The scope the tab's API exposes and Teams requests for it. */
export const SSO_SCOPE = 'access_as_user';
/** Clock skew allowed on `exp`, `nbf` and `iat`. */
const CLOCK_TOLERANCE_SECONDS = 300;
const JWKS_RETRY_AFTER_MS = 5_000;

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'SERVER_BUSY';

/**
 * A refusal of the admin API's caller: UNAUTHENTICATED (401, no valid token), FORBIDDEN (403, a valid
 * token that may not use the console) or SERVER_BUSY (503, the authority's keys could not be read).
 * Messages never hold the token.
 */
export class AuthError extends AppError {
  declare readonly code: AuthErrorCode;

  /** for a verified token that lacks the admin role: whose it is (so the app can forget them as an admin) */
  readonly who?: Omit<AdminPrincipal, 'roles'>;

  constructor(code: AuthErrorCode, message: string, options: { retryAfterMs?: number; cause?: unknown; who?: Omit<AdminPrincipal, 'roles'> } = {}) {
    const { who, ...rest } = options;
    super(code, message, { retryable: code === 'SERVER_BUSY', ...rest });
    if (who) this.who = who;
  }
}

export interface SsoAuthOptions {
  /** `ENTRA_AUTHORITY_HOST`, e.g. https://login.microsoftonline.com; v2 tokens' issuer is `{this}/{tid}/v2.0` */
  authorityHost: string;
  /** `ENTRA_V1_ISSUER_HOST`; v1 tokens' issuer is `{this}/{tid}/`. Default https://sts.windows.net */
  v1IssuerHost?: string;
  /** `TEAMS_APP_CLIENT_ID`: the audience of v2 tokens. Without it no token is accepted. */
  clientId?: string;
  /** `SSO_APP_ID_URI`, `api://{domain}/{clientId}`: the audience v1 tokens may carry instead */
  appIdUri?: string;
  /** tenant ids whose users may call; an empty list lets nobody in */
  allowedTenants: readonly string[];
  /** `ADMIN_ROLE`, default Archiver.Admin */
  adminRole?: string;
}

export interface SsoAuthDeps {
  /** fetch for the JWKS: the app's TLS trust (`createTlsTrust(...).fetch`), so an extra CA works */
  fetch?: typeof globalThis.fetch;
  /** the verifier's clock (tests) */
  now?: () => Date;
}

/** Builds the admin API's `AuthenticateAdmin`. The JWKS is fetched on first use and cached by jose. */
export function createSsoAuthenticator(options: SsoAuthOptions, deps: SsoAuthDeps = {}): AuthenticateAdmin {
  const authorityHost = trimSlash(options.authorityHost);
  const v1IssuerHost = trimSlash(options.v1IssuerHost ?? 'https://sts.windows.net');
  const adminRole = options.adminRole ?? 'Archiver.Admin';
  const allowedTenants = new Set(options.allowedTenants.map((t) => t.trim().toLowerCase()).filter(Boolean));
  const audiences = [options.clientId, options.appIdUri].filter((a): a is string => !!a);
  const jwksUrl = new URL(`${authorityHost}/common/discovery/v2.0/keys`);
  const remote = createRemoteJWKSet(jwksUrl, deps.fetch ? { [customFetch]: deps.fetch as unknown as FetchImplementation } : {});

  // A key the JWKS does not hold is the token's fault; failing to read the JWKS at all is ours.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (isTokenKeyProblem(err)) throw err;
      throw new AuthError(
        'SERVER_BUSY',
        `The sign-in keys of Entra ID (${jwksUrl.origin}) could not be read, so no token can be checked right now; try again shortly.`,
        { retryAfterMs: JWKS_RETRY_AFTER_MS, cause: err },
      );
    }
  };

  return async (authorization) => {
    if (audiences.length === 0) {
      throw new AuthError('UNAUTHENTICATED', 'This app has no TEAMS_APP_CLIENT_ID configured, so it cannot accept any sign-in token.');
    }
    const token = bearerToken(authorization);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        audience: audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ...(deps.now ? { currentDate: deps.now() } : {}),
      }));
    } catch (err) {
      if (err instanceof AuthError) throw err;
      throw verificationError(err, audiences);
    }

    const tid = stringClaim(payload, 'tid');
    const oid = stringClaim(payload, 'oid');
    if (!tid || !oid) throw new AuthError('UNAUTHENTICATED', 'The token names no tenant (tid) or user (oid): it is not a Teams SSO user token.');
    const v2Issuer = `${authorityHost}/${tid}/v2.0`;
    const v1Issuer = `${v1IssuerHost}/${tid}/`;
    if (payload.iss !== v2Issuer && payload.iss !== v1Issuer) {
      throw new AuthError(
        'UNAUTHENTICATED',
        `The token was not issued by Entra ID for its own tenant: its issuer must be ${v2Issuer} or ${v1Issuer}.`,
      );
    }

    if (!allowedTenants.has(tid.toLowerCase())) {
      throw new AuthError(
        'FORBIDDEN',
        allowedTenants.size === 0
          ? 'No tenant is allowed to use this admin console yet. The app\'s operator sets the allowed tenant ids in TEAMS_APP_TENANT_ID.'
          : `Your organization (tenant ${tid}) is not allowed to use this admin console. Ask the app's operator to add it to TEAMS_APP_TENANT_ID.`,
      );
    }
    const scopes = (stringClaim(payload, 'scp') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes(SSO_SCOPE)) {
      throw new AuthError(
        'FORBIDDEN',
        `The token does not carry the ${SSO_SCOPE} scope. The app registration must expose ${options.appIdUri ?? 'api://{domain}/{client id}'}/${SSO_SCOPE} and the Teams app's webApplicationInfo.resource must name it.`,
      );
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const name = stringClaim(payload, 'name') ?? stringClaim(payload, 'preferred_username') ?? stringClaim(payload, 'upn') ?? null;
    if (!roles.includes(adminRole)) {
      throw new AuthError(
        'FORBIDDEN',
        `Your account does not have the ${adminRole} role for this app. Ask an admin to assign it under Enterprise applications → Users and groups.`,
        { who: { userId: oid, tenantId: tid, name } },
      );
    }
    const principal: AdminPrincipal = { userId: oid, tenantId: tid, name, roles };
    return principal;
  };
}

/** What the tab needs to sign in (`GET /api/admin/client-config`); no secret. */
export interface ClientConfig {
  clientId: string | null;
  authority: string;
  tenantId: string | null;
  scope: string | null;
  signIn: 'teams' | 'sandbox';
}

export function clientConfig(config: Pick<AppConfig, 'mode' | 'entra' | 'sso'>): ClientConfig {
  return {
    clientId: config.sso.clientId ?? null,
    authority: config.entra.authorityHost,
    tenantId: config.sso.allowedTenants[0] ?? null,
    scope: config.sso.appIdUri ? `${config.sso.appIdUri}/${SSO_SCOPE}` : null,
    signIn: config.mode === 'sandbox' ? 'sandbox' : 'teams',
  };
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthError('UNAUTHENTICATED', 'Sign in first: the request has no Authorization header with a Teams SSO token.');
  }
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m) throw new AuthError('UNAUTHENTICATED', 'The Authorization header must be "Bearer" followed by a Teams SSO token.');
  return m[1]!;
}

/** jose's refusal of a token, as a 401 whose message says which check failed (and never the token). */
function verificationError(err: unknown, audiences: string[]): AuthError {
  const code = (err as { code?: unknown })?.code;
  const claim = (err as { claim?: unknown })?.claim;
  const refuse = (message: string) => new AuthError('UNAUTHENTICATED', message);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return refuse('The sign-in token has expired; sign in again.');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return refuse('The sign-in token is not valid yet (nbf); check the clock of this server.');
      if (claim === 'iat') return refuse('The sign-in token claims to be issued in the future (iat); check the clock of this server.');
      if (claim === 'aud') return refuse(`The sign-in token is meant for another app: its audience must be ${audiences.join(' or ')}.`);
      return refuse(`The sign-in token's ${typeof claim === 'string' ? `"${claim}" claim` : 'claims'} are not valid.`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refuse('The sign-in token must be signed with RS256.');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return refuse("The sign-in token's signature does not match a key of the Entra ID authority.");
    default:
      return refuse('The bearer token is not a valid signed JWT.');
  }
}

/** Errors of the key lookup that come from the token (its kid or alg), not from reading the JWKS. */
function isTokenKeyProblem(err: unknown): boolean {
  return (
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWKSMultipleMatchingKeys ||
    err instanceof joseErrors.JOSEAlgNotAllowed ||
    err instanceof joseErrors.JOSENotSupported ||
    err instanceof joseErrors.JWSInvalid ||
    err instanceof joseErrors.JWTInvalid
  );
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}
