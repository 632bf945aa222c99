import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type TurnContext } from 'botbuilder';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { createConnectorEmulator, type ConnectorBehaviour } from '../../sandbox/connector/connector-emulator.js';
import { personalConversationId, teamsUserId, type CapturedActivity } from '../../sandbox/connector/connector-store.js';
import { startEmulator, type RunningEmulator } from '../../sandbox/emulator/emulator-server.js';
import { createTokenKeys, type TokenKeys } from '../../sandbox/entra/token-keys.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';

type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

interface BotAnswer {
  status: number;
  body: string;
  authorization?: string;
}

/**
 * A bot's /api/messages as botbuilder runs it: CloudAdapter.process with the real channel token
 * validation, pointed at the emulator's OpenID metadata. Only activities that pass reach `turns`.
 */
interface TestBot {
  url: string;
  turns: Activity[];
  answers: BotAnswer[];
  onTurn: (context: TurnContext) => Promise<void>;
  close(): Promise<void>;
}

async function startTestBot(options: { botId: string; tenantId: string; metadataUrl: string; botToken: () => Promise<string> }): Promise<TestBot> {
  const credentials: CredentialsFactory = {
    isValidAppId: async (appId: string) => appId === options.botId,
    isAuthenticationDisabled: async () => false,
    // replies go to the connector emulator, which wants a bot token from the (emulated) Entra key
    createCredentials: async () => ({
      signRequest: async <T extends { headers: { set(name: string, value: string): void } }>(request: T) => {
        request.headers.set('authorization', `Bearer ${await options.botToken()}`);
        return request;
      },
    }),
  } as unknown as CredentialsFactory;
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(
      {
        MicrosoftAppId: options.botId,
        MicrosoftAppTenantId: options.tenantId,
        ToBotFromChannelOpenIdMetadataUrl: options.metadataUrl,
        ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
        ToBotFromEmulatorOpenIdMetadataUrl: options.metadataUrl,
        ValidateAuthority: false,
      },
      credentials,
    ),
  );
  const bot: TestBot = {
    url: '',
    turns: [],
    answers: [],
    onTurn: async () => {},
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      let status = 200;
      const sent: string[] = [];
      const answered = new Promise<void>((resolve) => {
        const response = {
          socket: req.socket,
          status: (code: number) => {
            status = code;
          },
          header: (name: string, value: unknown) => res.setHeader(name, String(value)),
          send: (chunk: unknown) => {
            sent.push(typeof chunk === 'string' ? chunk : JSON.stringify(chunk));
          },
          end: () => {
            res.writeHead(status, { 'content-type': 'text/plain' });
            res.end(sent.join(''));
            resolve();
          },
        };
        void adapter.process({ method: req.method, headers: req.headers, body }, response, async (context) => {
          bot.turns.push(context.activity);
          await bot.onTurn(context);
        });
      });
      await answered;
      bot.answers.push({ status, body: sent.join(''), authorization: req.headers.authorization });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  return bot;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** botbuilder logs every refused token with console.error; the test reads the answers instead. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

describe('Bot Connector emulator, the Teams channel side, checked by botbuilder', () => {
  let keys: TokenKeys;
  let fixture: Fixture;
  let behaviour: ConnectorBehaviour;
  let connector: RunningEmulator;
  let bot: TestBot;
  let megan: Fixture['users'][number];
  /** has not installed the app (the fixture's installedFor leaves them out) */
  let lee: Fixture['users'][number];

  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${connector.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${connector.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const messages = async (query = ''): Promise<CapturedActivity[]> => (await control('GET', `/__control/messages${query}`)).body;
  const botToken = () =>
    new SignJWT({ iss: `https://sts.windows.net/${fixture.tenant.id}/`, tid: fixture.tenant.id, appid: fixture.teamsApp.botId })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .setAudience('https://api.botframework.com')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keys.privateKey);
  /** the bot calling the connector's REST API itself, as a proactive send does */
  const asBot = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${connector.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await botToken()}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const createConversation = (user: { id: string }) =>
    asBot('POST', '/v3/conversations', { isGroup: false, members: [{ id: user.id }], tenantId: fixture.tenant.id });
  const setEndpoint = (messagingEndpoint: string | null) => control('POST', '/__control/settings', { messagingEndpoint });
  const channelToken = async (options: Record<string, unknown> = {}): Promise<string> => {
    const res = await control('POST', '/__control/channel-token', options);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.token;
  };

  before(async () => {
    keys = await createTokenKeys();
    const demo = await demoFixture();
    lee = demo.users.find((u) => u.displayName === 'Lee Gu')!;
    megan = demo.users.find((u) => u.displayName === 'Megan Bowen')!;
    fixture = { ...demo, teamsApp: { ...demo.teamsApp, installedFor: demo.users.filter((u) => u !== lee).map((u) => u.id) } };
    behaviour = createConnectorEmulator({ keys });
    connector = await startEmulator(behaviour, fixture);
    bot = await startTestBot({
      botId: fixture.teamsApp.botId,
      tenantId: fixture.tenant.id,
      metadataUrl: `${connector.url}/v1/.well-known/openidconfiguration`,
      botToken,
    });
  });

  after(async () => {
    await bot?.close();
    await connector?.close();
  });

  beforeEach(async () => {
    await control('POST', '/__control/reset');
    assert.equal((await setEndpoint(bot.url)).status, 200);
    bot.turns.length = 0;
    bot.answers.length = 0;
    bot.onTurn = async () => {};
  });

  it("publishes its own signing key, endorsed for msteams, at the channel's OpenID metadata URL", async () => {
    const metadata = await control('GET', '/v1/.well-known/openidconfiguration');
    assert.equal(metadata.status, 200);
    assert.deepEqual(
      {
        issuer: metadata.body.issuer,
        jwks_uri: metadata.body.jwks_uri,
        algs: metadata.body.id_token_signing_alg_values_supported,
        auth: metadata.body.token_endpoint_auth_methods_supported,
      },
      {
        issuer: 'https://api.botframework.com',
        jwks_uri: `${connector.url}/v1/.well-known/keys`,
        algs: ['RS256'],
        auth: ['private_key_jwt'],
      },
    );
    const jwks = await control('GET', '/v1/.well-known/keys');
    assert.equal(jwks.body.keys.length, 1);
    const [key] = jwks.body.keys;
    assert.equal(key.kty, 'RSA');
    assert.equal(key.use, 'sig');
    assert.deepEqual(key.endorsements, ['msteams']);
    assert.ok(key.n && key.e && key.kid);
    // not the Entra emulator's key: a bot token must not pass as a channel token, nor the reverse
    assert.notEqual(key.kid, keys.kid);
    assert.notEqual(key.n, keys.publicJwk.n);
  });

  it("delivers a person's message in Teams' shape, signed so botbuilder's channel validation accepts it", async () => {
    const said = await control('POST', '/__control/say', { user: megan.userPrincipalName, text: 'hello bot' });
    assert.equal(said.status, 200, JSON.stringify(said.body));
    const conversationId = personalConversationId(fixture.teamsApp.botId, megan.id);
    assert.deepEqual(said.body, { conversationId, activityId: said.body.activityId, status: 200 });
    assert.match(said.body.activityId, /^\d{13,}$/);

    assert.equal(bot.turns.length, 1);
    const activity = bot.turns[0]! as Activity & Record<string, any>;
    const serviceUrl = `${connector.url}/`;
    assert.equal(activity.type, 'message');
    assert.equal(activity.id, said.body.activityId);
    assert.equal(activity.text, 'hello bot');
    assert.equal(activity.textFormat, 'plain');
    assert.equal(activity.serviceUrl, serviceUrl);
    assert.equal(activity.channelId, 'msteams');
    assert.deepEqual(activity.from, { id: teamsUserId(megan.id), name: megan.displayName, aadObjectId: megan.id });
    assert.match(activity.from.id, /^29:/);
    assert.deepEqual(activity.recipient, { id: `28:${fixture.teamsApp.botId}`, name: 'Recording Archiver' });
    assert.deepEqual(activity.conversation, { conversationType: 'personal', tenantId: fixture.tenant.id, id: conversationId });
    assert.deepEqual(activity.channelData, { tenant: { id: fixture.tenant.id } });
    assert.equal(activity.locale, 'en-US');
    assert.equal(activity.localTimezone, 'Europe/London');
    // botbuilder turns the timestamps into Dates; on the wire they are ISO strings, the local one with its offset
    const wire = (await messages())[0]!.activity;
    assert.match(String(wire.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(String(wire.localTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    assert.equal(new Date(String(wire.localTimestamp)).getTime(), new Date(String(wire.timestamp)).getTime());
    assert.equal(activity.timestamp?.getTime(), new Date(String(wire.timestamp)).getTime());
    assert.deepEqual(activity.entities, [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' }]);

    // the token: the channel's key, its issuer, the bot as audience, the activity's serviceUrl, one hour
    const token = bot.answers[0]!.authorization!.replace(/^Bearer /, '');
    const jwks = (await control('GET', '/v1/.well-known/keys')).body;
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', typ: 'JWT', kid: jwks.keys[0].kid });
    const claims = decodeJwt(token);
    assert.equal(claims.iss, 'https://api.botframework.com');
    assert.equal(claims.aud, fixture.teamsApp.botId);
    assert.equal(claims.serviceurl, serviceUrl);
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.ok(claims.nbf! <= Date.now() / 1000);

    // each activity is new: a second message has its own, later id
    const again = await control('POST', '/__control/say', { user: megan.id, text: 'and again' });
    assert.ok(Number(again.body.activityId) > Number(said.body.activityId));
  });

  it("lets the bot answer through the activity's serviceUrl, and keeps both sides in order", async () => {
    bot.onTurn = async (context) => {
      if (context.activity.type === 'message') await context.sendActivity(`echo: ${context.activity.text}`);
    };
    const said = await control('POST', '/__control/say', { user: megan.id, text: 'ping' });
    assert.equal(said.body.status, 200);
    const all = await messages(`?user=${megan.id}`);
    assert.deepEqual(
      all.map((m) => [m.kind, m.text]),
      [
        ['inbound', 'ping'],
        ['reply', 'echo: ping'],
      ],
    );
    assert.deepEqual(all[0]!.delivery, { status: 200 });
    assert.equal(all[1]!.replyToId, said.body.activityId);
    assert.deepEqual((await messages('?kind=reply,send')).map((m) => m.text), ['echo: ping']);
  });

  describe('tokens botbuilder refuses', () => {
    /** posts a real inbound activity to the bot with the given Authorization header */
    let template: Record<string, unknown>;
    const postWith = async (authorization: string | undefined, activity = template): Promise<BotAnswer> => {
      const before = bot.turns.length;
      const res = await quietly(() =>
        fetch(bot.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(activity),
        }),
      );
      const answer = { status: res.status, body: await res.text() };
      if (answer.status >= 400) assert.equal(bot.turns.length, before, 'a refused activity never reaches the turn');
      return answer;
    };

    beforeEach(async () => {
      await control('POST', '/__control/say', { user: megan.id, text: 'template' });
      template = (await messages())[0]!.activity;
      bot.turns.length = 0;
    });

    it('accepts the default channel token (so the refusals below are about the one claim changed)', async () => {
      const answer = await postWith(`Bearer ${await channelToken()}`);
      assert.equal(answer.status, 200, answer.body);
      assert.equal(bot.turns.length, 1);
    });

    it('refuses no token, another audience, another issuer, an expired token and a different serviceUrl with 401', async () => {
      const cases: Array<[string, string | undefined, RegExp]> = [
        ['no token', undefined, /Unauthorized Access\. Request is not authorized/],
        ['audience of another app', `Bearer ${await channelToken({ audience: fixture.appRegistrations[0]!.clientId })}`, /Invalid AppId passed on token/],
        ['another issuer', `Bearer ${await channelToken({ issuer: 'https://issuer.example' })}`, /No valid identity/],
        // botbuilder allows five minutes of clock skew, so "expired" means longer ago than that
        ['expired ten minutes ago', `Bearer ${await channelToken({ expiresInSeconds: -600 })}`, /The token has expired/],
        ['serviceUrl of another connector', `Bearer ${await channelToken({ serviceUrl: 'http://127.0.0.1:9/' })}`, /ServiceUrl claim do not match/],
      ];
      for (const [name, authorization, reason] of cases) {
        const answer = await postWith(authorization);
        assert.equal(answer.status, 401, `${name}: ${answer.body}`);
        assert.match(answer.body, reason, name);
      }
    });

    it('refuses a token signed by an unpublished key, and one not valid yet (botbuilder answers those 500)', async () => {
      // jsonwebtoken's own errors are not botbuilder AuthenticationErrors, so CloudAdapter.process
      // answers 500: still refused, the turn never runs
      const forged = await postWith(`Bearer ${await channelToken({ forged: true })}`);
      assert.equal(forged.status, 500);
      assert.match(forged.body, /invalid signature/);
      const early = await postWith(`Bearer ${await channelToken({ notBeforeInSeconds: 900 })}`);
      assert.equal(early.status, 500);
      assert.match(early.body, /jwt not active/);
      assert.equal(bot.turns.length, 0);
    });

    it("refuses an activity whose serviceUrl is not the token's", async () => {
      const answer = await postWith(`Bearer ${await channelToken()}`, { ...template, serviceUrl: 'http://127.0.0.1:9/' });
      assert.equal(answer.status, 401);
      assert.match(answer.body, /ServiceUrl claim do not match/);
    });
  });

  describe('installing and uninstalling', () => {
    it('install tells the bot (the bot joins, then the installation) and opens the person to proactive messages', async () => {
      const before = await createConversation(lee);
      assert.equal(before.status, 403);
      assert.deepEqual(before.body, { error: { code: 'ForbiddenOperationException', message: "Bot isn't installed in user's personal scope" } });

      const installed = await control('POST', '/__control/install', { user: lee.userPrincipalName });
      assert.equal(installed.status, 200, JSON.stringify(installed.body));
      const conversationId = personalConversationId(fixture.teamsApp.botId, lee.id);
      assert.equal(installed.body.conversationId, conversationId);
      assert.equal(installed.body.alreadyInstalled, false);
      assert.deepEqual(
        installed.body.deliveries.map((d: { type: string; status: number }) => [d.type, d.status]),
        [
          ['conversationUpdate', 200],
          ['installationUpdate', 200],
        ],
      );

      const [joined, installation] = bot.turns as Array<Activity & Record<string, any>>;
      assert.equal(joined!.type, 'conversationUpdate');
      assert.deepEqual(joined!.membersAdded, [{ id: `28:${fixture.teamsApp.botId}` }]);
      assert.match(String(joined!.id), /^f:/);
      assert.equal(installation!.type, 'installationUpdate');
      assert.equal(installation!.action, 'add');
      assert.deepEqual(installation!.from, { id: teamsUserId(lee.id), name: lee.displayName, aadObjectId: lee.id });
      assert.equal(installation!.conversation.id, conversationId);
      assert.notEqual(installation!.id, joined!.id);

      const after = await createConversation(lee);
      assert.equal(after.status, 201);
      assert.equal(after.body.id, conversationId);
      const state = (await control('GET', '/__control/state')).body;
      assert.ok(state.installedFor.includes(lee.id));
    });

    it("uninstall tells the bot, after which the connector refuses its posts as Teams does", async () => {
      const sent = await asBot('POST', `/v3/conversations/${encodeURIComponent(personalConversationId(fixture.teamsApp.botId, megan.id))}/activities`, {
        type: 'message',
        text: 'before',
      });
      assert.equal(sent.status, 201);

      const removed = await control('POST', '/__control/uninstall', { user: megan.id });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual(removed.body.deliveries.map((d: { type: string; status: number }) => [d.type, d.status]), [['installationUpdate', 200]]);
      assert.equal((bot.turns[0] as Activity & { action?: string }).action, 'remove');

      const conversationPath = `/v3/conversations/${encodeURIComponent(removed.body.conversationId)}`;
      const roster = { error: { code: 'BotNotInConversationRoster', message: "The bot isn't part of the conversation roster." } };
      const send = await asBot('POST', `${conversationPath}/activities`, { type: 'message', text: 'after' });
      assert.equal(send.status, 403);
      assert.deepEqual(send.body, roster);
      const reply = await asBot('POST', `${conversationPath}/activities/${sent.body.id}`, { type: 'message', text: 'after' });
      assert.deepEqual([reply.status, reply.body], [403, roster]);
      const update = await asBot('PUT', `${conversationPath}/activities/${sent.body.id}`, { type: 'message', text: 'edited' });
      assert.deepEqual([update.status, update.body], [403, roster]);
      const create = await createConversation(megan);
      assert.equal(create.status, 403);
      assert.equal(create.body.error.code, 'ForbiddenOperationException');

      // nothing to uninstall twice, and no chat to write in
      const twice = await control('POST', '/__control/uninstall', { user: megan.id });
      assert.equal(twice.status, 409);
      assert.match(twice.body.error, /does not have the app installed/);
      const say = await control('POST', '/__control/say', { user: megan.id, text: 'hello?' });
      assert.equal(say.status, 409);
      assert.match(say.body.error, /install it first/);

      assert.deepEqual(
        (await messages(`?user=${megan.id}`)).map((m) => [m.kind, m.type]),
        [
          ['send', 'message'],
          ['uninstall', 'installationUpdate'],
        ],
      );
      // installing again lifts the refusal
      assert.equal((await control('POST', '/__control/install', { user: megan.id })).status, 200);
      assert.equal((await asBot('POST', `${conversationPath}/activities`, { type: 'message', text: 'back' })).status, 201);
    });

    it("takes the installed set from the fixture's installedFor, and everyone when it is absent", async () => {
      assert.equal((await createConversation(lee)).status, 403);
      assert.equal((await createConversation(megan)).status, 201);
      const { installedFor: _dropped, ...teamsApp } = fixture.teamsApp;
      try {
        assert.equal((await control('POST', '/__control/fixture', { ...fixture, teamsApp })).status, 200);
        assert.equal((await createConversation(lee)).status, 201);
        // the messaging endpoint is the bot registration's, not the tenant's: a new fixture keeps it
        assert.equal((await control('GET', '/__control/settings')).body.messagingEndpoint, bot.url);
      } finally {
        await control('POST', '/__control/fixture', fixture);
      }
      assert.equal((await createConversation(lee)).status, 403);
    });

    it('installs through the behaviour (as Graph will), with or without a bot to tell', async () => {
      const result = await behaviour.install(lee.id);
      assert.deepEqual(result.deliveries.map((d) => d.status), [200, 200]);
      assert.equal(bot.turns.length, 2);

      await control('POST', '/__control/reset');
      await setEndpoint(null);
      const quiet = await behaviour.install(lee.userPrincipalName);
      assert.deepEqual(quiet.deliveries, []);
      assert.match(quiet.undelivered ?? '', /No messaging endpoint/);
      assert.equal((await createConversation(lee)).status, 201, 'installed all the same');
      await assert.rejects(behaviour.install('nobody@contoso.onmicrosoft.com'), /No fixture user/);
    });

    it('tells installation listeners of each change made here (so Graph can agree), once per change', async () => {
      const changes: Array<[string, boolean]> = [];
      const stop = behaviour.onInstallationChanged((userId, installed) => changes.push([userId, installed]));
      try {
        await control('POST', '/__control/install', { user: lee.userPrincipalName });
        await control('POST', '/__control/install', { user: lee.id });
        await control('POST', '/__control/uninstall', { user: megan.id });
        await control('POST', '/__control/reset');
      } finally {
        stop();
      }
      await control('POST', '/__control/install', { user: lee.id });
      assert.deepEqual(changes, [
        [lee.id, true],
        [megan.id, false],
      ]);
    });
  });

  describe('when the bot cannot be reached', () => {
    it('answers 409 without a messaging endpoint, and changes nothing', async () => {
      assert.deepEqual((await setEndpoint(null)).body, { messagingEndpoint: null });
      for (const [path, body] of [
        ['/__control/install', { user: lee.id }],
        ['/__control/say', { user: megan.id, text: 'hi' }],
        ['/__control/uninstall', { user: megan.id }],
      ] as const) {
        const res = await control('POST', path, body);
        assert.equal(res.status, 409, path);
        assert.match(res.body.error, /No messaging endpoint is set: POST \/__control\/settings/);
      }
      assert.equal((await createConversation(lee)).status, 403);
      assert.equal((await createConversation(megan)).status, 201);
      assert.deepEqual(await messages(), []);
    });

    it('answers 502 saying so when nothing listens at the endpoint', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const endpoint = `http://127.0.0.1:${port}/api/messages`;
      assert.equal((await setEndpoint(endpoint)).status, 200);

      const say = await control('POST', '/__control/say', { user: megan.id, text: 'anyone there?' });
      assert.equal(say.status, 502);
      assert.equal(say.body.error, `the bot is not reachable at ${endpoint}: connection refused (is the app running?)`);
      assert.equal(say.body.status, null);
      const install = await control('POST', '/__control/install', { user: lee.id });
      assert.equal(install.status, 502);
      assert.match(install.body.error, /not reachable/);
      // Teams installed the app even though the bot was down
      assert.equal((await createConversation(lee)).status, 201);
      const kept = await messages();
      assert.deepEqual(kept.map((m) => [m.kind, m.delivery?.status]), [
        ['inbound', null],
        ['install', null],
        ['install', null],
      ]);
    });

    it('only posts to loopback, and says what is wrong with a bad endpoint', async () => {
      const remote = await setEndpoint('http://bots.example.com/api/messages');
      assert.equal(remote.status, 400);
      assert.match(remote.body.error, /must be on loopback/);
      assert.equal((await setEndpoint('not a url')).status, 400);
      assert.equal((await control('POST', '/__control/settings', { endpoint: bot.url })).status, 400);
      assert.equal((await control('GET', '/__control/settings')).body.messagingEndpoint, bot.url);
      const token = await control('POST', '/__control/channel-token', { expiresIn: 5 });
      assert.equal(token.status, 400, 'an unknown option is a mistake, not ignored');
      assert.equal((await control('POST', '/__control/say', { user: 'nobody', text: 'x' })).status, 404);
    });
  });

  describe('messages page', () => {
    it("shows the person's own messages (right), the bot's (left) and the app's install events, escaped", async () => {
      bot.onTurn = async (context) => {
        if (context.activity.type === 'message') await context.sendActivity(`you said ${context.activity.text}`);
      };
      await control('POST', '/__control/install', { user: lee.id });
      await control('POST', '/__control/say', { user: lee.id, text: '<script>alert(1)</script> & "quotes"' });
      const html = await (await fetch(`${connector.url}/__control/?user=${lee.id}`)).text();
      assert.match(html, /<h1>Bot messages for Lee Gu<\/h1>/);
      assert.match(html, /<li class="msg user">.*&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; &#34;quotes&#34;<\/p><\/li>/);
      assert.match(html, /<li class="msg bot">.*you said &#60;script&#62;/);
      assert.match(html, /Lee Gu installed the app \(installationUpdate\) · the bot answered 200/);
      assert.match(html, /The bot joined Lee Gu&#39;s chat \(conversationUpdate\)/);
      assert.doesNotMatch(html, /<script>alert/);
      // newest first: the bot's answer, the message, then the installation
      const order = ['you said', 'msg user', 'installed the app', 'joined'].map((s) => html.indexOf(s));
      assert.deepEqual([...order].sort((a, b) => a - b), order);
    });

    it('has labelled forms posting to the control routes, for one person or for anyone', async () => {
      const mine = await (await fetch(`${connector.url}/__control/?user=${megan.id}`)).text();
      for (const action of ['say', 'install', 'uninstall', 'settings']) {
        assert.match(mine, new RegExp(`<form method="post" action="/__control/${action}">`), action);
      }
      assert.match(mine, /<label for="say-text">Message to the bot<\/label>\s*<input id="say-text" name="text" type="text" required/);
      assert.match(mine, /<input type="hidden" name="user" value="00000000-0000-4000-8000-000000000001">/);
      assert.match(mine, /<button type="submit">Install the app for Megan Bowen<\/button>/);
      assert.match(mine, /<button type="submit" class="secondary">Uninstall the app for Megan Bowen<\/button>/);
      assert.match(mine, /<label for="messaging-endpoint">Bot messaging endpoint<\/label>/);
      assert.match(mine, /Megan Bowen has the app installed\./);

      const everyone = await (await fetch(`${connector.url}/__control/`)).text();
      for (const id of ['say-user', 'install-user', 'uninstall-user']) {
        assert.match(everyone, new RegExp(`<label for="${id}">Person</label>\\s*<select id="${id}" name="user">`), id);
      }
      assert.match(everyone, /<option value="00000000-0000-4000-8000-000000000003">Lee Gu \(app not installed\)<\/option>/);
      // typing is not interrupted: the refresh waits, and without scripts a plain refresh remains
      assert.match(everyone, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/);
    });

    it('answers a form with a 303 back to the page, whose notice says what happened', async () => {
      const said = await form('/__control/say', { user: megan.id, text: 'from the page' });
      assert.equal(said.status, 303);
      const location = said.headers.get('location')!;
      assert.match(location, /^\/__control\/\?user=00000000-0000-4000-8000-000000000001&notice=/);
      assert.equal(bot.turns.at(-1)?.text, 'from the page');
      const page = await (await fetch(`${connector.url}${location}`)).text();
      assert.match(page, /<p class="notice" role="status">Megan Bowen said &#34;from the page&#34;; the bot answered 200 to message\.<\/p>/);

      const installed = await form('/__control/install', { user: lee.id, view: 'everyone' });
      assert.equal(installed.status, 303);
      const back = new URL(installed.headers.get('location')!, connector.url);
      assert.equal(back.pathname, '/__control/');
      assert.equal(back.searchParams.get('user'), null, 'the form came from the everyone view');
      assert.equal(back.searchParams.get('notice'), 'Installed the app for Lee Gu; the bot answered 200 to conversationUpdate, 200 to installationUpdate.');

      const refused = await form('/__control/uninstall', { user: 'nobody@contoso.onmicrosoft.com' });
      assert.equal(refused.status, 303);
      assert.equal(new URL(refused.headers.get('location')!, connector.url).searchParams.get('notice'), 'No fixture user nobody@contoso.onmicrosoft.com.');

      const cleared = await form('/__control/settings', { messagingEndpoint: '' });
      assert.equal(cleared.status, 303);
      assert.equal((await control('GET', '/__control/settings')).body.messagingEndpoint, null);
      const empty = await form('/__control/say', { user: megan.id, text: '' });
      assert.equal(new URL(empty.headers.get('location')!, connector.url).searchParams.get('notice'), 'The message text is empty.');
    });
  });
});
