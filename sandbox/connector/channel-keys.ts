import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The issuer of every token the Bot Framework channels send to a bot (botbuilder's ToBotFromChannelTokenIssuer). */
export const CHANNEL_TOKEN_ISSUER = 'https://api.botframework.com';
/** The channel id a key must endorse for botbuilder to accept it on an activity from Teams. */
export const TEAMS_CHANNEL_ID = 'msteams';

export type ChannelJwk = JWK & { kty: 'RSA'; use: 'sig'; kid: string; n: string; e: string; endorsements: string[] };

/**
 * The Teams channel's own signing key, as login.botframework.com publishes its keys: separate from the
 * Entra emulator's key, since in Azure the tokens a bot receives and the tokens it sends come from
 * different issuers. `forgedKey` signs with the same kid but is never published, for tests that a bot
 * checks the signature and not just the header.
 */
export interface ChannelKeys {
  kid: string;
  privateKey: CryptoKey;
  forgedKey: CryptoKey;
  jwks(): { keys: ChannelJwk[] };
}

export async function createChannelKeys(): Promise<ChannelKeys> {
  const [pair, forged] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256'),
  ]);
  const kid = randomUUID().replace(/-/g, '').slice(0, 27);
  const jwk = await exportJWK(pair.publicKey);
  const published: ChannelJwk = {
    kty: 'RSA',
    use: 'sig',
    kid,
    n: jwk.n!,
    e: jwk.e!,
    endorsements: [TEAMS_CHANNEL_ID],
  };
  return { kid, privateKey: pair.privateKey, forgedKey: forged.privateKey, jwks: () => ({ keys: [published] }) };
}

/**
 * The discovery document at login.botframework.com/v1/.well-known/openidconfiguration, pointing at this
 * emulator's key set. botbuilder reads only `jwks_uri` from it.
 */
export function channelOpenIdConfiguration(origin: string): Record<string, unknown> {
  return {
    issuer: CHANNEL_TOKEN_ISSUER,
    // the real document names this placeholder: channels never run an authorization flow
    authorization_endpoint: 'https://invalid.botframework.com',
    jwks_uri: `${origin}/v1/.well-known/keys`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  };
}

export interface ChannelTokenOptions {
  /** the bot's app id: the real channel puts it in `aud` */
  audience: string;
  /** the activity's serviceUrl; botbuilder compares it with the `serviceurl` claim */
  serviceUrl: string;
  issuer?: string;
  /** negative: already expired (botbuilder allows 5 minutes of clock skew) */
  expiresInSeconds?: number;
  /** positive: not valid yet */
  notBeforeInSeconds?: number;
  /** sign with a key the metadata does not publish */
  forged?: boolean;
}

/** A token as the channel sends it in `Authorization: Bearer` with each activity it posts to a bot. */
export async function signChannelToken(keys: ChannelKeys, options: ChannelTokenOptions, nowMs = Date.now()): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  const exp = now + (options.expiresInSeconds ?? 3600);
  let nbf = now + (options.notBeforeInSeconds ?? 0);
  let iat = now;
  // an expired token still had a lifetime: it was issued, and became valid, an hour before it expired
  if (exp <= nbf) {
    nbf = exp - 3600;
    iat = nbf;
  }
  return new SignJWT({ serviceurl: options.serviceUrl, nbf, exp, iat })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid })
    .setIssuer(options.issuer ?? CHANNEL_TOKEN_ISSUER)
    .setAudience(options.audience)
    .sign(options.forged ? keys.forgedKey : keys.privateKey);
}
