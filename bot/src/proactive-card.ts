import { CardFactory, TurnContext, type ConversationParameters, type ConversationReference } from 'botbuilder';
import type { BotConnection } from './bot-adapter.js';
import { BotSendError, toBotSendError } from './bot-errors.js';

export interface ProactiveCard {
  /** the tenant the person belongs to */
  tenantId: string;
  /** the person's Entra (AAD) object id; Teams accepts it as the member id once the app is installed for them */
  userAadObjectId: string;
  /** the Adaptive Card JSON */
  card: Record<string, unknown>;
  /** preview text for notifications */
  summary?: string;
  /** the regional connector URL from a stored conversation reference, if there is one */
  serviceUrl?: string;
}

export interface ProactiveCardResult {
  conversationId: string;
  activityId: string;
  /** worth storing: continueConversationAsync can reuse it without creating the conversation again */
  reference: Partial<ConversationReference>;
}

/**
 * Opens (or reopens: Teams keeps one per bot and user) the 1:1 conversation with a person and sends
 * them an Adaptive Card. Throws BotSendError, whose `code` and `retryable` tell the caller what to do.
 *
 * botbuilder runs the send inside a turn, where an adapter's onTurnError would swallow the failure;
 * the error is therefore caught inside the turn and rethrown here.
 */
export async function sendProactiveCard(bot: BotConnection, message: ProactiveCard): Promise<ProactiveCardResult> {
  const serviceUrl = message.serviceUrl ?? bot.serviceUrl;
  // botbuilder's type insists on `activity` and account names, which the service does not need
  const params = {
    isGroup: false,
    bot: { id: bot.appId },
    members: [{ id: message.userAadObjectId }],
    tenantId: message.tenantId,
    channelData: { tenant: { id: message.tenantId } },
  } as unknown as ConversationParameters;

  let result: ProactiveCardResult | undefined;
  let failure: unknown;
  try {
    await bot.adapter.createConversationAsync(bot.appId, 'msteams', serviceUrl, '', params, async (context) => {
      try {
        const sent = await context.sendActivity({
          type: 'message',
          ...(message.summary ? { summary: message.summary } : {}),
          attachments: [CardFactory.adaptiveCard(message.card)],
        });
        result = {
          conversationId: context.activity.conversation.id,
          activityId: sent?.id ?? '',
          reference: { ...TurnContext.getConversationReference(context.activity), user: { id: message.userAadObjectId, name: '', aadObjectId: message.userAadObjectId } },
        };
      } catch (err) {
        failure = err;
      }
    });
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined) throw toBotSendError(failure);
  if (!result) throw new BotSendError('BOT_REJECTED', 'botbuilder finished the turn without sending the card');
  return result;
}

/**
 * Replaces a card the bot sent earlier (the connector's update-activity), e.g. when the transcript
 * arrives after the "archived" card. Throws BotSendError like sendProactiveCard.
 */
export async function updateProactiveCard(
  bot: BotConnection,
  target: { serviceUrl: string; conversationId: string; activityId: string; card: Record<string, unknown> },
): Promise<void> {
  const reference = {
    channelId: 'msteams',
    serviceUrl: target.serviceUrl,
    conversation: { id: target.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: bot.appId, name: '' },
  } as Partial<ConversationReference>;
  let failure: unknown;
  try {
    await bot.adapter.continueConversationAsync(bot.appId, reference, async (context) => {
      try {
        await context.updateActivity({ id: target.activityId, type: 'message', attachments: [CardFactory.adaptiveCard(target.card)] });
      } catch (err) {
        failure = err;
      }
    });
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined) throw toBotSendError(failure);
}
