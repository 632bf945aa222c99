import type { ServerResponse } from 'node:http';
import { sendJson } from '../emulator/respond.js';

/**
 * Error bodies as the Teams Bot Connector (smba.trafficmanager.net) sends them. Codes and messages
 * are the ones msteams-docs lists under "Status codes from bot conversational APIs"
 * (bots/build-conversational-capability.md / conversation-messages.md).
 */
export function sendConnectorError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

export const connectorErrors = {
  badArgument: (res: ServerResponse, message: string) => sendConnectorError(res, 400, 'BadArgument', message),
  conversationNotFound: (res: ServerResponse) =>
    sendConnectorError(res, 404, 'ConversationNotFound', 'Conversation not found.'),
  activityNotFound: (res: ServerResponse) =>
    // the docs give this code the conversation's message text
    sendConnectorError(res, 404, 'ActivityNotFoundInConversation', 'Conversation not found.'),
  memberNotFound: (res: ServerResponse) =>
    sendConnectorError(res, 404, 'MemberNotFoundInConversation', 'Member not found in conversation.'),
  /** a user the bot cannot reach: in Teams, one who has not installed the app in personal scope */
  notInstalled: (res: ServerResponse) =>
    sendConnectorError(res, 403, 'ForbiddenOperationException', "Bot isn't installed in user's personal scope"),
  /**
   * a conversation the bot is no longer part of: in a personal chat, the person uninstalled the app.
   * msteams-docs: reinstall needed, wait for an installationUpdate before posting again.
   */
  botNotInRoster: (res: ServerResponse) =>
    sendConnectorError(res, 403, 'BotNotInConversationRoster', "The bot isn't part of the conversation roster."),
  botNotRegistered: (res: ServerResponse) =>
    sendConnectorError(res, 401, 'BotNotRegistered', 'No registration found for this bot.'),
  serviceError: (res: ServerResponse, message: string) => sendConnectorError(res, 500, 'ServiceError', message),
};

/**
 * A missing, expired or badly signed bearer token is rejected before the connector looks at the
 * request, with the ASP.NET authorization filter's body; botbuilder surfaces its `message` as the error.
 */
export function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, { message: 'Authorization has been denied for this request.' }, { 'www-authenticate': 'Bearer' });
}
