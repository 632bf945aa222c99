import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { sendJson, sendText } from '../emulator/respond.js';
import { Router, type EmulatorRequest } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { summarizeCards } from './card-summary.js';
import { createChannelKeys, type ChannelKeys } from './channel-keys.js';
import { addChannelControlRoutes, addChannelMetadataRoutes } from './channel-routes.js';
import { connectorErrors, sendConnectorError } from './connector-errors.js';
import { ConnectorStore, type CapturedActivity } from './connector-store.js';
import { conversationRoutes } from './conversation-routes.js';
import { renderMessagesPage, type PagePerson } from './messages-page.js';
import { TeamsChannel, type InstallationListener, type InstallResult, type UninstallResult } from './teams-channel.js';

/** The connector emulator, with the Teams client's part other emulators can play through it. */
export interface ConnectorBehaviour extends EmulatorBehaviour {
  /**
   * The person (Entra id or UPN) installs the app in personal scope, as Graph's installedApps POST
   * does it: the bot may reach them from now on and is sent the install events when an endpoint is set.
   */
  install(user: string): Promise<InstallResult>;
  uninstall(user: string): Promise<UninstallResult>;
  /** the bot's messaging endpoint (what `POST /__control/settings` sets); null clears it */
  setMessagingEndpoint(url: string | null): void;
  /**
   * Calls `listener` each time a person gets or loses the app on this side (control routes or
   * `install`/`uninstall`), not on fixture loads; the returned function removes it.
   */
  onInstallationChanged(listener: InstallationListener): () => void;
  /** the emulator's own origin, for the activities' serviceUrl; learned from its requests when not set */
  setOrigin(origin: string): void;
}

/**
 * The Bot Connector as Teams runs it (smba.trafficmanager.net), both ways. Towards the connector: the
 * bot's proactive 1:1 messages (create the personal conversation, post activities to it, read its
 * member), with bot tokens from the Entra emulator. Towards the bot: the Teams channel posting a
 * person's messages and the app's install events to the messaging endpoint, signed with the channel's
 * own key. Everything either side sends is kept, and shown at `/__control/` as a chat.
 */
export function createConnectorEmulator(deps: { keys: TokenKeys; channelKeys?: ChannelKeys; fetch?: typeof fetch }): ConnectorBehaviour {
  const store = new ConnectorStore();
  const channelKeys = deps.channelKeys ? Promise.resolve(deps.channelKeys) : createChannelKeys();
  const channel = new TeamsChannel(store, channelKeys, deps.fetch);

  const people = (): PagePerson[] =>
    store.fixture.users.map((u) => ({
      aadObjectId: u.id,
      name: u.displayName,
      userPrincipalName: u.userPrincipalName,
      installed: store.isInstalled(u.id),
    }));
  const selectedPerson = (req: EmulatorRequest): PagePerson | undefined => {
    const wanted = req.query.get('user')?.toLowerCase();
    if (!wanted) return undefined;
    return people().find((p) => p.aadObjectId.toLowerCase() === wanted || p.userPrincipalName.toLowerCase() === wanted);
  };
  const forPerson = (req: EmulatorRequest): CapturedActivity[] | undefined => {
    if (!req.query.get('user')) return store.activities;
    const person = selectedPerson(req);
    return person ? store.activities.filter((a) => a.recipient.aadObjectId === person.aadObjectId) : undefined;
  };

  const controlRoutes = new Router()
    .get('/__control/', (req, res) => {
      const html = renderMessagesPage({
        people: people(),
        captured: store.activities,
        selected: selectedPerson(req),
        messagingEndpoint: channel.messagingEndpoint,
        notice: req.query.get('notice') ?? undefined,
      });
      sendText(res, 200, html, 'text/html; charset=utf-8');
    })
    .get('/__control/messages', (req, res) => {
      const list = forPerson(req);
      if (!list) return sendJson(res, 404, { error: `no fixture user ${req.query.get('user')}` });
      // ?kind=send,reply keeps only those kinds (say, the bot's messages without the person's)
      const kinds = req.query.get('kind')?.split(',').map((k) => k.trim()).filter(Boolean);
      const shown = kinds?.length ? list.filter((a) => kinds.includes(a.kind)) : list;
      sendJson(res, 200, shown.map((a) => ({ ...a, cards: summarizeCards(a.attachments) })));
    });
  addChannelControlRoutes(controlRoutes, channel, store);

  const routes = addChannelMetadataRoutes(conversationRoutes(store, deps.keys), channel, channelKeys);

  return {
    name: 'connector',
    routes,
    controlRoutes,
    load: async (fixture) => {
      // the key pair is made once; waiting here means no request can arrive before it exists
      await channelKeys;
      store.load(fixture);
    },
    state: () => ({
      conversations: [...store.conversations.values()],
      activities: store.activities,
      installedFor: store.installedUsers(),
      messagingEndpoint: channel.messagingEndpoint,
      ...(channel.listenerErrors.length ? { listenerErrors: channel.listenerErrors } : {}),
    }),
    internalError: (_req, res, err) => connectorErrors.serviceError(res, err.message),
    notFound: (req, res) => sendConnectorError(res, 404, 'NotFound', `No route for ${req.method} ${req.path}.`),
    install: (user) => channel.install(user),
    uninstall: (user) => channel.uninstall(user),
    setMessagingEndpoint: (url) => channel.setMessagingEndpoint(url),
    onInstallationChanged: (listener) => channel.onInstallationChanged(listener),
    setOrigin: (origin) => channel.setOrigin(origin),
  };
}
