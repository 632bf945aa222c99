import type { ConversationReference } from 'botbuilder';
import type { HealthChangedEvent, Notifier, NoticeDelivery, RecordingArchivedEvent, TranscriptAttachedEvent } from '../../api/src/notify/notifier.js';
import type { JsonObject } from '../../api/src/store/json.js';
import type { BotConnection } from './bot-adapter.js';
import { BotSendError } from './bot-errors.js';
import { adminAlertCard, archivedCard } from './cards/index.js';
import type { ConversationMemory } from './conversation/turn.js';
import { sendCardToConversation, sendProactiveCard, updateProactiveCard, type SentCard } from './proactive-card.js';

/** What a sent card's handle holds: where it is, and the reader's zone so an update reads the same. */
interface CardHandle extends SentCard {
  timeZone?: string;
  locale?: string;
}

export interface TeamsNotifierOptions {
  /** where alert cards send admins */
  consoleUrl: string;
}

/**
 * The Notifier port over Teams with botbuilder. A card goes 1:1 to one person: into the conversation
 * stored from their own activity when there is one (its regional connector, their time zone), else
 * into the personal conversation Teams opens for the bot and their Entra id. A 403 (the app is not
 * installed, or the person blocked the bot) marks the stored conversation gone, and the error says the
 * person cannot be reached, so the pipeline records it instead of retrying.
 */
export function createTeamsNotifier(bot: BotConnection, memory: ConversationMemory, options: TeamsNotifierOptions): Notifier {
  async function deliver(tenant: string, user: string, draw: (reader: { timeZone?: string; locale?: string }) => { card: Record<string, unknown>; summary: string }): Promise<NoticeDelivery> {
    // the bot keys people by lower-case ids, as it stores them from their own activities
    const tenantId = tenant.toLowerCase();
    const userId = user.toLowerCase();
    const stored = await memory.get(tenantId, userId);
    const reference = stored?.status === 'active' ? (stored.reference as Partial<ConversationReference> & { timeZone?: string }) : undefined;
    const reader = { timeZone: strOf(reference?.timeZone), locale: strOf(reference?.locale) };
    const { card, summary } = draw(reader);
    try {
      let sent: SentCard;
      if (reference?.conversation?.id) {
        sent = await sendCardToConversation(bot, reference, card, summary).catch(async (err: unknown) => {
          // the stored chat is gone (deleted, or the id went stale): Teams opens the personal chat again
          if (err instanceof BotSendError && err.code === 'BOT_CONVERSATION_NOT_FOUND') return createAndSend();
          throw err;
        });
      } else {
        sent = await createAndSend();
      }
      const handle: CardHandle = { ...sent, ...(reader.timeZone ? { timeZone: reader.timeZone } : {}), ...(reader.locale ? { locale: reader.locale } : {}) };
      return { handle: handle as unknown as JsonObject };
    } catch (err) {
      if (err instanceof BotSendError && err.code === 'BOT_USER_UNREACHABLE') {
        await memory.markGone(tenantId, userId, err.details.connectorCode ?? `HTTP ${err.details.status ?? 403}`);
      }
      throw err;
    }

    async function createAndSend(): Promise<SentCard> {
      const result = await sendProactiveCard(bot, { tenantId, userAadObjectId: userId, card, summary, serviceUrl: strOf(reference?.serviceUrl) });
      // a reference of the person's own (with their name and zone) is better than this one: keep it
      if (!reference) await memory.save(tenantId, userId, result.reference as unknown as JsonObject);
      return result;
    }
  }

  const archived = (event: RecordingArchivedEvent, reader: { timeZone?: string; locale?: string }) =>
    archivedCard({
      ...(event.source === 'call' ? { source: 'call' as const } : {}),
      subject: event.subject,
      startDateTime: event.startDateTime,
      durationMinutes: event.durationMinutes,
      transcriptAttached: event.transcriptAttached,
      publishedTo: event.publishedTo ?? [],
      entryId: event.entryId,
      entryUrl: event.entryUrl,
      ...(reader.timeZone ? { timeZone: reader.timeZone } : {}),
      ...(reader.locale ? { locale: reader.locale } : {}),
    });

  return {
    recordingArchived: (event, recipientId) => deliver(event.tenantId, recipientId, (reader) => archived(event, reader)),

    async transcriptAttached(event: TranscriptAttachedEvent): Promise<void> {
      const handle = event.handle as unknown as CardHandle;
      const { card } = archived({ ...event, transcriptAttached: true }, handle);
      await updateProactiveCard(bot, { serviceUrl: handle.serviceUrl, conversationId: handle.conversationId, activityId: handle.activityId, card });
    },

    healthChanged: (event: HealthChangedEvent, recipientId: string) =>
      deliver(event.tenantId, recipientId, (reader) =>
        adminAlertCard({
          kind: event.kind,
          integrationName: event.integrationName,
          code: event.kind === 'recovered' ? event.before.code : event.after.code,
          message: event.after.message,
          fix: event.after.fix,
          consoleUrl: options.consoleUrl,
          at: event.at,
          ...(event.secretExpiresAt ? { secretExpiresAt: event.secretExpiresAt } : {}),
          ...(reader.timeZone ? { timeZone: reader.timeZone } : {}),
        }),
      ),

    async reachable(tenantId: string, userId: string): Promise<boolean> {
      return (await memory.get(tenantId.toLowerCase(), userId.toLowerCase()))?.status === 'active';
    },
  };
}

function strOf(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
