import { randomUUID } from 'node:crypto';
import { TEAMS_CHANNEL_ID } from './channel-keys.js';
import type { ConnectorConversation } from './connector-store.js';

type Json = Record<string, unknown>;

/** The channel's service URL (where the bot answers) and the moment the activity is posted. */
export interface ChannelContext {
  serviceUrl: string;
  now: Date;
}

/** What the Teams client reports about the person's device; one fixed, plausible client for everyone. */
const CLIENT = { locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' } as const;

/**
 * The fields Teams puts on every activity it posts to a bot in a personal chat (see msteams-docs,
 * "Messages in bot conversations" and "Conversation events"): the person as `from` with their `29:` id
 * and Entra id, the bot as `recipient` with its `28:` id, the tenant twice.
 */
function personalActivity(type: string, id: string, conversation: ConnectorConversation, ctx: ChannelContext): Json {
  const member = conversation.member;
  return {
    type,
    id,
    timestamp: ctx.now.toISOString(),
    localTimestamp: localTimestamp(ctx.now, CLIENT.timezone),
    localTimezone: CLIENT.timezone,
    serviceUrl: ctx.serviceUrl,
    channelId: TEAMS_CHANNEL_ID,
    from: { id: member.id, name: member.name, aadObjectId: member.aadObjectId },
    recipient: { id: conversation.bot.id, name: conversation.bot.name },
    conversation: { conversationType: 'personal', tenantId: conversation.tenantId, id: conversation.id },
    channelData: { tenant: { id: conversation.tenantId } },
    locale: CLIENT.locale,
    entities: [{ type: 'clientInfo', ...CLIENT }],
  };
}

/** A person's message to the bot; message ids in personal chats are epoch milliseconds. */
export function userMessage(conversation: ConnectorConversation, messageId: string, text: string, ctx: ChannelContext): Json {
  return { ...personalActivity('message', messageId, conversation, ctx), text, textFormat: 'plain', attachments: [] };
}

/** The roster change Teams announces when the app is added to a personal chat: the bot joined. */
export function botAddedToConversation(conversation: ConnectorConversation, ctx: ChannelContext): Json {
  return {
    ...personalActivity('conversationUpdate', eventId(), conversation, ctx),
    membersAdded: [{ id: conversation.bot.id }],
  };
}

/** The app was installed (`add`) or uninstalled (`remove`) in the person's personal scope. */
export function installationUpdate(conversation: ConnectorConversation, action: 'add' | 'remove', ctx: ChannelContext): Json {
  return { ...personalActivity('installationUpdate', eventId(), conversation, ctx), action };
}

/** Teams event ids are opaque `f:` strings, unlike message ids. */
function eventId(): string {
  return `f:${randomUUID().replace(/-/g, '')}`;
}

/** The instant as the client's wall clock shows it, with its UTC offset: `2026-05-01T10:00:00.000+01:00`. */
export function localTimestamp(at: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name ?? '');
  const sign = m?.[1] === '-' ? -1 : 1;
  const minutes = m ? sign * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const wall = new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, -1);
  const abs = Math.abs(minutes);
  const offset = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return wall + offset;
}
