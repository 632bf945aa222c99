import assert from 'node:assert/strict';
import { ManagedIdentityApplication, ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { createBotAdapter, type BotAdapterConfig, type BotConnection } from '../../bot/src/bot-adapter.js';
import { BotSendError } from '../../bot/src/bot-errors.js';
import { sendProactiveCard } from '../../bot/src/proactive-card.js';
import type { CapturedActivity } from '../../sandbox/connector/connector-store.js';
import { verifyBearer } from '../../sandbox/entra/token-keys.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';

const BOT_FRAMEWORK = 'https://api.botframework.com';
const UNKNOWN_IDENTITY = '0f0f0f0f-1111-4222-8333-444444444444';
/** what msal-node reads to pick App Service's source (Service Fabric wins when its thumbprint is set too) */
const MSI_VARIABLES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'MSI_ENDPOINT', 'MSI_SECRET', 'IMDS_ENDPOINT'] as const;

interface ManagedIdentityEnvironment {
  IDENTITY_ENDPOINT: string;
  IDENTITY_HEADER: string;
  apiVersion: string;
  identities: Array<{ clientId: string; principalId: string; resourceId: string }>;
}

interface EntraState {
  issued: Array<{ kind: string; clientId?: string; audience: string; tenantId: string }>;
  counts: Record<string, number>;
  managedIdentity: {
    path: string;
    issued: number;
    refused: Array<{ identity?: string; resource?: string; status: number; message: string }>;
    IDENTITY_HEADER?: unknown;
  };
}

/**
 * msal-node keeps managed identity state per process, not per ManagedIdentityApplication: the source
 * it picked first (endpoint, IDENTITY_HEADER, network client) and the token cache. A real App Service
 * process has one environment; each test here has its own, so both are forgotten in between. They are
 * private statics, reached through an instance.
 */
function forgetMsalManagedIdentity(): void {
  const probe = new ManagedIdentityApplication() as unknown as {
    managedIdentityClient: { constructor: { identitySource?: unknown; sourceName?: unknown } };
  };
  probe.managedIdentityClient.constructor.identitySource = undefined;
  probe.managedIdentityClient.constructor.sourceName = undefined;
  (ManagedIdentityApplication as unknown as { nodeStorage?: unknown }).nodeStorage = undefined;
}

