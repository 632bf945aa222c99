import assert from 'node:assert/strict';
import { personalConversationId, teamsUserId } from '../../sandbox/connector/connector-store.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

interface CardSummary {
  title?: string;
  texts: string[];
  facts: Array<{ title: string; value: string }>;
  links: Array<{ title: string; url: string }>;
}

/** What the connector emulator lists of each activity the bot sent. */
interface BotMessage {
  id: string;
  kind: string;
  replyToId?: string;
  conversation: { id: string };
  recipient: { aadObjectId: string };
  cards: CardSummary[];
}

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/**
 * The bot's inbound side in process, through the real CloudAdapter: POST /api/messages refuses every
 * activity whose channel token is not right (and never processes it), refuses bodies that are not
 * activities with 400/413, and what people do in the emulated Teams (install, uninstall, commands)
 * gets the right reference stored and the right card back.
 */
describe('bot inbound: /api/messages and the conversation', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let fixture: Fixture;
  let serviceUrl: string;
  let botId: string;
  let tenantId: string;

  // the demo fixture's people: Megan holds Archiver.Admin, the others hold no role
  let megan: string;
  let adele: string;
  let lee: string;
  let patti: string;

  const reference = (user: string) => h.app.store.conversations.get(tenantId.toLowerCase(), user.toLowerCase());
  const botMessages = async () => (await h.messages()) as unknown as BotMessage[];
  /** the bot's answer(s) to one activity the channel posted */
  const repliesTo = async (activityId: string) => (await botMessages()).filter((m) => m.kind === 'reply' && m.replyToId === activityId);
  const onlyCard = async (activityId: string): Promise<CardSummary> => {
    const replies = await repliesTo(activityId);
    assert.equal(replies.length, 1, `exactly one reply to ${activityId}: ${JSON.stringify(replies)}`);
    assert.equal(replies[0]!.cards.length, 1, JSON.stringify(replies[0]));
    return replies[0]!.cards[0]!;
  };
  const say = async (user: string, text: string) => {
    const said = await h.teams.say(user, text);
    assert.equal(said.status, 200, `the bot answered ${said.status} to "${text}"`);
    return onlyCard(said.activityId);
  };

  /** an activity shaped as the emulated Teams channel posts it (see sandbox/connector/inbound-activities.ts) */
  const activityFrom = (user: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'message',
    id: String(Date.now()) + String(Math.floor(Math.random() * 1000)),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: teamsUserId(user), name: fixture.users.find((u) => u.id === user)?.displayName, aadObjectId: user },
    recipient: { id: `28:${botId}`, name: 'Recording Archiver' },
    conversation: { conversationType: 'personal', tenantId, id: personalConversationId(botId, user) },
    channelData: { tenant: { id: tenantId } },
    text: 'help',
    textFormat: 'plain',
    ...extra,
  });

  const channelToken = async (request: Record<string, unknown> = {}) =>
    (await h.e.control<{ token: string }>(h.e.connector, 'POST', '/__control/channel-token', request)).token;

  const post = async (body: string | Buffer, authorization?: string, contentType = 'application/json'): Promise<Answer> => {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (authorization !== undefined) headers.authorization = authorization;
    const res = await fetch(`${h.app.url}/api/messages`, { method: 'POST', headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  };

  /** botbuilder logs each refused token with console.error; the test reads the answers instead */
  const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
    const original = console.error;
    console.error = () => {};
    try {
      return await fn();
    } finally {
      console.error = original;
    }
  };

  /** signs the console in as the person: GET /api/admin/me with an SSO token from the Entra emulator */
  const consoleSignIn = async (user: string) => {
    const { token } = await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', { userId: user });
    const res = await fetch(`${h.app.url}/api/admin/me`, { headers: { authorization: `Bearer ${token}` } });
    await res.text();
    return res.status;
  };

  before(async () => {
    h = await startAppHarness();
    fixture = h.e.fixture;
    botId = fixture.teamsApp.botId;
    tenantId = fixture.tenant.id;
    [megan, adele, lee, , patti] = fixture.users.map((u) => u.id) as [string, string, string, string, string];
    assert.deepEqual(fixture.users[0]!.appRoles, ['Archiver.Admin'], 'the demo fixture\'s first user is the admin');
    assert.deepEqual(fixture.users[1]!.appRoles, []);
    serviceUrl = (await h.e.control<{ serviceUrl: string }>(h.e.connector, 'GET', '/__control/settings')).serviceUrl;
    assert.equal(serviceUrl, `${new URL(h.e.connector.url).origin}/`);
    // the demo's first recording (Megan's) is available from the start and archived by the backfill;
    // its card (and the card's transcript update) is let through first, so that nothing the bot sends
    // on its own lands in the middle of a test that counts the bot's messages
    const qbr = fixture.meetings.find((m) => m.organizerId === megan)!;
    const integrationId = (await h.app.store.integrations.list())[0]!.id;
    await waitFor('the backfilled recording\'s card, transcript included', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId: qbr.recordings[0]!.id });
      return r?.state === 'archived' && r.notice?.transcriptAttached === true;
    }, 60_000);
  });
  after(() => h?.close());

  describe('channel tokens', () => {
    const refused: Array<{ what: string; authorization: () => Promise<string | undefined> }> = [
      { what: 'no Authorization header', authorization: async () => undefined },
      { what: 'a forged token (signed with an unpublished key)', authorization: async () => `Bearer ${await channelToken({ forged: true })}` },
      { what: 'a token for another bot (wrong audience)', authorization: async () => `Bearer ${await channelToken({ audience: '99999999-9999-4999-8999-999999999999' })}` },
      { what: 'a token from another issuer', authorization: async () => `Bearer ${await channelToken({ issuer: 'https://sts.windows.net/evil/' })}` },
      { what: 'an expired token (beyond the 5 minutes of skew)', authorization: async () => `Bearer ${await channelToken({ expiresInSeconds: -600 })}` },
      { what: 'a token not valid yet', authorization: async () => `Bearer ${await channelToken({ notBeforeInSeconds: 600 })}` },
      { what: 'a token for another serviceUrl', authorization: async () => `Bearer ${await channelToken({ serviceUrl: 'https://smba.example.invalid/amer/' })}` },
      { what: 'a bearer that is not a JWT', authorization: async () => 'Bearer not-a-jwt-at-all' },
      { what: 'a Basic header', authorization: async () => `Basic ${Buffer.from(`${botId}:${fixture.teamsApp.botPassword}`).toString('base64')}` },
    ];

    for (const row of refused) {
      it(`refuses ${row.what}: 401, never processed`, async () => {
        const before = (await botMessages()).length;
        const authorization = await row.authorization();
        const answer = await quietly(() => post(JSON.stringify(activityFrom(patti)), authorization));
        assert.equal(answer.status, 401, answer.text);
        assert.equal(answer.json?.error?.code, 'Unauthorized', answer.text);
        assert.equal(await reference(patti), null, 'no conversation reference stored');
        // a processed message would have been answered at once (the reply is sent before the 200)
        assert.equal((await botMessages()).length, before, 'no message from the bot');
      });
    }

    it('accepts the channel\'s own token for the same activity: 200, reference stored, help card', async () => {
      const activity = activityFrom(patti);
      const answer = await post(JSON.stringify(activity), `Bearer ${await channelToken()}`);
      assert.equal(answer.status, 200, answer.text);
      const stored = await reference(patti);
      assert.ok(stored, 'reference stored');
      assert.equal(stored.status, 'active');
      assert.equal(stored.reference.serviceUrl, serviceUrl);
      assert.equal((stored.reference.conversation as { id: string }).id, activity.conversation && (activity.conversation as { id: string }).id);
      const card = await onlyCard(String(activity.id));
      assert.equal(card.title, 'What I can do');
    });
  });

  describe('bodies that are not activities', () => {
    const bad: Array<{ what: string; body: () => string; names: RegExp }> = [
      { what: 'not JSON', body: () => '{"type": "message",', names: /not JSON/ },
      { what: 'a JSON array', body: () => JSON.stringify([activityFrom(patti)]), names: /JSON object/ },
      { what: 'no type', body: () => JSON.stringify({ ...activityFrom(patti), type: undefined }), names: /no type/ },
      { what: 'no serviceUrl', body: () => JSON.stringify({ ...activityFrom(patti), serviceUrl: undefined }), names: /no serviceUrl/ },
      {
        what: 'a conversation without an id',
        body: () => JSON.stringify({ ...activityFrom(patti), conversation: { conversationType: 'personal', tenantId } }),
        names: /conversation must be an object with an id/,
      },
    ];
    for (const row of bad) {
      it(`answers 400 naming the problem for ${row.what}`, async () => {
        const before = (await botMessages()).length;
        const answer = await post(row.body(), `Bearer ${await channelToken()}`);
        assert.equal(answer.status, 400, answer.text);
        assert.equal(answer.json?.error?.code, 'BadArgument', answer.text);
        assert.match(answer.json.error.message, row.names, answer.text);
        assert.equal((await botMessages()).length, before, 'nothing answered');
      });
    }

    it('answers 413 to a huge body', async () => {
      const huge = JSON.stringify(activityFrom(patti, { text: `help ${'x'.repeat(400 * 1024)}` }));
      const answer = await post(huge, `Bearer ${await channelToken()}`);
      assert.equal(answer.status, 413, answer.text);
    });
  });

  describe('install and uninstall', () => {
    const welcomeCards = async (user: string) =>
      (await botMessages()).filter((m) => m.recipient.aadObjectId === user && m.cards.some((c) => c.title?.startsWith('Welcome')));

    const installAndGetWelcome = async (user: string) => {
      const before = (await welcomeCards(user)).length;
      const installed = await h.teams.install(user);
      assert.deepEqual(
        installed.deliveries.map((d) => [d.type, d.status]),
        [['conversationUpdate', 200], ['installationUpdate', 200]],
        'both deliveries answered 200',
      );
      const stored = await reference(user);
      assert.ok(stored, 'reference stored');
      assert.equal(stored.status, 'active');
      assert.equal(stored.reference.serviceUrl, serviceUrl);
      assert.equal((stored.reference.conversation as { id: string }).id, installed.conversationId);
      const welcomes = await welcomeCards(user);
      assert.equal(welcomes.length, before + 1, 'exactly one new welcome card');
      const welcome = welcomes.at(-1)!;
      assert.equal(welcome.conversation.id, installed.conversationId);
      const installation = (installed.deliveries as Array<{ type: string; activityId?: string }>).find((d) => d.type === 'installationUpdate')!;
      assert.equal(welcome.replyToId, installation.activityId, 'the welcome answers the installationUpdate');
      return welcome.cards[0]!;
    };

    it('a non-admin\'s install: reference stored, one welcome card without the admin parts', async () => {
      const card = await installAndGetWelcome(lee);
      assert.match(card.title!, /^Welcome/);
      assert.ok(card.texts.some((t) => t.startsWith('**recent**')), JSON.stringify(card.texts));
      assert.ok(!card.texts.some((t) => t.startsWith('**status**')), 'no status command for a non-admin');
      assert.ok(!card.texts.includes('For admins'), JSON.stringify(card.texts));
      assert.deepEqual(card.links, [], 'no admin console button');
      assert.ok(!JSON.stringify(card).includes('admin console'), JSON.stringify(card));
    });

    it('the admin\'s welcome has the admin parts once the console has seen them sign in', async () => {
      // before any console sign-in the bot cannot know Megan is an admin
      const first = await installAndGetWelcome(megan);
      assert.deepEqual(first.links, []);
      assert.ok(!first.texts.includes('For admins'));

      assert.equal(await consoleSignIn(megan), 200);
      assert.equal((await h.app.store.admins.get(tenantId.toLowerCase(), megan.toLowerCase()))?.isAdmin, true);

      const again = await installAndGetWelcome(megan);
      assert.ok(again.texts.includes('For admins'), JSON.stringify(again.texts));
      assert.ok(again.texts.some((t) => t.startsWith('**status**')), 'status is listed for the admin');
      assert.deepEqual(again.links, [{ title: 'Open the admin console', url: h.env.CONSOLE_URL }]);
    });

    it('uninstall deletes the reference; a later message is refused by Teams (409) and never reaches the bot', async () => {
      assert.ok(await reference(lee), 'installed in the test before');
      const removed = await h.teams.uninstall(lee);
      assert.deepEqual(removed.deliveries.map((d) => [d.type, d.status]), [['installationUpdate', 200]]);
      assert.equal(await reference(lee), null, 'reference deleted');

      const state = async () => (await h.e.control<{ activities: unknown[] }>(h.e.connector, 'GET', '/__control/state')).activities.length;
      const before = await state();
      const res = await h.e.trust.fetch(`${h.e.connector.url}/__control/say`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: lee, text: 'help' }),
      });
      const text = await res.text();
      assert.equal(res.status, 409, text);
      assert.match(JSON.parse(text).error, /does not have the app installed/);
      assert.equal(await state(), before, 'nothing posted to the bot, nothing sent');
      assert.equal(await reference(lee), null);
    });
  });

  describe('commands', () => {
    const helpTexts = (card: CardSummary) => card.texts.filter((t) => t.startsWith('**'));

    it('help: the commands, status only for the admin', async () => {
      const forAdele = await say(adele, 'help');
      assert.equal(forAdele.title, 'What I can do');
      assert.deepEqual(helpTexts(forAdele).map((t) => t.split('**')[1]), ['help', 'recent']);

      // Megan signed in to the console in the install tests
      const forMegan = await say(megan, 'help');
      assert.equal(forMegan.title, 'What I can do');
      assert.deepEqual(helpTexts(forMegan).map((t) => t.split('**')[1]), ['help', 'recent', 'status']);
    });

    it('anything else gets the help card', async () => {
      const card = await say(adele, 'blah');
      assert.equal(card.title, 'What I can do');
    });

    it('status from a non-admin: only admins may; a console sign-in without the role does not change that', async () => {
      const card = await say(adele, 'status');
      assert.equal(card.title, 'Only the archiver\'s admins can see its status');
      assert.ok(!card.texts.includes('Integration status'));

      // a valid SSO token without Archiver.Admin: the console refuses, and the bot records "not an admin"
      assert.equal(await consoleSignIn(adele), 403);
      assert.equal((await h.app.store.admins.get(tenantId.toLowerCase(), adele.toLowerCase()))?.isAdmin, false);
      const still = await say(adele, 'status');
      assert.equal(still.title, 'Only the archiver\'s admins can see its status');
    });

    it('status from the admin: each integration with its state', async () => {
      const card = await say(megan, 'status');
      assert.equal(card.title, 'Integration status');
      const [integration] = await h.app.service.list();
      assert.ok(integration);
      assert.ok(card.texts.includes(integration.name), JSON.stringify(card.texts));
      const shown = !integration.enabled
        ? 'Disabled'
        : integration.health.state === 'error'
          ? 'Error'
          : integration.health.state === 'warning'
            ? 'Warning'
            : 'OK';
      const nameAt = card.texts.indexOf(integration.name);
      assert.equal(card.texts[nameAt + 1], shown, JSON.stringify(card.texts));
      assert.deepEqual(card.links, [{ title: 'Open the admin console', url: h.env.CONSOLE_URL }]);
    });

    it('recent before anything of theirs is archived: the empty text', async () => {
      const card = await say(adele, 'recent');
      assert.equal(card.title, 'Your recent recordings');
      assert.ok(card.texts.some((t) => t.startsWith('No archived recordings of yours yet')), JSON.stringify(card.texts));
      assert.deepEqual(card.links, []);
    });

    describe('once one of the person\'s recordings is archived', () => {
      let subject: string;
      let entryId: string;
      let recordedAt: number;

      before(async () => {
        // Adele's sales kickoff: not available in the demo until released
        const sko = fixture.meetings.find((m) => m.organizerId === adele)!;
        const integrationId = (await h.app.store.integrations.list())[0]!.id;
        await h.release('recording', sko.recordings[0]!.id);
        const archived = await waitFor('the recording archived', async () => {
          const r = await h.app.store.recordings.get({ integrationId, recordingId: sko.recordings[0]!.id });
          return r?.state === 'archived' && r.entryId ? r : undefined;
        }, 60_000);
        subject = archived.subject!;
        entryId = archived.entryId!;
        recordedAt = archived.recordedAt ?? archived.createdAt;
        assert.equal(subject, sko.subject);
        assert.ok((await h.entries()).some((e) => e.id === entryId), 'the entry exists in Kaltura');
      });

      const wallClock = (zone: string) =>
        new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(recordedAt));

      it('recent lists it with an Open link to its entry, times in the person\'s zone', async () => {
        const card = await say(adele, 'recent');
        assert.equal(card.title, 'Your recent recordings');
        assert.ok(card.texts.includes(subject), JSON.stringify(card.texts));
        assert.equal(card.links.length, 1, JSON.stringify(card.links));
        assert.equal(card.links[0]!.title, 'Open in Kaltura');
        assert.ok(card.links[0]!.url.includes(entryId), `${card.links[0]!.url} names ${entryId}`);
        // the emulated Teams client reports Europe/London
        assert.ok(card.texts.includes('Times are in Europe/London.'), JSON.stringify(card.texts));
        const line = card.texts[card.texts.indexOf(subject) + 1]!;
        assert.ok(line.includes(wallClock('Europe/London')), `${line} shows ${wallClock('Europe/London')}`);
      });

      it('an @mention with punctuation is the same command', async () => {
        const card = await say(adele, '<at>Recording Archiver</at> Recent!');
        assert.equal(card.title, 'Your recent recordings');
        assert.ok(card.texts.includes(subject), JSON.stringify(card.texts));
        assert.ok(card.links[0]!.url.includes(entryId));
      });

      it('a message refreshes the stored reference: the client\'s zone is kept and used on the card', async () => {
        const before = await reference(adele);
        assert.equal(before?.reference.timeZone, 'Europe/London');
        // a client elsewhere: only clientInfo names its zone (no localTimezone on the activity)
        const activity = activityFrom(adele, {
          text: 'recent',
          locale: 'en-US',
          entities: [{ type: 'clientInfo', locale: 'en-US', country: 'JP', platform: 'Android', timezone: 'Asia/Tokyo' }],
        });
        const answer = await post(JSON.stringify(activity), `Bearer ${await channelToken()}`);
        assert.equal(answer.status, 200, answer.text);
        const after = await reference(adele);
        assert.equal(after?.status, 'active');
        assert.equal(after?.reference.timeZone, 'Asia/Tokyo');
        assert.ok(after!.updatedAt >= before!.updatedAt);

        const card = await onlyCard(String(activity.id));
        assert.ok(card.texts.includes('Times are in Asia/Tokyo.'), JSON.stringify(card.texts));
        const line = card.texts[card.texts.indexOf(subject) + 1]!;
        assert.notEqual(wallClock('Asia/Tokyo'), wallClock('Europe/London'));
        assert.ok(line.includes(wallClock('Asia/Tokyo')), `${line} shows ${wallClock('Asia/Tokyo')}`);
      });

      it('someone else\'s recent lists their own recordings, not this one', async () => {
        const card = await say(megan, 'recent');
        assert.ok(card.texts.includes('Quarterly business review'), JSON.stringify(card.texts));
        assert.ok(!card.texts.includes(subject), JSON.stringify(card.texts));
      });
    });
  });
});
