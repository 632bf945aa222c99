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
}

/**
 * A v2.0 access token for the tab's own API, as Teams obtains through `getAuthToken()` when the app
 * registration sets `accessTokenAcceptedVersion: 2` (reference/teams-platform.md §4).
 */
export async function signSsoToken(keys: TokenKeys, input: SsoTokenInput): Promise<{ token: string; claims: Record<string, unknown> }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + input.expiresInSeconds;
  // an already-expired token must still look issued in the past, or verifiers report "nbf" first
  const iat = input.expiresInSeconds > 0 ? now : exp - 3600;
  const claims: Record<string, unknown> = {
    aud: input.audience,
    iss: `${input.origin}/${input.tenantId}/v2.0`,
    iat,
    nbf: iat,
    exp,
    azp: TEAMS_CLIENT_APP_ID,
    azpacr: '0',
    name: input.user.displayName,
    oid: input.user.id,
    preferred_username: input.user.userPrincipalName,
    ...(input.roles.length > 0 ? { roles: input.roles } : {}),
    scp: input.scp,
    sub: derivedGuid('pairwise-sub', input.audience, input.user.id).replace(/-/g, ''),
    tid: input.tenantId,
    uti: randomUUID().replace(/-/g, ''),
    ver: '2.0',
  };
  const token = await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid }).sign(keys.privateKey);
  return { token, claims };
}
