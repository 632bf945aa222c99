import type { JsonObject } from '../../../api/src/store/json.js';
import {
  adminOnlyCard,
  helpCard,
  RECENT_LIMIT,
  recentCard,
  statusCard,
  welcomeCard,
  type CardResult,
  type RecentItem,
  type StatusIntegration,
} from '../cards/index.js';
import { commandOf, conversationReference, speakerOf, type InboundActivity, type Speaker } from './inbound-activity.js';

/** Where conversation references are kept (the store's ConversationRepository has this shape). */
export interface ConversationMemory {
  get(tenantId: string, userId: string): Promise<{ reference: JsonObject; status: 'active' | 'gone' } | null>;
  save(tenantId: string, userId: string, reference: JsonObject): Promise<unknown>;
  delete(tenantId: string, userId: string): Promise<unknown>;
  markGone(tenantId: string, userId: string, reason: string): Promise<unknown>;
}

/** What the bot's commands read, through the integration service (see service-reader.ts). */
export interface BotReader {
  /** as the person's last sign-in to the admin console showed */
  isAdmin(tenantId: string, userId: string): Promise<boolean>;
  /** the person's most recently archived recordings, newest first */
  recent(tenantId: string, userId: string, limit: number): Promise<RecentItem[]>;
  /** every integration of the tenant with its health */
  status(tenantId: string): Promise<StatusIntegration[]>;
}

export interface TurnDeps {
  memory: ConversationMemory;
  reader: BotReader;
  consoleUrl: string;
}

/**
 * The whole conversation, as plain logic over one activity: what to remember of the person and what
 * to answer. botbuilder only carries the activity in and the replies out (inbound/turn-runner.ts), so
 * another SDK can carry them instead.
 */
export async function handleTurn(activity: InboundActivity, deps: TurnDeps): Promise<CardResult[]> {
  const speaker = speakerOf(activity);
  if (!speaker) return [];
  switch (activity.type) {
    case 'installationUpdate':
      return onInstallation(activity, speaker, deps);
    case 'conversationUpdate':
      // Teams sends this beside installationUpdate when the app is added; it only refreshes the reference
      if (activity.membersAdded?.some((m) => m.id === activity.recipient?.id)) await remember(activity, speaker, deps);
      return [];
    case 'message':
      await remember(activity, speaker, deps);
      return answer(commandOf(activity.text), speaker, deps);
    default:
      return [];
  }
}

async function onInstallation(activity: InboundActivity, speaker: Speaker, deps: TurnDeps): Promise<CardResult[]> {
  switch (activity.action) {
    case 'add': {
      await remember(activity, speaker, deps);
      const isAdmin = await deps.reader.isAdmin(speaker.tenantId, speaker.userId);
      return [welcomeCard({ isAdmin, consoleUrl: deps.consoleUrl })];
    }
    case 'remove':
      // nothing can be sent after this; a reinstall brings a new reference
      await deps.memory.delete(speaker.tenantId, speaker.userId);
      return [];
    default:
      // add-upgrade / remove-upgrade: the app changed version, the chat stays
      await remember(activity, speaker, deps);
      return [];
  }
}

async function answer(command: string, speaker: Speaker, deps: TurnDeps): Promise<CardResult[]> {
  const isAdmin = await deps.reader.isAdmin(speaker.tenantId, speaker.userId);
  switch (command) {
    case 'recent':
      return [recentCard({ items: await deps.reader.recent(speaker.tenantId, speaker.userId, RECENT_LIMIT), timeZone: speaker.timeZone ?? undefined })];
    case 'status':
      if (!isAdmin) return [adminOnlyCard()];
      return [statusCard({ integrations: await deps.reader.status(speaker.tenantId), consoleUrl: deps.consoleUrl })];
    default:
      return [helpCard({ isAdmin })];
  }
}

function remember(activity: InboundActivity, speaker: Speaker, deps: TurnDeps): Promise<unknown> {
  return deps.memory.save(speaker.tenantId, speaker.userId, conversationReference(activity, speaker));
}
