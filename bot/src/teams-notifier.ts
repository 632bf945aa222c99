import type { HealthChangedEvent, Notifier, NoticeDelivery, RecordingArchivedEvent, TranscriptAttachedEvent } from '../../api/src/notify/notifier.js';
import type { BotConnection } from './bot-adapter.js';
import { organizerCard } from './organizer-card.js';
import { sendProactiveCard, updateProactiveCard } from './proactive-card.js';

export interface ConversationMemory {
  get(tenantId: string, userId: string): Promise<{ reference: Record<string, unknown> } | null>;
  save(tenantId: string, userId: string, reference: Record<string, unknown>): Promise<unknown>;
}

/** Where a sent card lives, so it can be changed in place. */
interface CardHandle {
  serviceUrl: string;
  conversationId: string;
  activityId: string;
}

/**
 * The Notifier port over Teams with botbuilder: a card to the organizer, 1:1, through the stored
 * conversation's regional connector when there is one (and the conversation it used is stored); the
 * same card updated in place when the transcript arrives after it was sent.
 */
export function createTeamsNotifier(bot: BotConnection, memory: ConversationMemory): Notifier {
  return {
    async recordingArchived(event: RecordingArchivedEvent): Promise<NoticeDelivery> {
      const stored = await memory.get(event.tenantId, event.organizerId);
      const serviceUrl = typeof stored?.reference['serviceUrl'] === 'string' ? (stored.reference['serviceUrl'] as string) : undefined;
      const result = await sendProactiveCard(bot, {
        tenantId: event.tenantId,
        userAadObjectId: event.organizerId,
        card: organizerCard(event),
        summary: `Your recording of "${event.subject}" is archived in Kaltura`,
        serviceUrl,
      });
      await memory.save(event.tenantId, event.organizerId, result.reference as Record<string, unknown>);
      const handle: CardHandle = { serviceUrl: result.reference.serviceUrl ?? serviceUrl ?? bot.serviceUrl, conversationId: result.conversationId, activityId: result.activityId };
      return { handle: { ...handle } };
    },

    async transcriptAttached(event: TranscriptAttachedEvent): Promise<void> {
      const handle = event.handle as unknown as CardHandle;
      await updateProactiveCard(bot, { ...handle, card: organizerCard({ ...event, transcriptAttached: true }) });
    },

    async healthChanged(_event: HealthChangedEvent): Promise<void> {
      // Admin alerts need the admins' conversations, which the bot learns when it is installed and
      // spoken to (its inbound endpoint); until then there is nobody to tell.
    },
  };
}
