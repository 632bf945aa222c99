import type { JsonObject } from '../../../api/src/store/json.js';

/** The parts of a Teams activity the conversation logic reads (botbuilder's Activity has them all). */
export interface InboundActivity {
  type: string;
  id?: string;
  action?: string;
  text?: string;
  serviceUrl: string;
  channelId: string;
  locale?: string;
  localTimezone?: string;
  from?: { id: string; name?: string; aadObjectId?: string };
  recipient?: { id: string; name?: string };
  conversation?: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean };
  channelData?: { tenant?: { id?: string } } & Record<string, unknown>;
  membersAdded?: Array<{ id: string }>;
  entities?: Array<{ type?: string; timezone?: string; locale?: string } & Record<string, unknown>>;
}

/** Who is speaking, where: a person in a 1:1 chat with the bot, identified by tenant and Entra id. */
export interface Speaker {
  tenantId: string;
  userId: string;
  name: string | null;
  /** the IANA time zone the person's Teams client reported, for dates on cards */
  timeZone: string | null;
  locale: string | null;
}

/**
 * The person behind a personal-scope activity, or null for anything else (a team, a group chat, a
 * message without an Entra id): the bot only ever talks to one person at a time.
 */
export function speakerOf(activity: InboundActivity): Speaker | null {
  if (activity.conversation?.conversationType !== 'personal') return null;
  const tenantId = activity.conversation.tenantId ?? activity.channelData?.tenant?.id;
  const userId = activity.from?.aadObjectId;
  if (!tenantId || !userId) return null;
  const client = activity.entities?.find((e) => e.type === 'clientInfo');
  return {
    tenantId: tenantId.toLowerCase(),
    userId: userId.toLowerCase(),
    name: activity.from?.name ?? null,
    timeZone: activity.localTimezone ?? client?.timezone ?? null,
    locale: activity.locale ?? client?.locale ?? null,
  };
}

/**
 * What is kept to message the person later: botbuilder's ConversationReference fields, plus the
 * person's time zone and locale so proactive cards show their local time.
 */
export function conversationReference(activity: InboundActivity, speaker: Speaker): JsonObject {
  return {
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    conversation: {
      id: activity.conversation!.id,
      conversationType: 'personal',
      tenantId: speaker.tenantId,
      isGroup: false,
    },
    user: { id: activity.from!.id, aadObjectId: speaker.userId, ...(speaker.name ? { name: speaker.name } : {}) },
    bot: { id: activity.recipient?.id ?? '', ...(activity.recipient?.name ? { name: activity.recipient.name } : {}) },
    ...(speaker.locale ? { locale: speaker.locale } : {}),
    ...(speaker.timeZone ? { timeZone: speaker.timeZone } : {}),
  };
}

/** The command word of a message: mentions and punctuation dropped, lower case ("@Archiver Recent!" → "recent"). */
export function commandOf(text: string | undefined): string {
  const plain = (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .trim()
    .toLowerCase();
  return (plain.split(/\s+/)[0] ?? '').replace(/[^\p{L}\p{N}-]/gu, '');
}
