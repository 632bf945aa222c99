import type { Server } from 'restify';
import { CardFactory, type Activity, type TurnContext } from 'botbuilder';
import type { ServerResponse } from 'node:http';
import { BodyError, sendBodyError, type BodyBudget } from '../../../api/src/http/body-budget.js';
import type { Logger } from '../../../api/src/logging/logger.js';
import type { BotConnection } from '../bot-adapter.js';
import type { CardResult } from '../cards/index.js';
import type { InboundActivity } from '../conversation/inbound-activity.js';

/** Teams activities are small; 256 KiB is many times the largest card submit. */
const MAX_ACTIVITY_BYTES = 256 * 1024;
/** when the channel's signing keys cannot be fetched: the channel retries, nothing is lost */
const KEYS_UNAVAILABLE_RETRY_SECONDS = 10;

export interface MessagesRouteDeps {
  bot: BotConnection;
  bodies: BodyBudget;
  logger: Logger;
  /** the conversation logic: what to answer this activity with */
  onActivity(activity: InboundActivity): Promise<CardResult[]>;
}

/**
 * `POST /api/messages`, where Azure Bot Service delivers what people do in Teams. Every activity's
 * bearer token is checked by botbuilder's channel validation before anything else is read from it;
 * one without a valid token gets 401 and is never processed. The body goes through the shared body
 * budget, and a body that is not an activity is a 400, not a 500.
 */
export function registerMessagesRoute(server: Server, deps: MessagesRouteDeps): void {
  server.post('/api/messages', async (req, res) => {
    let activity: Activity;
    try {
      activity = parseActivity(await deps.bodies.readBody(req, { maxBytes: MAX_ACTIVITY_BYTES }));
    } catch (err) {
      if (err instanceof BodyError) return sendBodyError(res, err);
      return answer(res, 400, { error: { code: 'BadArgument', message: (err as Error).message } });
    }

    let identity: Awaited<ReturnType<BotConnection['auth']['authenticateRequest']>>;
    try {
      identity = await deps.bot.auth.authenticateRequest(activity, String(req.headers.authorization ?? ''));
    } catch (err) {
      // botbuilder's AuthenticationError carries a status; 5xx means it could not fetch the keys
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 500) {
        deps.logger.error({ err: { message: (err as Error).message } }, 'the channel\'s signing keys could not be read; activity refused for now');
        return answer(res, 503, { error: { code: 'ServiceUnavailable', message: 'The bot cannot check tokens right now.' } }, { 'retry-after': String(KEYS_UNAVAILABLE_RETRY_SECONDS) });
      }
      // the reason goes to the log (never the token); the caller learns only that it was refused
      deps.logger.warn({ reason: (err as Error).message, activityType: activity.type }, 'activity refused: no valid channel token');
      return answer(res, 401, { error: { code: 'Unauthorized', message: 'The request carries no valid Bot Framework token.' } }, { 'www-authenticate': 'Bearer' });
    }

    try {
      const invoke = await deps.bot.adapter.runAuthenticated(identity, activity, (context) => runTurn(context, deps));
      answer(res, invoke?.status ?? 200, invoke?.body);
    } catch (err) {
      deps.logger.error({ err, activityType: activity.type }, 'the bot failed to handle an activity');
      answer(res, 500, { error: { code: 'ServiceError', message: 'The bot failed to handle the activity.' } });
    }
  });
}

async function runTurn(context: TurnContext, deps: MessagesRouteDeps): Promise<void> {
  if (context.activity.type === 'invoke') {
    // the bot's cards have no actions that call back; an invoke (a card refresh, say) gets an empty
    // 200 rather than botbuilder's 501 for an unhandled one
    await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: {} } });
    return;
  }
  const replies = await deps.onActivity(context.activity as unknown as InboundActivity);
  for (const reply of replies) {
    await context.sendActivity({ type: 'message', summary: reply.summary, attachments: [CardFactory.adaptiveCard(reply.card)] });
  }
}

/** The activity, or an error whose message names what is wrong with it. */
function parseActivity(raw: Buffer): Activity {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Error('The body is not JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('The body must be an activity (a JSON object).');
  const a = body as Record<string, unknown>;
  for (const field of ['type', 'serviceUrl', 'channelId'] as const) {
    if (typeof a[field] !== 'string' || !(a[field] as string).trim()) throw new Error(`The activity has no ${field}.`);
  }
  for (const field of ['conversation', 'from', 'recipient'] as const) {
    const v = a[field];
    if (v !== undefined && (typeof v !== 'object' || v === null || typeof (v as { id?: unknown }).id !== 'string')) {
      throw new Error(`The activity's ${field} must be an object with an id.`);
    }
  }
  return a as unknown as Activity;
}

function answer(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'cache-control': 'no-store', ...headers });
  res.end(text);
}
