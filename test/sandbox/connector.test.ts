import assert from 'node:assert/strict';
import { ServerError } from '@azure/msal-node';
import { TeamsInfo, TurnContext, type ConversationReference, type TeamsChannelAccount } from 'botbuilder';
import { SignJWT } from 'jose';
import { createBotAdapter, type BotAdapterConfig, type BotConnection } from '../../bot/src/bot-adapter.js';
import { BotSendError } from '../../bot/src/bot-errors.js';
import { sendProactiveCard, updateProactiveCard } from '../../bot/src/proactive-card.js';
import { createConnectorEmulator } from '../../sandbox/connector/connector-emulator.js';
import type { CapturedActivity, ConnectorConversation } from '../../sandbox/connector/connector-store.js';
import { startEmulator } from '../../sandbox/emulator/emulator-server.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';

const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

/** An Adaptive Card of the kind the bot sends (a heading, facts, one link); the emulator sees only JSON. */
function recordingArchivedCard(r: { meetingSubject: string; meetingWhen: string; url: string; facts: Array<{ title: string; value: string }> }) {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: 'Your meeting recording was archived', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'FactSet', facts: [{ title: 'Meeting', value: r.meetingSubject }, { title: 'When', value: r.meetingWhen }, ...r.facts] },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open in Kaltura', url: r.url }],
  };
}

interface Message extends CapturedActivity {
  cards: Array<{ title?: string; facts: Array<{ title: string; value: string }>; links: Array<{ title: string; url: string }> }>;
}

