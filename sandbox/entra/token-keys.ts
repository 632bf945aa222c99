import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/**
 * The emulated Entra ID's signing key. The Entra emulator signs app tokens and Teams SSO tokens with
 * it and publishes it as JWKS; the Graph and Bot Connector emulators verify bearer tokens with it.
 */
export interface TokenKeys {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string; use: 'sig'; alg: 'RS256' };
  jwks(): { keys: JWK[] };
}

export async function createTokenKeys(): Promise<TokenKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replace(/-/g, '').slice(0, 27);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig' as const, alg: 'RS256' as const };
  return { kid, privateKey, publicJwk, jwks: () => ({ keys: [publicJwk] }) };
}

export class BearerTokenError extends Error {
  constructor(
    readonly code: 'missing' | 'invalid' | 'expired' | 'audience',
    message: string,
  ) {
    super(message);
    this.name = 'BearerTokenError';
  }
}

/** Verifies an `Authorization: Bearer` header against the emulator's key and one expected audience. */
export async function verifyBearer(
  keys: TokenKeys,
  authorization: string | undefined,
  audience: string | string[],
): Promise<JWTPayload & Record<string, unknown>> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw new BearerTokenError('missing', 'Access token is empty.');
  try {
    const { payload } = await jwtVerify(m[1]!, createLocalJWKSet(keys.jwks()), { audience });
    return payload as JWTPayload & Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new BearerTokenError('expired', 'Lifetime validation failed, the token is expired.');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new BearerTokenError('audience', 'Invalid audience.');
    throw new BearerTokenError('invalid', 'Access token validation failure. Invalid audience or signature.');
  }
}
