import type { ServerResponse } from 'node:http';
import type { EmulatorRequest } from '../emulator/router.js';
import { verifyBearer, type TokenKeys } from '../entra/token-keys.js';
import { connectorErrors, sendUnauthorized } from './connector-errors.js';

/** The audience of tokens for the Bot Connector (the bot asks for `https://api.botframework.com/.default`). */
export const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/**
 * Checks the bot's bearer token the way the connector does: a token the shared key signed, for the Bot
 * Framework audience, not expired. A valid token for an app that is not this bot is a registration
 * problem (401 BotNotRegistered), not a bad token. Returns false after answering.
 */
export async function authorizeBot(
  keys: TokenKeys,
  botId: string,
  req: EmulatorRequest,
  res: ServerResponse,
): Promise<boolean> {
  let claims: Record<string, unknown>;
  try {
    claims = await verifyBearer(keys, req.headers.authorization, BOT_FRAMEWORK_AUDIENCE);
  } catch {
    sendUnauthorized(res);
    return false;
  }
  // v1 tokens name the client in `appid`, v2 in `azp`
  const appId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : '';
  if (appId.toLowerCase() !== botId.toLowerCase()) {
    connectorErrors.botNotRegistered(res);
    return false;
  }
  return true;
}