describe('Bot with a user-assigned managed identity, tokens from the emulated App Service identity endpoint', () => {
  let env: TestEmulators;
  let fixture: Fixture;
  let organizer: Fixture['users'][number];
  let mi: ManagedIdentityEnvironment;
  const saved = new Map<string, string | undefined>();

  const setIdentityEnvironment = (vars: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string }): void => {
    for (const name of MSI_VARIABLES) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = vars.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = vars.IDENTITY_HEADER;
  };
  const restoreEnvironment = (): void => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };

  const botConfig = (overrides: Partial<BotAdapterConfig> = {}): BotAdapterConfig => ({
    appType: 'UserAssignedMsi',
    appId: fixture.teamsApp.botId,
    appTenantId: fixture.tenant.id,
    loginAuthority: env.entra.url,
    serviceUrl: `${env.connector.url}/`,
    inbound: { openIdMetadataUrl: `${env.connector.url}/v1/.well-known/openidconfiguration`, tokenIssuer: BOT_FRAMEWORK },
    ...overrides,
  });
  const bot = (overrides: Partial<BotAdapterConfig> = {}): BotConnection => createBotAdapter(botConfig(overrides), { fetch: env.trust.fetch });
  const card = (subject = 'Quarterly business review') => ({
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: 'Your meeting recording was archived', weight: 'Bolder', wrap: true },
      { type: 'FactSet', facts: [{ title: 'Meeting', value: subject }] },
    ],
  });
  const send = (connection: BotConnection, subject?: string) =>
    sendProactiveCard(connection, { tenantId: fixture.tenant.id, userAadObjectId: organizer.id, card: card(subject), summary: 'archived' });
  const messages = () => env.control<Array<CapturedActivity & { cards: Array<{ facts: Array<{ value: string }> }> }>>(env.connector, 'GET', '/__control/messages');
  const entraState = () => env.control<EntraState>(env.entra, 'GET', '/__control/state');
  const identityRequests = () => env.entra.requests.filter((r) => r.path === '/msi/token');
  const stsTokenRequests = () => env.entra.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
  const connectorRequests = () => env.connector.requests.filter((r) => r.path.startsWith('/v3/'));
  const expectSendError = async (promise: Promise<unknown>): Promise<BotSendError> => {
    const err = await promise.then(
      () => assert.fail('expected the send to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BotSendError, `expected a BotSendError, got ${String(err)}`);
    return err;
  };
  /** a request as App Service's clients make it, straight to the endpoint; `null`: without the header */
  const askEndpoint = (query: Record<string, string>, header: string | null = mi.IDENTITY_HEADER) =>
    env.trust.fetch(`${mi.IDENTITY_ENDPOINT}?${new URLSearchParams(query)}`, { headers: header === null ? {} : { 'X-IDENTITY-HEADER': header } });

  before(async () => {
    for (const name of MSI_VARIABLES) saved.set(name, process.env[name]);
    env = await startTestEmulators();
    fixture = env.fixture;
    organizer = fixture.users.find((u) => u.id === fixture.meetings[0]!.organizerId)!;
    mi = await env.control<ManagedIdentityEnvironment>(env.entra, 'GET', '/__control/managed-identity');
  });

  after(async () => {
    restoreEnvironment();
    forgetMsalManagedIdentity();
    await env?.close();
  });

  beforeEach(async () => {
    await env.control(env.connector, 'POST', '/__control/reset');
    await env.control(env.entra, 'POST', '/__control/reset');
    forgetMsalManagedIdentity();
    setIdentityEnvironment(mi);
  });

  afterEach(() => {
    restoreEnvironment();
    forgetMsalManagedIdentity();
  });

  it('publishes the environment App Service gives the app: the endpoint, its header and the bot as the identity', async () => {
    assert.equal(mi.IDENTITY_ENDPOINT, `${env.entra.url}/msi/token`);
    assert.match(mi.IDENTITY_HEADER, /^[0-9A-F]{32}$/);
    assert.equal(mi.apiVersion, '2019-08-01');
    assert.deepEqual(
      mi.identities.map((i) => i.clientId),
      [fixture.teamsApp.botId],
    );
    // msal-node takes these variables as App Service's
    assert.equal(new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: fixture.teamsApp.botId } }).getManagedIdentitySource(), 'AppService');
    // the header is a secret: the state, shown in the UI and bug reports, does not carry it
    const state = await entraState();
    assert.equal(state.managedIdentity.path, '/msi/token');
    assert.doesNotMatch(JSON.stringify(state), new RegExp(mi.IDENTITY_HEADER));
  });

  it('sends a proactive card the connector accepts, with a token from the identity endpoint and no client secret', async () => {
    const sent = await send(bot());

    const [message, ...rest] = await messages();
    assert.equal(rest.length, 0);
    assert.ok(message);
    assert.equal(message.id, sent.activityId);
    assert.equal(message.conversation.id, sent.conversationId);
    assert.equal(message.recipient.aadObjectId, organizer.id);
    assert.equal((message.activity as { from: { id: string } }).from.id, fixture.teamsApp.botId);
    assert.deepEqual(message.attachments, [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card() }]);
    assert.deepEqual(
      connectorRequests().map((r) => `${r.method} ${r.status}`),
      ['POST 201', 'POST 201'],
    );

    // msal-node called App Service's endpoint as documented, once, and never Entra's token endpoint
    const calls = identityRequests();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.method, 'GET');
    assert.equal(calls[0]!.status, 200);
    const query = new URLSearchParams(calls[0]!.query);
    assert.deepEqual(Object.fromEntries(query), { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: fixture.teamsApp.botId });
    assert.deepEqual(stsTokenRequests(), []);

    const state = await entraState();
    assert.equal(state.managedIdentity.issued, 1);
    assert.deepEqual(
      state.issued.map((t) => [t.kind, t.clientId, t.audience, t.tenantId]),
      [['managed-identity', fixture.teamsApp.botId, BOT_FRAMEWORK, fixture.tenant.id]],
    );
    assert.deepEqual(state.counts, { app: 0, sso: 0, refused: 0 });
  });

  it('keeps the token: a second card asks the endpoint nothing', async () => {
    const connection = bot();
    await send(connection, 'One');
    await send(connection, 'Two');
    assert.deepEqual(
      (await messages()).map((m) => m.cards[0]!.facts[0]!.value),
      ['One', 'Two'],
    );
    assert.equal(identityRequests().length, 1);
  });

  it('answers as App Service does: a token for the resource, signed with the emulated Entra key, for the bot identity', async () => {
    const res = await askEndpoint({ 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: fixture.teamsApp.botId });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.resource, BOT_FRAMEWORK);
    assert.equal(body.client_id, fixture.teamsApp.botId);
    // epoch seconds, as a string; managed identity tokens live 24 hours
    assert.match(body.expires_on!, /^\d{10}$/);
    const lifetime = Number(body.expires_on) - Date.now() / 1000;
    assert.ok(lifetime > 86_000 && lifetime <= 86_400, `lifetime ${lifetime}`);

    const claims = await verifyBearer(env.keys, `Bearer ${body.access_token}`, BOT_FRAMEWORK);
    const identity = mi.identities[0]!;
    assert.equal(claims.appid, fixture.teamsApp.botId);
    assert.equal(claims.appidacr, '2');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.tid, fixture.tenant.id);
    assert.equal(claims.iss, `https://sts.windows.net/${fixture.tenant.id}/`);
    assert.equal(claims.oid, identity.principalId);
    assert.equal(claims.sub, identity.principalId);
    assert.equal(claims.xms_mirid, identity.resourceId);
    assert.equal(claims.ver, '1.0');
    assert.equal(claims.exp, Number(body.expires_on));

    // a stable identity: the same object id every time, the one the bot's other tokens carry
    const again = (await (await askEndpoint({ 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: fixture.teamsApp.botId })).json()) as Record<string, string>;
    assert.equal(decodeJwt(again.access_token!).oid, identity.principalId);

    // the identity may also be named by its object id or its resource id; Graph is a resource too
    const selectors: Array<Record<string, string>> = [{ principal_id: identity.principalId }, { object_id: identity.principalId.toUpperCase() }, { mi_res_id: identity.resourceId }];
    for (const select of selectors) {
      const r = await askEndpoint({ 'api-version': '2019-08-01', resource: 'https://graph.microsoft.com/', ...select });
      assert.equal(r.status, 200, JSON.stringify(select));
      const b = (await r.json()) as Record<string, string>;
      assert.equal(b.client_id, fixture.teamsApp.botId);
      assert.equal(b.resource, 'https://graph.microsoft.com');
      assert.equal(decodeJwt(b.access_token!).aud, 'https://graph.microsoft.com');
    }
  });

  it("refuses what App Service refuses, in its body: { statusCode, message, correlationId }", async () => {
    const botId = fixture.teamsApp.botId;
    const cases: Array<{ what: string; query: Record<string, string>; header?: string | null; status: number; message: RegExp }> = [
      { what: 'no X-IDENTITY-HEADER', query: { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: botId }, header: null, status: 401, message: /X-IDENTITY-HEADER/ },
      { what: 'a wrong X-IDENTITY-HEADER', query: { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: botId }, header: 'not-the-header', status: 401, message: /X-IDENTITY-HEADER/ },
      { what: 'the 2017 protocol', query: { 'api-version': '2017-09-01', resource: BOT_FRAMEWORK, clientid: botId }, status: 400, message: /api-version '2017-09-01'/ },
      { what: 'no resource', query: { 'api-version': '2019-08-01', client_id: botId }, status: 400, message: /'resource'/ },
      { what: 'an identity the app does not have', query: { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: UNKNOWN_IDENTITY }, status: 400, message: /^Unable to load the proper Managed Identity\.$/ },
      { what: 'no identity (the system-assigned one, which the app does not have)', query: { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK }, status: 400, message: /^Unable to load the proper Managed Identity\.$/ },
      { what: 'two identities', query: { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: botId, principal_id: mi.identities[0]!.principalId }, status: 400, message: /Only one of/ },
      { what: 'an unknown resource', query: { 'api-version': '2019-08-01', resource: 'https://nothing.example', client_id: botId }, status: 400, message: /^AADSTS500011: The resource principal named https:\/\/nothing\.example was not found/ },
    ];
    for (const c of cases) {
      const res = await askEndpoint(c.query, c.header === undefined ? mi.IDENTITY_HEADER : c.header);
      assert.equal(res.status, c.status, c.what);
      const body = (await res.json()) as { statusCode: number; message: string; correlationId: string };
      assert.deepEqual(Object.keys(body), ['statusCode', 'message', 'correlationId'], c.what);
      assert.equal(body.statusCode, c.status, c.what);
      assert.match(body.message, c.message, c.what);
      assert.equal(body.correlationId, res.headers.get('x-correlation-id'), c.what);
    }
    const state = await entraState();
    assert.deepEqual(
      state.managedIdentity.refused.map((r) => r.status),
      cases.map((c) => c.status),
    );
    assert.equal(state.managedIdentity.issued, 0);
  });

  it('shortens managed identity tokens with the app token lifetime, for renewal tests', async () => {
    await env.control(env.entra, 'POST', '/__control/token-lifetime', { seconds: 600 });
    const body = (await (await askEndpoint({ 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: fixture.teamsApp.botId })).json()) as Record<string, string>;
    const claims = decodeJwt(body.access_token!);
    assert.equal(claims.exp! - claims.iat!, 600);
    assert.equal(Number(body.expires_on), claims.exp);
  });

  it('takes a rotated IDENTITY_HEADER only: the old one is refused', async () => {
    const rotated = await env.control<ManagedIdentityEnvironment>(env.entra, 'POST', '/__control/managed-identity/rotate');
    try {
      assert.notEqual(rotated.IDENTITY_HEADER, mi.IDENTITY_HEADER);
      const query = { 'api-version': '2019-08-01', resource: BOT_FRAMEWORK, client_id: fixture.teamsApp.botId };
      assert.equal((await askEndpoint(query)).status, 401);
      assert.equal((await askEndpoint(query, rotated.IDENTITY_HEADER)).status, 200);
    } finally {
      await env.control(env.entra, 'POST', '/__control/managed-identity/rotate', { header: mi.IDENTITY_HEADER });
    }
  });

  it('fails the send with BOT_AUTH_FAILED on a wrong IDENTITY_HEADER, and the connector receives nothing', async () => {
    setIdentityEnvironment({ IDENTITY_ENDPOINT: mi.IDENTITY_ENDPOINT, IDENTITY_HEADER: 'stale-header-from-before-a-restart' });
    const err = await expectSendError(send(bot()));

    assert.equal(err.code, 'BOT_AUTH_FAILED');
    assert.equal(err.retryable, false);
    assert.equal(err.details.status, 401);
    assert.match(err.message, new RegExp(`bot's identity ${fixture.teamsApp.botId} \\(HTTP 401\\): The X-IDENTITY-HEADER header is missing or does not match`));
    assert.doesNotMatch(err.message, /stale-header/);
    // what msal-node threw: a ServerError with no error code, the endpoint's text only in its message
    assert.ok(err.cause instanceof ServerError);
    assert.equal(err.cause.errorCode, '');
    assert.equal(err.cause.status, 401);

    assert.deepEqual(identityRequests().map((r) => r.status), [401]);
    assert.deepEqual(connectorRequests(), []);
    assert.deepEqual(await messages(), []);
    assert.deepEqual(
      (await entraState()).managedIdentity.refused.map((r) => [r.status, r.identity, r.resource]),
      [[401, fixture.teamsApp.botId, BOT_FRAMEWORK]],
    );
  });

  it('fails the send with BOT_AUTH_FAILED when BOT_ID is not an identity of the app', async () => {
    const err = await expectSendError(send(bot({ appId: UNKNOWN_IDENTITY })));

    assert.equal(err.code, 'BOT_AUTH_FAILED');
    assert.equal(err.retryable, false);
    assert.equal(err.details.status, 400);
    assert.equal(err.message, `The managed identity endpoint refused a token for the bot's identity ${UNKNOWN_IDENTITY} (HTTP 400): Unable to load the proper Managed Identity.`);
    assert.ok(err.cause instanceof ServerError);

    assert.equal(identityRequests().length, 1);
    assert.equal(new URLSearchParams(identityRequests()[0]!.query).get('client_id'), UNKNOWN_IDENTITY);
    assert.deepEqual(connectorRequests(), []);
    assert.deepEqual(await messages(), []);
  });

  it('lets msal-node retry a 503 from the endpoint, and fails as BOT_TRANSIENT when it persists', async () => {
    await env.control(env.entra, 'POST', '/__control/faults', { method: 'GET', path: '/msi/token', status: 503, body: { statusCode: 503, message: 'busy' } });
    await send(bot(), 'after a retry');
    assert.deepEqual(identityRequests().map((r) => r.status), [503, 200]);
    assert.equal((await messages()).length, 1);

    forgetMsalManagedIdentity();
    env.entra.requests.length = 0;
    // msal-node tries four times (three retries, a second apart)
    await env.control(env.entra, 'POST', '/__control/faults', { method: 'GET', path: '/msi/token', status: 503, count: 4, body: { statusCode: 503, message: 'busy' } });
    const err = await expectSendError(send(bot()));
    assert.equal(err.code, 'BOT_TRANSIENT');
    assert.equal(err.retryable, true);
    assert.equal(err.details.status, 503);
    assert.match(err.message, /\(HTTP 503\): busy$/);
    assert.deepEqual(identityRequests().map((r) => r.status), [503, 503, 503, 503]);
    assert.equal((await messages()).length, 1);
  });
});
