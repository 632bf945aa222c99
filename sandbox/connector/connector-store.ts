import { createHash } from 'node:crypto';
import type { Fixture, FixtureUser } from '../fixture/schema.js';

/** A Teams user as the connector describes a conversation member (TeamsChannelAccount). */
export interface ConnectorMember {
  id: string;
  aadObjectId: string;
  name: string;
  givenName?: string;
  surname?: string;
  email?: string;
  userPrincipalName: string;
  tenantId: string;
  userRole: 'user';
}

export interface ConnectorConversation {
  id: string;
  conversationType: 'personal';
  isGroup: false;
  tenantId: string;
  bot: { id: string; name: string };
  member: ConnectorMember;
  createdAt: string;
}

/**
 * What the bot sent (`create`, `send`, `reply`, `update`), or what the channel posted to the bot: a
 * person's message (`inbound`) and the events of installing or uninstalling the app (`install`,
 * `uninstall`).
 */
export type CapturedKind = 'create' | 'send' | 'reply' | 'update' | 'inbound' | 'install' | 'uninstall';

export const CHANNEL_KINDS: ReadonlySet<CapturedKind> = new Set(['inbound', 'install', 'uninstall']);

/** How the bot answered an activity the channel posted: its HTTP status, or why there was none. */
export interface Delivery {
  status: number | null;
  error?: string;
}

/** One activity the bot sent or the channel posted to the bot, as sent, plus where it went. */
export interface CapturedActivity {
  id: string;
  kind: CapturedKind;
  conversation: { id: string; tenantId: string };
  replyToId?: string;
  type: string;
  from?: unknown;
  /** the person who sees the message: the 1:1 conversation's member (Teams ignores the activity's own recipient) */
  recipient: { id: string; aadObjectId: string; name: string };
  text?: string;
  attachments: unknown[];
  /** when the connector received it */
  timestamp: string;
  /** the activity JSON exactly as posted */
  activity: Record<string, unknown>;
  /** for what the channel posted to the bot: how the bot answered (absent while the post is under way) */
  delivery?: Delivery;
}

/**
 * In-memory state of the emulated connector: 1:1 conversations (one per user, as Teams keeps one
 * personal chat per bot and user) and every activity received, oldest first.
 */
export class ConnectorStore {
  readonly conversations = new Map<string, ConnectorConversation>();
  readonly activities: CapturedActivity[] = [];
  private byUser = new Map<string, string>();
  private users = new Map<string, FixtureUser>();
  /** lowercased Entra ids of the people who have the app installed in personal scope */
  private installed = new Set<string>();
  private lastActivityMs = 0;
  fixture!: Fixture;

  load(fixture: Fixture): void {
    this.fixture = fixture;
    this.conversations.clear();
    this.activities.length = 0;
    this.byUser.clear();
    this.users = new Map(fixture.users.map((u) => [u.id.toLowerCase(), u]));
    const installedFor = fixture.teamsApp.installedFor ?? fixture.users.map((u) => u.id);
    this.installed = new Set(installedFor.map((id) => id.toLowerCase()));
  }

  isInstalled(aadObjectId: string): boolean {
    return this.installed.has(aadObjectId.toLowerCase());
  }

  /** Records that the person has (or no longer has) the app; returns whether they had it before. */
  setInstalled(aadObjectId: string, installed: boolean): boolean {
    const id = aadObjectId.toLowerCase();
    const before = this.installed.has(id);
    if (installed) this.installed.add(id);
    else this.installed.delete(id);
    return before;
  }

  installedUsers(): string[] {
    return [...this.users.values()].filter((u) => this.isInstalled(u.id)).map((u) => u.id);
  }

  /** A fixture user by Entra object id or user principal name, as the control API names people. */
  findPerson(idOrUpn: string): FixtureUser | undefined {
    const wanted = idOrUpn.trim().toLowerCase();
    return this.users.get(wanted) ?? [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === wanted);
  }

  get botId(): string {
    return this.fixture.teamsApp.botId;
  }

  get tenantId(): string {
    return this.fixture.tenant.id;
  }

