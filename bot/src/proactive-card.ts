import { CardFactory, TurnContext, type ConversationParameters, type ConversationReference, type TurnContext as Context } from 'botbuilder';
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

/** Where a sent card lives, so it can be changed in place. */
export interface SentCard {
  serviceUrl: string;
  conversationId: string;
  activityId: string;
}

export interface ProactiveCardResult extends SentCard {
  /** worth storing: continueConversationAsync can reuse it without creating the conversation again */
  reference: Partial<ConversationReference>;
}

/**
 * Opens (or reopens: Teams keeps one per bot and user) the 1:1 conversation with a person and sends
 * them an Adaptive Card. Throws BotSendError, whose `code` and `retryable` tell the caller what to do.
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
  await inTurn((logic) => bot.adapter.createConversationAsync(bot.appId, 'msteams', serviceUrl, '', params, logic), async (context) => {
    const activityId = await sendCard(context, message.card, message.summary);
    result = {
      serviceUrl: context.activity.serviceUrl ?? serviceUrl,
      conversationId: context.activity.conversation.id,
      activityId,
      reference: { ...TurnContext.getConversationReference(context.activity), user: { id: message.userAadObjectId, name: '', aadObjectId: message.userAadObjectId } },
    };
  });
  if (!result) throw new BotSendError('BOT_REJECTED', 'botbuilder finished the turn without sending the card');
  return result;
}

/** Sends a card into a conversation the bot already has (a stored reference from the person's own activity). */
export async function sendCardToConversation(
  bot: BotConnection,
  reference: Partial<ConversationReference>,
  card: Record<string, unknown>,
  summary?: string,
): Promise<SentCard> {
  let sent: SentCard | undefined;
  await inTurn((logic) => bot.adapter.continueConversationAsync(bot.appId, reference, logic), async (context) => {
    sent = { serviceUrl: reference.serviceUrl ?? bot.serviceUrl, conversationId: reference.conversation!.id, activityId: await sendCard(context, card, summary) };
  });
  if (!sent) throw new BotSendError('BOT_REJECTED', 'botbuilder finished the turn without sending the card');
  return sent;
}

/**
 * Replaces a card the bot sent earlier (the connector's update-activity), e.g. when the transcript
 * arrives after the "archived" card. Throws BotSendError like sendProactiveCard.
 */
export async function updateProactiveCard(bot: BotConnection, target: SentCard & { card: Record<string, unknown> }): Promise<void> {
  const reference = {
    channelId: 'msteams',
    serviceUrl: target.serviceUrl,
    conversation: { id: target.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: bot.appId, name: '' },
  } as Partial<ConversationReference>;
  await inTurn(
    (logic) => bot.adapter.continueConversationAsync(bot.appId, reference, logic),
    async (context) => void (await context.updateActivity({ id: target.activityId, type: 'message', attachments: [CardFactory.adaptiveCard(target.card)] })),
  );
}

async function sendCard(context: Context, card: Record<string, unknown>, summary?: string): Promise<string> {
  const sent = await context.sendActivity({ type: 'message', ...(summary ? { summary } : {}), attachments: [CardFactory.adaptiveCard(card)] });
  return sent?.id ?? '';
}

/**
 * botbuilder runs a proactive send inside a turn, where an adapter's onTurnError would swallow the
 * failure; the error is therefore caught inside the turn and rethrown here, as a BotSendError.
 */
async function inTurn(start: (logic: (context: Context) => Promise<void>) => Promise<void>, logic: (context: Context) => Promise<void>): Promise<void> {
  let failure: unknown;
  try {
    await start(async (context) => {
      try {
        await logic(context);
      } catch (err) {
        failure = err;
      }
    });
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined) throw toBotSendError(failure);
}
