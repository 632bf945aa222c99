import type { FixtureUser } from '../fixture/schema.js';
import { parseMessagingEndpoint, postToBot } from './bot-endpoint.js';
import { signChannelToken, type ChannelKeys, type ChannelTokenOptions } from './channel-keys.js';
import type { CapturedKind, ConnectorConversation, ConnectorStore, Delivery } from './connector-store.js';
import { botAddedToConversation, installationUpdate, userMessage, type ChannelContext } from './inbound-activities.js';

/** A request the channel cannot carry out; `status` is what the control API answers. */
export class ChannelError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** One activity posted to the bot, and how the bot answered it. */
export interface ChannelDelivery extends Delivery {
  type: string;
  activityId: string;
}

export interface InstallResult {
  conversationId: string;
  /** whether the person had the app before; the events are sent either way, as a reinstall would */
  alreadyInstalled: boolean;
  deliveries: ChannelDelivery[];
  /** why nothing was posted to the bot (no messaging endpoint yet); the installation stands */
  undelivered?: string;
}

export interface UninstallResult {
  conversationId: string;
  deliveries: ChannelDelivery[];
  undelivered?: string;
}

export interface SayResult extends Delivery {
  conversationId: string;
  activityId: string;
}

export type TokenRequest = Partial<ChannelTokenOptions>;

/** Told each time a person gets or loses the app here, e.g. so the Graph emulator's installedApps agree. */
export type InstallationListener = (userId: string, installed: boolean) => void;

/**
 * The Teams channel's side of the conversation: what it posts to the bot's messaging endpoint when a
 * person installs or uninstalls the app, or writes to the bot. Each activity is kept in the store (kinds
 * `install`, `uninstall`, `inbound`) with the bot's answer, next to what the bot sends.
 */
export class TeamsChannel {
  private endpoint: string | null = null;
  private configuredOrigin: string | null = null;
  private learnedOrigin: string | null = null;
  private readonly listeners = new Set<InstallationListener>();
  /** what listeners threw: an install stands whatever a listener thinks of it */
  readonly listenerErrors: string[] = [];

  constructor(
    private readonly store: ConnectorStore,
    private readonly keys: Promise<ChannelKeys>,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  get messagingEndpoint(): string | null {
    return this.endpoint;
  }

  /** Like the messaging endpoint of an Azure Bot registration: configuration, so a fixture reset keeps it. */
  setMessagingEndpoint(value: string | null): void {
    try {
      this.endpoint = value === null ? null : parseMessagingEndpoint(value);
    } catch (err) {
      throw new ChannelError(400, (err as Error).message);
    }
  }

  /** The connector's own origin, for activities' `serviceUrl`; when not set, the origin requests arrive at. */
  setOrigin(origin: string): void {
    this.configuredOrigin = new URL(origin).origin;
  }

  learnOrigin(origin: string): void {
    this.learnedOrigin = origin;
  }

  /** Where the bot sends its answers: this emulator, with the trailing slash Teams' service URLs have. */
  get serviceUrl(): string | null {
    const origin = this.configuredOrigin ?? this.learnedOrigin;
    return origin ? `${origin}/` : null;
  }

  onInstallationChanged(listener: InstallationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async token(request: TokenRequest = {}): Promise<string> {
    const serviceUrl = request.serviceUrl ?? this.serviceUrl;
    if (!serviceUrl) throw this.originUnknown();
    return signChannelToken(await this.keys, { ...request, audience: request.audience ?? this.store.botId, serviceUrl });
  }

  /**
   * The person installs the app in personal scope: from now on the bot may create their conversation
   * and post to it, and the bot hears of it as Teams tells it, the bot joining the chat and then the
   * installation itself.
   */
  async install(person: string): Promise<InstallResult> {
    const user = this.person(person);
    const alreadyInstalled = this.store.setInstalled(user.id, true);
    if (!alreadyInstalled) this.notify(user.id, true);
    const { conversation } = this.store.personalConversation(user);
    const blocked = this.cannotPost();
    if (blocked) return { conversationId: conversation.id, alreadyInstalled, deliveries: [], undelivered: blocked };
    const deliveries = [
      await this.post('install', conversation, (ctx) => botAddedToConversation(conversation, ctx)),
      await this.post('install', conversation, (ctx) => installationUpdate(conversation, 'add', ctx)),
    ];
    return { conversationId: conversation.id, alreadyInstalled, deliveries };
  }

  /** The person removes the app: the bot is told, and its posts to their chat are refused from then on. */
  async uninstall(person: string): Promise<UninstallResult> {
    const user = this.person(person);
    if (!this.store.isInstalled(user.id)) throw new ChannelError(409, `${user.displayName} does not have the app installed.`);
    this.store.setInstalled(user.id, false);
    this.notify(user.id, false);
    const { conversation } = this.store.personalConversation(user);
    const blocked = this.cannotPost();
    if (blocked) return { conversationId: conversation.id, deliveries: [], undelivered: blocked };
    const delivery = await this.post('uninstall', conversation, (ctx) => installationUpdate(conversation, 'remove', ctx));
    return { conversationId: conversation.id, deliveries: [delivery] };
  }

  /** The person writes to the bot in their personal chat with it. */
  async say(person: string, text: string): Promise<SayResult> {
    const user = this.person(person);
    if (!text.trim()) throw new ChannelError(400, 'The message text is empty.');
    this.requireEndpoint();
    if (!this.store.isInstalled(user.id)) {
      throw new ChannelError(409, `${user.displayName} does not have the app installed, so has no chat with the bot: install it first.`);
    }
    const { conversation } = this.store.personalConversation(user);
    const messageId = this.store.nextActivityId();
    const { type: _t, ...delivery } = await this.post('inbound', conversation, (ctx) => userMessage(conversation, messageId, text, ctx));
    return { conversationId: conversation.id, ...delivery };
  }

  /** Throws the control API's 409 when there is nowhere to post to. */
  requireEndpoint(): void {
    const blocked = this.cannotPost();
    if (blocked) throw new ChannelError(409, blocked);
  }

  private cannotPost(): string | undefined {
    if (!this.endpoint) {
      return 'No messaging endpoint is set: POST /__control/settings {"messagingEndpoint":"http://127.0.0.1:PORT/api/messages"} first.';
    }
    if (!this.serviceUrl) return this.originUnknown().message;
    return undefined;
  }

  private originUnknown(): ChannelError {
    return new ChannelError(409, 'The connector does not know its own URL yet (its serviceUrl): call setOrigin, or any control route first.');
  }

  private notify(userId: string, installed: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(userId, installed);
      } catch (err) {
        this.listenerErrors.push(err instanceof Error ? err.message : String(err));
      }
    }
  }

  private person(idOrUpn: string): FixtureUser {
    const user = this.store.findPerson(idOrUpn);
    if (!user) throw new ChannelError(404, `No fixture user ${idOrUpn}.`);
    return user;
  }

  /** Keeps the activity (before posting, so the bot's replies come after it), posts it, notes the answer. */
  private async post(
    kind: CapturedKind,
    conversation: ConnectorConversation,
    build: (ctx: ChannelContext) => Record<string, unknown>,
  ): Promise<ChannelDelivery> {
    const serviceUrl = this.serviceUrl!;
    const activity = build({ serviceUrl, now: new Date() });
    const captured = this.store.capture(conversation, kind, activity, { id: String(activity.id) });
    const delivery = await postToBot(this.endpoint!, await this.token({ serviceUrl }), activity, this.fetchImpl);
    captured.delivery = delivery;
    return { type: captured.type, activityId: captured.id, ...delivery };
  }
}
