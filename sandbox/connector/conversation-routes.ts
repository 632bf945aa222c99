import type { ServerResponse } from 'node:http';
import { sendJson } from '../emulator/respond.js';
import { Router, type EmulatorRequest } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { authorizeBot } from './connector-auth.js';
import { connectorErrors } from './connector-errors.js';
import { CHANNEL_KINDS, type ConnectorConversation, type ConnectorStore } from './connector-store.js';

type Json = Record<string, unknown>;

/**
 * The Bot Connector v3 REST routes botbuilder's ConnectorClient calls for proactive 1:1 messages
 * (createConversation, sendToConversation, replyToActivity, updateActivity, getConversationMember(s)).
 * Every route checks the bot token first, as the service does.
 */
export function conversationRoutes(store: ConnectorStore, keys: TokenKeys): Router {
  const authorized = (handler: (req: EmulatorRequest, res: ServerResponse) => Promise<void> | void) =>
    async (req: EmulatorRequest, res: ServerResponse): Promise<void> => {
      if (await authorizeBot(keys, store.botId, req, res)) await handler(req, res);
    };

  return new Router()
    .post('/v3/conversations', authorized(async (req, res) => {
      const body = await readObject(req, res);
      if (!body) return;
      if (body.isGroup === true) {
        return connectorErrors.badArgument(res, 'Bots can only create personal (1:1) conversations here.');
      }
      const members = Array.isArray(body.members) ? (body.members as unknown[]) : [];
      const memberId = members.length === 1 ? idOf(members[0]) : undefined;
      if (!memberId) return connectorErrors.badArgument(res, 'A personal conversation needs exactly one member with an id.');
      const tenantId = stringAt(body, 'tenantId') ?? stringAt(objectAt(objectAt(body, 'channelData'), 'tenant'), 'id');
      if (!tenantId) return connectorErrors.badArgument(res, 'Tenant id is required (tenantId or channelData.tenant.id).');
      if (tenantId.toLowerCase() !== store.tenantId.toLowerCase()) {
        return connectorErrors.badArgument(res, `Invalid tenant id ${tenantId}.`);
      }
      const botId = idOf(body.bot);
      if (botId && botId.replace(/^28:/, '').toLowerCase() !== store.botId.toLowerCase()) {
        return connectorErrors.badArgument(res, 'The bot id does not match the calling bot.');
      }
      const user = store.findUser(memberId);
      if (!user || !store.isInstalled(user.id)) return connectorErrors.notInstalled(res);
      const { conversation } = store.personalConversation(user);
      const initial = objectAt(body, 'activity');
      const captured = initial ? store.capture(conversation, 'create', initial) : undefined;
      sendJson(res, 201, { id: conversation.id, ...(captured ? { activityId: captured.id } : {}) });
    }))
    .post('/v3/conversations/:conversationId/activities', authorized(async (req, res) => {
      const conversation = reachableConversation(store, req, res);
      if (!conversation) return;
      const activity = await readActivity(req, res);
      if (!activity) return;
      sendJson(res, 201, { id: store.capture(conversation, 'send', activity).id });
    }))
    .post('/v3/conversations/:conversationId/activities/:activityId', authorized(async (req, res) => {
      const conversation = reachableConversation(store, req, res);
      if (!conversation) return;
      const activity = await readActivity(req, res);
      if (!activity) return;
      // a personal chat has no threads: Teams posts the reply as a new message whatever replyToId names
      const captured = store.capture(conversation, 'reply', activity, { replyToId: req.params.activityId! });
      sendJson(res, 201, { id: captured.id });
    }))
    .add('PUT', '/v3/conversations/:conversationId/activities/:activityId', authorized(async (req, res) => {
      const conversation = reachableConversation(store, req, res);
      if (!conversation) return;
      const activityId = req.params.activityId!;
      // the bot can edit its own messages only, not what the person wrote or the channel's events
      const original = store.findActivity(conversation.id, activityId);
      if (!original || CHANNEL_KINDS.has(original.kind)) return connectorErrors.activityNotFound(res);
      const activity = await readActivity(req, res);
      if (!activity) return;
      store.capture(conversation, 'update', activity, { id: activityId });
      sendJson(res, 200, { id: activityId });
    }))
    .get('/v3/conversations/:conversationId/members', authorized(async (req, res) => {
      const conversation = reachableConversation(store, req, res);
      if (!conversation) return;
      sendJson(res, 200, [conversation.member]);
    }))
    .get('/v3/conversations/:conversationId/members/:memberId', authorized(async (req, res) => {
      const conversation = reachableConversation(store, req, res);
      if (!conversation) return;
      const user = store.findUser(req.params.memberId!);
      if (!user || user.id !== conversation.member.aadObjectId) return connectorErrors.memberNotFound(res);
      sendJson(res, 200, conversation.member);
    }));
}

/**
 * The conversation the route names, if the bot may use it: it exists, and the person still has the
 * app (after an uninstall Teams keeps the chat but takes the bot off its roster).
 */
function reachableConversation(
  store: ConnectorStore,
  req: EmulatorRequest,
  res: ServerResponse,
): ConnectorConversation | undefined {
  const conversation = store.findConversation(req.params.conversationId!);
  if (!conversation) {
    connectorErrors.conversationNotFound(res);
    return undefined;
  }
  if (!store.isInstalled(conversation.member.aadObjectId)) {
    connectorErrors.botNotInRoster(res);
    return undefined;
  }
  return conversation;
}

async function readObject(req: EmulatorRequest, res: ServerResponse): Promise<Json | undefined> {
  let parsed: unknown;
  try {
    const text = await req.text();
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    connectorErrors.badArgument(res, 'The request body is not valid JSON.');
    return undefined;
  }
  if (!isObject(parsed)) {
    connectorErrors.badArgument(res, 'The request body must be a JSON object.');
    return undefined;
  }
  return parsed;
}

async function readActivity(req: EmulatorRequest, res: ServerResponse): Promise<Json | undefined> {
  const activity = await readObject(req, res);
  if (activity && typeof activity.type !== 'string') {
    connectorErrors.badArgument(res, 'Activity type is required.');
    return undefined;
  }
  return activity;
}

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function objectAt(x: Json | undefined, key: string): Json | undefined {
  const v = x?.[key];
  return isObject(v) ? v : undefined;
}

function stringAt(x: Json | undefined, key: string): string | undefined {
  const v = x?.[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function idOf(x: unknown): string | undefined {
  return isObject(x) ? stringAt(x, 'id') : undefined;
}