  /**
   * Finds a fixture user by any id Teams accepts for a personal chat member: the AAD object id, the
   * `29:` id this emulator hands out, or `8:orgid:{aadObjectId}`.
   */
  findUser(memberId: string): FixtureUser | undefined {
    const id = memberId.trim().toLowerCase();
    const direct = this.users.get(id) ?? this.users.get(id.replace(/^8:orgid:/, ''));
    if (direct) return direct;
    for (const u of this.users.values()) if (teamsUserId(u.id).toLowerCase() === id) return u;
    return undefined;
  }

  member(user: FixtureUser): ConnectorMember {
    return {
      id: teamsUserId(user.id),
      aadObjectId: user.id,
      name: user.displayName,
      ...(user.givenName ? { givenName: user.givenName } : {}),
      ...(user.surname ? { surname: user.surname } : {}),
      ...(user.mail ? { email: user.mail } : {}),
      userPrincipalName: user.userPrincipalName,
      tenantId: this.tenantId,
      userRole: 'user',
    };
  }

  /**
   * The user's personal conversation with the bot. Teams keeps one per bot and user, with the same id
   * every time it is asked for, so the id is derived and survives a restart of the sandbox.
   */
  personalConversation(user: FixtureUser): { conversation: ConnectorConversation; created: boolean } {
    const existing = this.byUser.get(user.id);
    if (existing) return { conversation: this.conversations.get(existing)!, created: false };
    const conversation: ConnectorConversation = {
      id: personalConversationId(this.botId, user.id),
      conversationType: 'personal',
      isGroup: false,
      tenantId: this.tenantId,
      bot: { id: `28:${this.botId}`, name: 'Recording Archiver' },
      member: this.member(user),
      createdAt: new Date().toISOString(),
    };
    this.conversations.set(conversation.id, conversation);
    this.byUser.set(user.id, conversation.id);
    return { conversation, created: true };
  }

  capture(
    conversation: ConnectorConversation,
    kind: CapturedKind,
    activity: Record<string, unknown>,
    ids: { id?: string; replyToId?: string } = {},
  ): CapturedActivity {
    const captured: CapturedActivity = {
      id: ids.id ?? this.nextActivityId(),
      kind,
      conversation: { id: conversation.id, tenantId: conversation.tenantId },
      ...(ids.replyToId !== undefined ? { replyToId: ids.replyToId } : {}),
      type: typeof activity.type === 'string' ? activity.type : 'message',
      ...(activity.from !== undefined ? { from: activity.from } : {}),
      recipient: { id: conversation.member.id, aadObjectId: conversation.member.aadObjectId, name: conversation.member.name },
      ...(typeof activity.text === 'string' ? { text: activity.text } : {}),
      attachments: Array.isArray(activity.attachments) ? activity.attachments : [],
      timestamp: new Date().toISOString(),
      activity,
    };
    this.activities.push(captured);
    return captured;
  }

  /** A conversation by id; one created before a restart is found again, as it still exists in Teams. */
  findConversation(id: string): ConnectorConversation | undefined {
    const known = this.conversations.get(id);
    if (known) return known;
    const user = [...this.users.values()].find((u) => personalConversationId(this.botId, u.id) === id);
    return user ? this.personalConversation(user).conversation : undefined;
  }

  findActivity(conversationId: string, activityId: string): CapturedActivity | undefined {
    return this.activities.find((a) => a.conversation.id === conversationId && a.id === activityId);
  }

  /** Teams message ids in personal chats are epoch milliseconds; kept strictly increasing here. */
  nextActivityId(): string {
    this.lastActivityMs = Math.max(Date.now(), this.lastActivityMs + 1);
    return String(this.lastActivityMs);
  }
}

export function personalConversationId(botId: string, aadObjectId: string): string {
  const digest = createHash('sha256').update(`${botId.toLowerCase()}|${aadObjectId.toLowerCase()}`).digest('base64url');
  return `a:1${digest}`;
}

/**
 * Teams gives each user an opaque, bot-specific `29:` id. A hash of the AAD id keeps it stable across
 * restarts, so conversation references stored by the app stay valid.
 */
export function teamsUserId(aadObjectId: string): string {
  return `29:1${createHash('sha256').update(aadObjectId.toLowerCase()).digest('base64url')}`;
}