describe('Bot Connector emulator, driven by botbuilder', () => {
  let env: TestEmulators;
  let fixture: Fixture;
  let organizer: Fixture['users'][number];

  const botConfig = (overrides: Partial<BotAdapterConfig> = {}): BotAdapterConfig => ({
    appId: fixture.teamsApp.botId,
    appPassword: fixture.teamsApp.botPassword,
    appType: 'SingleTenant',
    appTenantId: fixture.tenant.id,
    loginAuthority: env.entra.url,
    serviceUrl: env.connector.url,
    inbound: { openIdMetadataUrl: `${env.connector.url}/v1/.well-known/openidconfiguration`, tokenIssuer: 'https://api.botframework.com' },
    ...overrides,
  });
  const bot = (overrides: Partial<BotAdapterConfig> = {}): BotConnection =>
    createBotAdapter(botConfig(overrides), { fetch: env.trust.fetch });
  const card = (subject = 'Quarterly business review') =>
    recordingArchivedCard({
      meetingSubject: subject,
      meetingWhen: '20 Nov 2026, 09:00 UTC',
      url: 'https://kaltura.example/media/1_abc123',
      facts: [{ title: 'Transcript', value: 'included' }],
    });
  const messages = (query = '') => env.control<Message[]>(env.connector, 'GET', `/__control/messages${query}`);
  const connectorState = () =>
    env.control<{ conversations: ConnectorConversation[]; activities: CapturedActivity[] }>(env.connector, 'GET', '/__control/state');
  const appRequests = () => env.connector.requests.filter((r) => r.path.startsWith('/v3/'));
  const expectSendError = async (promise: Promise<unknown>): Promise<BotSendError> => {
    const err = await promise.then(
      () => assert.fail('expected the send to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BotSendError, `expected a BotSendError, got ${String(err)}`);
    return err;
  };

  before(async () => {
    env = await startTestEmulators();
    fixture = env.fixture;
    organizer = fixture.users.find((u) => u.id === fixture.meetings[0]!.organizerId)!;
  });

  after(async () => {
    await env?.close();
  });

  beforeEach(async () => {
    await env.control(env.connector, 'POST', '/__control/reset');
  });

  it('records exactly the card botbuilder sends, after a token from the Entra emulator', async () => {
    const sent = await sendProactiveCard(bot(), {
      tenantId: fixture.tenant.id,
      userAadObjectId: organizer.id,
      card: card(),
      summary: 'Your meeting recording was archived',
    });

    assert.match(sent.conversationId, /^a:1/);
    assert.match(sent.activityId, /^\d{13,}$/);

    const [message, ...rest] = await messages();
    assert.equal(rest.length, 0);
    assert.ok(message);
    assert.equal(message.conversation.id, sent.conversationId);
    assert.equal(message.conversation.tenantId, fixture.tenant.id);
    assert.equal(message.id, sent.activityId);
    assert.equal(message.type, 'message');
    assert.deepEqual(message.recipient, {
      id: message.recipient.id,
      aadObjectId: organizer.id,
      name: organizer.displayName,
    });
    assert.match(message.recipient.id, /^29:/);
    assert.deepEqual(message.attachments, [{ contentType: ADAPTIVE, content: card() }]);
    // the wire activity itself: what botbuilder filled in from the created conversation
    const wire = message.activity as Record<string, any>;
    assert.equal(wire.channelId, 'msteams');
    assert.equal(wire.serviceUrl, env.connector.url);
    assert.equal(wire.summary, 'Your meeting recording was archived');
    assert.equal(wire.from.id, fixture.teamsApp.botId);
    assert.deepEqual(wire.conversation, { id: sent.conversationId, isGroup: false, tenantId: fixture.tenant.id });
    // botbuilder replies to the conversation-creation event, so the send is a reply to the conversation id
    assert.equal(message.kind, 'reply');
    assert.equal(message.replyToId, sent.conversationId);
    assert.deepEqual(message.cards, [
      {
        title: 'Your meeting recording was archived',
        texts: ['Your meeting recording was archived'],
        facts: [
          { title: 'Meeting', value: 'Quarterly business review' },
          { title: 'When', value: '20 Nov 2026, 09:00 UTC' },
          { title: 'Transcript', value: 'included' },
        ],
        links: [{ title: 'Open in Kaltura', url: 'https://kaltura.example/media/1_abc123' }],
      },
    ]);

    const state = await connectorState();
    assert.equal(state.conversations.length, 1);
    assert.deepEqual(
      { id: state.conversations[0]!.id, tenantId: state.conversations[0]!.tenantId, member: state.conversations[0]!.member.aadObjectId },
      { id: sent.conversationId, tenantId: fixture.tenant.id, member: organizer.id },
    );
    assert.deepEqual(state.activities, (await messages()).map(({ cards: _c, ...a }) => a));

    assert.deepEqual(
      appRequests().map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`),
      [
        'POST /v3/conversations 201',
        `POST /v3/conversations/${sent.conversationId}/activities/${sent.conversationId} 201`,
      ],
    );
    // the bearer token came from the Entra emulator, through msal-node, for the bot
    const entraState = await env.control<{ issued: Array<{ kind: string; clientId?: string; audience: string }> }>(
      env.entra,
      'GET',
      '/__control/state',
    );
    assert.ok(
      entraState.issued.some((t) => t.kind === 'app' && t.clientId === fixture.teamsApp.botId && t.audience === 'https://api.botframework.com'),
      'the Entra emulator issued a Bot Framework token to the bot',
    );
  });

  it('gets a MultiTenant bot its token from the botframework.com tenant', async () => {
    const connection = bot({ appType: 'MultiTenant', appTenantId: undefined });
    await sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() });
    assert.equal((await messages()).length, 1);
    const tokenRequests = env.entra.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token'));
    assert.equal(tokenRequests.at(-1)?.path, '/botframework.com/oauth2/v2.0/token');
  });

  it('gives a person the same personal conversation each time, and keeps messages in order', async () => {
    const connection = bot();
    const first = await sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card('One') });
    const second = await sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card('Two') });
    const other = fixture.users.find((u) => u.id !== organizer.id)!;
    const third = await sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: other.id, card: card('Three') });

    assert.equal(second.conversationId, first.conversationId);
    assert.notEqual(third.conversationId, first.conversationId);
    assert.deepEqual(
      (await messages()).map((m) => m.cards[0]!.facts[0]!.value),
      ['One', 'Two', 'Three'],
    );
    assert.deepEqual(
      (await messages(`?user=${encodeURIComponent(organizer.userPrincipalName)}`)).map((m) => m.cards[0]!.facts[0]!.value),
      ['One', 'Two'],
    );
    assert.equal((await connectorState()).conversations.length, 2);
  });

  it('lets botbuilder continue a stored conversation, read its member and update the card', async () => {
    const connection = bot();
    const sent = await sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() });
    const reference = { ...sent.reference, serviceUrl: env.connector.url } as ConversationReference;
    let member: TeamsChannelAccount | undefined;

    await connection.adapter.continueConversationAsync(connection.appId, reference, async (context: TurnContext) => {
      member = await TeamsInfo.getMember(context, organizer.id);
      await context.updateActivity({ id: sent.activityId, type: 'message', text: 'updated' });
      await context.sendActivity('and one more thing');
    });

    assert.equal(member?.aadObjectId, organizer.id);
    assert.equal(member?.userPrincipalName, organizer.userPrincipalName);
    assert.match(member?.id ?? '', /^29:/);
    const all = await messages();
    assert.deepEqual(
      all.map((m) => [m.kind, m.id === sent.activityId, m.text ?? null]),
      [
        ['reply', true, null],
        ['update', true, 'updated'],
        // the continued reference still names the creation event, so botbuilder replies to it again
        ['reply', false, 'and one more thing'],
      ],
    );
  });

  it('surfaces a bad bot password as the token error, and the connector receives nothing', async () => {
    const err = await expectSendError(
      sendProactiveCard(bot({ appPassword: 'not-the-bot-password' }), {
        tenantId: fixture.tenant.id,
        userAadObjectId: organizer.id,
        card: card(),
      }),
    );
    assert.equal(err.code, 'BOT_AUTH_FAILED');
    assert.equal(err.retryable, false);
    assert.ok(err.cause instanceof ServerError);
    assert.equal(err.cause.errorCode, 'invalid_client');
    assert.match(err.message, /7000215/);
    assert.doesNotMatch(err.message, /not-the-bot-password/);
    assert.deepEqual(appRequests(), []);
    assert.deepEqual(await messages(), []);
  });

  it('answers 401 with the real body to a missing, foreign-audience or other-app token', async () => {
    const post = (authorization?: string) =>
      env.trust.fetch(`${env.connector.url}/v3/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ isGroup: false, members: [{ id: organizer.id }], tenantId: fixture.tenant.id }),
      });
    const token = (claims: Record<string, unknown>) =>
      new SignJWT({ iss: `https://sts.windows.net/${fixture.tenant.id}/`, tid: fixture.tenant.id, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: env.keys.kid })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(env.keys.privateKey);

    for (const auth of [undefined, 'Bearer not-a-jwt', `Bearer ${await token({ aud: 'https://graph.microsoft.com', appid: fixture.teamsApp.botId })}`]) {
      const res = await post(auth);
      assert.equal(res.status, 401, `for ${auth?.slice(0, 20)}`);
      assert.deepEqual(await res.json(), { message: 'Authorization has been denied for this request.' });
    }
    const otherApp = await post(`Bearer ${await token({ aud: 'https://api.botframework.com', appid: fixture.appRegistrations[0]!.clientId })}`);
    assert.equal(otherApp.status, 401);
    assert.deepEqual(await otherApp.json(), { error: { code: 'BotNotRegistered', message: 'No registration found for this bot.' } });

    const ok = await post(`Bearer ${await token({ aud: 'https://api.botframework.com', appid: fixture.teamsApp.botId })}`);
    assert.equal(ok.status, 201);
    assert.deepEqual(await messages(), []);
  });

  it('refuses a person the bot cannot reach (403) and an unknown conversation (404) in the connector shape', async () => {
    const connection = bot();
    const unreachable = await expectSendError(
      sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: '99999999-0000-4000-8000-000000000999', card: card() }),
    );
    assert.equal(unreachable.code, 'BOT_USER_UNREACHABLE');
    assert.deepEqual(unreachable.details, { status: 403, connectorCode: 'ForbiddenOperationException' });

    const wrongTenant = await expectSendError(
      sendProactiveCard(connection, { tenantId: '11111111-2222-4333-8444-555555555555', userAadObjectId: organizer.id, card: card() }),
    );
    assert.equal(wrongTenant.code, 'BOT_REJECTED');
    assert.equal(wrongTenant.details.connectorCode, 'BadArgument');

    const reference = {
      channelId: 'msteams',
      serviceUrl: env.connector.url,
      conversation: { id: 'a:1no-such-conversation', isGroup: false, conversationType: 'personal', tenantId: fixture.tenant.id },
      bot: { id: connection.appId, name: '' },
    } as ConversationReference;
    let failure: unknown;
    await connection.adapter.continueConversationAsync(connection.appId, reference, async (context) => {
      await context.sendActivity('hello').catch((e: unknown) => {
        failure = e;
      });
    });
    const rest = failure as { statusCode?: number; code?: string; message?: string };
    assert.equal(rest.statusCode, 404);
    assert.equal(rest.code, 'ConversationNotFound');
    assert.equal(rest.message, 'Conversation not found.');
    assert.deepEqual(await messages(), []);
  });

  describe('faults', () => {
    afterEach(async () => {
      await env.control(env.connector, 'DELETE', '/__control/faults');
    });

    it('lets botbuilder retry a single 429 with Retry-After by itself', async () => {
      await env.control(env.connector, 'POST', '/__control/faults', {
        method: 'POST',
        path: '/v3/conversations',
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'Throttled', message: 'Too many requests.' } },
      });
      await sendProactiveCard(bot(), { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() });
      assert.deepEqual(
        appRequests().filter((r) => r.path === '/v3/conversations').map((r) => [r.status, r.fault !== undefined]),
        [
          [429, true],
          [201, false],
        ],
      );
      assert.equal((await messages()).length, 1);
    });

    it('surfaces persistent throttling on /v3/conversations as a retryable BOT_THROTTLED', async () => {
      await env.control(env.connector, 'POST', '/__control/faults', {
        method: 'POST',
        path: '/v3/conversations',
        status: 429,
        count: 10,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'Throttled', message: 'Too many requests.' } },
      });
      const err = await expectSendError(
        sendProactiveCard(bot(), { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() }),
      );
      assert.equal(err.code, 'BOT_THROTTLED');
      assert.equal(err.retryable, true);
      assert.deepEqual(err.details, { status: 429, connectorCode: 'Throttled', retryAfterMs: 0 });
      // one try and botbuilder's three retries
      assert.equal(appRequests().length, 4);
      assert.deepEqual(await messages(), []);
    });

    it('surfaces a 503 on /v3/conversations as a retryable BOT_TRANSIENT', async () => {
      await env.control(env.connector, 'POST', '/__control/faults', {
        method: 'POST',
        path: '/v3/conversations',
        status: 503,
        count: 10,
        headers: { 'retry-after': '0' },
      });
      const err = await expectSendError(
        sendProactiveCard(bot(), { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() }),
      );
      assert.equal(err.code, 'BOT_TRANSIENT');
      assert.equal(err.retryable, true);
      assert.equal(err.details.status, 503);
      assert.deepEqual(await messages(), []);
    });

    it('surfaces a failed send after the conversation was created', async () => {
      await env.control(env.connector, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '^/v3/conversations/[^/]+/activities',
        status: 403,
        body: { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } },
      });
      const connection = bot();
      connection.adapter.onTurnError = async () => {
        // an app-wide handler must not hide a failed proactive send
      };
      const err = await expectSendError(
        sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() }),
      );
      assert.equal(err.code, 'BOT_USER_UNREACHABLE');
      assert.equal(err.details.connectorCode, 'ConversationBlockedByUser');
      assert.deepEqual(await messages(), []);
    });
  });

  describe('TLS', () => {
    it('reaches an HTTPS connector only through the explicitly trusted CA', async () => {
      const https = await startEmulator(createConnectorEmulator({ keys: env.keys }), fixture, {
        tls: { cert: env.tls.serverCertPem, key: env.tls.serverKeyPem },
      });
      try {
        const trusted = createBotAdapter(botConfig({ serviceUrl: https.url }), { fetch: env.trust.fetch });
        await sendProactiveCard(trusted, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() });
        assert.equal(((await (await env.trust.fetch(`${https.url}/__control/messages`)).json()) as unknown[]).length, 1);

        // the token still comes through the trusted fetch; only the connector call uses the system roots
        const entraOrigin = new URL(env.entra.url).origin;
        const systemRootsForConnector: typeof fetch = (input, init) =>
          new URL(String(input instanceof Request ? input.url : input)).origin === entraOrigin
            ? env.trust.fetch(input, init)
            : globalThis.fetch(input, init);
        const untrusted = createBotAdapter(botConfig({ serviceUrl: https.url }), { fetch: systemRootsForConnector });
        const err = await expectSendError(
          sendProactiveCard(untrusted, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card() }),
        );
        assert.equal(err.code, 'BOT_TRANSIENT');
        assert.match(String((err.cause as Error).message), /certificate|self.signed|verify/i);
        assert.equal(((await (await env.trust.fetch(`${https.url}/__control/messages`)).json()) as unknown[]).length, 1);
      } finally {
        await https.close();
      }
    });
  });

  describe('inspection page', () => {
    it('shows a person the cards the bot sent them, escaped, and refreshes itself', async () => {
      await sendProactiveCard(bot(), {
        tenantId: fixture.tenant.id,
        userAadObjectId: organizer.id,
        card: card('<script>alert(1)</script> Roadmap'),
      });
      const page = await env.trust.fetch(`${env.connector.url}/__control/?user=${organizer.id}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /http-equiv="refresh"/);
      assert.match(html, /Bot messages for Megan Bowen/);
      assert.match(html, /Your meeting recording was archived/);
      assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62; Roadmap/);
      // the card's text is shown, never run (the page's own refresh script is the only script)
      assert.doesNotMatch(html, /<script>alert/);
      assert.equal(html.match(/<script\b/g)?.length, 1);
      assert.match(html, /href="https:\/\/kaltura\.example\/media\/1_abc123"/);

      const someoneElse = fixture.users.find((u) => u.id !== organizer.id)!;
      const theirs = await (await env.trust.fetch(`${env.connector.url}/__control/?user=${someoneElse.id}`)).text();
      assert.match(theirs, /No messages from the bot yet/);
    });

    it('shows an updated card once, in its latest version, as a chat does', async () => {
      const sent = await sendProactiveCard(bot(), { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card('Version one of the card') });
      await updateProactiveCard(bot(), { serviceUrl: env.connector.url, conversationId: sent.conversationId, activityId: sent.activityId, card: card('Version two of the card') });
      const html = await (await env.trust.fetch(`${env.connector.url}/__control/?user=${organizer.id}`)).text();
      assert.match(html, /Version two of the card/);
      assert.doesNotMatch(html, /Version one of the card/);
      assert.match(html, /updated /);
    });
  });
});
