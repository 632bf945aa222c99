import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { FixtureUser } from '../fixture/schema.js';
import { derivedGuid } from './directory.js';
import type { TokenKeys } from './token-keys.js';

/** The Teams desktop/mobile client's app id: the `azp` of SSO tokens Teams obtains for a tab. */
export const TEAMS_CLIENT_APP_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';

/** Body of `POST /__control/tokens`. Everything but the user is there to build bad tokens for tests. */
export const SsoTokenRequest = z
  .object({
    userId: z.string().min(1).optional().describe('fixture user id or userPrincipalName; default: the first user'),
    roles: z.array(z.string()).optional().describe("default: the user's appRoles"),
    audience: z.string().min(1).optional().describe('default: teamsApp.clientId'),
    expiresInSeconds: z.number().int().optional().describe('default 3600; zero or less mints an expired token'),
    tenantId: z.string().min(1).optional().describe('default: the fixture tenant; sets both tid and iss'),
    scp: z.string().optional().describe('default "access_as_user"'),
    version: z.union([z.literal(1), z.literal(2)]).optional().describe('token format: 2 (default) or 1 (sts issuer, appid, upn)'),
    issuer: z.string().min(1).optional().describe('overrides iss (forged-issuer tests); tid stays'),
    notBeforeInSeconds: z.number().int().optional().describe('nbf this many seconds from now (default 0): positive mints a not-yet-valid token'),
  })
  .strict();
export type SsoTokenRequest = z.infer<typeof SsoTokenRequest>;

export interface SsoTokenInput {
  user: FixtureUser;
  tenantId: string;
  /** `https://<emulator host>`: the SSO token's issuer is the emulator's own authority */
  origin: string;
  audience: string;
  roles: string[];
  scp: string;
  expiresInSeconds: number;
  /** 2 (default) or 1 */
  version?: 1 | 2;
  /** replaces the issuer the version implies */
  issuer?: string;
  /** nbf relative to now; default 0 */
  notBeforeInSeconds?: number;
  /** the client that asked (`azp` in v2, `appid` in v1); default the Teams client */
  clientAppId?: string;
}

/**
 * The emulator's stand-in for https://sts.windows.net, the issuer host of v1.0 tokens: the app's
 * ENTRA_V1_ISSUER_HOST in the sandbox.
 */
export function v1IssuerHost(origin: string): string {
  return `${origin}/sts`;
}

/**
 * An access token for the tab's own API, as Teams obtains through `getAuthToken()`: v2.0 when the app
 * registration sets `accessTokenAcceptedVersion: 2` (reference/teams-platform.md §4), v1.0 otherwise
 * (issuer `https://sts.windows.net/{tid}/`, `appid` instead of `azp`, `upn` and `unique_name` instead of
 * `preferred_username`; Entra's access token claims reference).
 */
export async function signSsoToken(keys: TokenKeys, input: SsoTokenInput): Promise<{ token: string; claims: Record<string, unknown> }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + input.expiresInSeconds;
  // an already-expired token must still look issued in the past, or verifiers report "nbf" first
  const iat = input.expiresInSeconds > 0 ? now : exp - 3600;
  const nbf = input.notBeforeInSeconds ? now + input.notBeforeInSeconds : iat;
  const clientAppId = input.clientAppId ?? TEAMS_CLIENT_APP_ID;
  const common = {
    aud: input.audience,
    iat,
    nbf,
    exp,
  };
  const user = {
    name: input.user.displayName,
    oid: input.user.id,
    ...(input.roles.length > 0 ? { roles: input.roles } : {}),
    scp: input.scp,
    sub: derivedGuid('pairwise-sub', input.audience, input.user.id).replace(/-/g, ''),
    tid: input.tenantId,
    uti: randomUUID().replace(/-/g, ''),
  };
  const claims: Record<string, unknown> =
    input.version === 1
      ? {
          ...common,
          iss: input.issuer ?? `${v1IssuerHost(input.origin)}/${input.tenantId}/`,
          acr: '1',
          amr: ['pwd'],
          appid: clientAppId,
          appidacr: '0',
          ...(input.user.surname ? { family_name: input.user.surname } : {}),
          ...(input.user.givenName ? { given_name: input.user.givenName } : {}),
          ...user,
          unique_name: input.user.userPrincipalName,
          upn: input.user.userPrincipalName,
          ver: '1.0',
        }
      : {
          ...common,
          iss: input.issuer ?? `${input.origin}/${input.tenantId}/v2.0`,
          azp: clientAppId,
          azpacr: '0',
          ...user,
          preferred_username: input.user.userPrincipalName,
          ver: '2.0',
        };
  const token = await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid }).sign(keys.privateKey);
  return { token, claims };
}
