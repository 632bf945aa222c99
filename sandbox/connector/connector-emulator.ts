import type { EmulatorBehaviour } from '../emulator/emulator-server.js';
import { sendJson, sendText } from '../emulator/respond.js';
import { Router, type EmulatorRequest } from '../emulator/router.js';
import type { TokenKeys } from '../entra/token-keys.js';
import { summarizeCards } from './card-summary.js';
import { connectorErrors, sendConnectorError } from './connector-errors.js';
import { ConnectorStore, type CapturedActivity } from './connector-store.js';
import { conversationRoutes } from './conversation-routes.js';
import { renderMessagesPage, type PagePerson } from './messages-page.js';

/**
 * The Bot Connector as Teams runs it (smba.trafficmanager.net), for the bot's proactive 1:1 messages:
 * create the personal conversation, post activities to it, read its member. Bot tokens must come from
 * the Entra emulator. Everything the bot sends is kept, and shown at `/__control/` as a person would
 * see it in Teams.
 */
export function createConnectorEmulator(deps: { keys: TokenKeys }): EmulatorBehaviour {
  const store = new ConnectorStore();

  const people = (): PagePerson[] =>
    store.fixture.users.map((u) => ({ aadObjectId: u.id, name: u.displayName, userPrincipalName: u.userPrincipalName }));
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
      const html = renderMessagesPage(people(), store.activities, selectedPerson(req));
      sendText(res, 200, html, 'text/html; charset=utf-8');
    })
    .get('/__control/messages', (req, res) => {
      const list = forPerson(req);
      if (!list) return sendJson(res, 404, { error: `no fixture user ${req.query.get('user')}` });
      sendJson(res, 200, list.map((a) => ({ ...a, cards: summarizeCards(a.attachments) })));
    });

  return {
    name: 'connector',
    routes: conversationRoutes(store, deps.keys),
    controlRoutes,
    load: (fixture) => store.load(fixture),
    state: () => ({ conversations: [...store.conversations.values()], activities: store.activities }),
    internalError: (_req, res, err) => connectorErrors.serviceError(res, err.message),
    notFound: (req, res) => sendConnectorError(res, 404, 'NotFound', `No route for ${req.method} ${req.path}.`),
  };
}
