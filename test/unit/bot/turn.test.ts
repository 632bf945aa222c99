import assert from 'node:assert/strict';
import type { JsonObject } from '../../../api/src/store/json.js';
import { RECENT_LIMIT, type CardResult as CardMessage, type RecentItem, type StatusIntegration as StatusItem } from '../../../bot/src/cards/index.js';
import { commandOf, speakerOf, type InboundActivity } from '../../../bot/src/conversation/inbound-activity.js';
import { handleTurn, type BotReader, type ConversationMemory, type TurnDeps } from '../../../bot/src/conversation/turn.js';

const TENANT = '7F3E1C2A-5B4D-4E6F-8A9B-0C1D2E3F4A5B';
const USER = '00000000-0000-4000-8000-0000000000AB';
const BOT = '28:6b1c2d3e-2222-4f60-8b9c-8d7e6f5a4b3c';
const CONSOLE = 'https://archiver.example/tab/';

type Call = [string, ...unknown[]];

/** a ConversationMemory that records every call */
function fakeMemory(): ConversationMemory & { calls: Call[]; saved: Map<string, JsonObject> } {
  const saved = new Map<string, JsonObject>();
  const calls: Call[] = [];
  return {
    calls,
    saved,
    async get(tenantId, userId) {
      calls.push(['get', tenantId, userId]);
      const reference = saved.get(`${tenantId}|${userId}`);
      return reference ? { reference, status: 'active' } : null;
    },
    async save(tenantId, userId, reference) {
      calls.push(['save', tenantId, userId, reference]);
      saved.set(`${tenantId}|${userId}`, reference);
      return undefined;
    },
    async delete(tenantId, userId) {
      calls.push(['delete', tenantId, userId]);
      saved.delete(`${tenantId}|${userId}`);
      return true;
    },
    async markGone(tenantId, userId, reason) {
      calls.push(['markGone', tenantId, userId, reason]);
      return true;
    },
  };
}

/** a BotReader with canned answers, recording every call */
function fakeReader(options: { admin?: boolean; recent?: RecentItem[]; status?: StatusItem[] } = {}): BotReader & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async isAdmin(tenantId, userId) {
      calls.push(['isAdmin', tenantId, userId]);
      return options.admin ?? false;
    },
    async recent(tenantId, userId, limit) {
      calls.push(['recent', tenantId, userId, limit]);
      return options.recent ?? [];
    },
    async status(tenantId) {
      calls.push(['status', tenantId]);
      return options.status ?? [];
    },
  };
}

function deps(reader = fakeReader(), memory = fakeMemory()): TurnDeps & { memory: ReturnType<typeof fakeMemory>; reader: ReturnType<typeof fakeReader> } {
  return { memory, reader, consoleUrl: CONSOLE };
}

/** a personal-scope activity as Teams posts it */
function activity(overrides: Partial<InboundActivity> = {}): InboundActivity {
  return {
    type: 'message',
    id: '1700000000000',
    text: 'help',
    serviceUrl: 'https://smba.trafficmanager.net/amer/',
    channelId: 'msteams',
    locale: 'en-GB',
    from: { id: '29:1abc', name: 'Megan Bowen', aadObjectId: USER },
    recipient: { id: BOT, name: 'Recording Archiver' },
    conversation: { id: 'a:1conversation', conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...overrides,
  };
}

/** every TextBlock's text on a card, in order */
function texts(message: CardMessage): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
    for (const key of ['body', 'items', 'columns', 'actions']) if (key in n) visit(n[key]);
  };
  visit(message.card);
  return out;
}

function actions(message: CardMessage): Array<{ title: string; url: string }> {
  return ((message.card.actions as Array<{ title: string; url: string }> | undefined) ?? []).map((a) => ({ title: a.title, url: a.url }));
}

const title = (message: CardMessage) => texts(message)[0];
const commandNames = (message: CardMessage) => texts(message).filter((t) => t.startsWith('**')).map((t) => t.split('**')[1]);

const tenant = TENANT.toLowerCase();
const user = USER.toLowerCase();

describe('bot conversation: handleTurn', () => {
  describe('whom the bot talks to', () => {
    const ignored: Array<[string, Partial<InboundActivity>]> = [
      ['a group chat', { conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', tenantId: TENANT, isGroup: true } }],
      ['a team channel', { conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel', tenantId: TENANT, isGroup: true } }],
      ['an activity without a conversation type', { conversation: { id: 'a:1conversation', tenantId: TENANT } }],
      ['a sender without an Entra id', { from: { id: '29:1abc', name: 'Someone' } }],
      ['an activity without a tenant', { conversation: { id: 'a:1conversation', conversationType: 'personal' }, channelData: {} }],
    ];
    for (const [what, overrides] of ignored) {
      for (const type of ['message', 'installationUpdate', 'conversationUpdate']) {
        it(`ignores ${what} (${type}): no answer, nothing stored, nothing read`, async () => {
          const d = deps(fakeReader({ admin: true }));
          const replies = await handleTurn(
            activity({ type, action: 'add', text: 'status', membersAdded: [{ id: BOT }], ...overrides }),
            d,
          );
          assert.deepEqual(replies, []);
          assert.deepEqual(d.memory.calls, []);
          assert.deepEqual(d.reader.calls, []);
        });
      }
    }

    it('ignores activity types it has no use for', async () => {
      const d = deps();
      assert.deepEqual(await handleTurn(activity({ type: 'typing' }), d), []);
      assert.deepEqual(await handleTurn(activity({ type: 'messageReaction' }), d), []);
      assert.deepEqual(d.memory.calls, []);
    });

    it('takes the tenant from channelData when the conversation has none', async () => {
      const d = deps();
      await handleTurn(activity({ conversation: { id: 'a:1conversation', conversationType: 'personal' } }), d);
      assert.deepEqual(d.memory.calls.map((c) => c.slice(0, 3)), [['save', tenant, user]]);
    });
  });

  describe('installationUpdate', () => {
    it('add: stores the reference (ids lower-cased) and answers with one welcome card', async () => {
      const d = deps();
      const replies = await handleTurn(activity({ type: 'installationUpdate', action: 'add', text: undefined, localTimezone: 'Europe/Paris' }), d);
      assert.equal(replies.length, 1);
      assert.match(title(replies[0]!)!, /^Welcome/);
      assert.equal(d.memory.calls.length, 1);
      const [op, t, u, reference] = d.memory.calls[0]!;
      assert.deepEqual([op, t, u], ['save', tenant, user]);
      assert.deepEqual(reference, {
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/amer/',
        conversation: { id: 'a:1conversation', conversationType: 'personal', tenantId: tenant, isGroup: false },
        user: { id: '29:1abc', aadObjectId: user, name: 'Megan Bowen' },
        bot: { id: BOT, name: 'Recording Archiver' },
        locale: 'en-GB',
        timeZone: 'Europe/Paris',
      });
      assert.deepEqual(d.reader.calls, [['isAdmin', tenant, user]]);
    });

    it('add for a non-admin: no admin parts; for an admin: the admin section and the console button', async () => {
      const [plain] = await handleTurn(activity({ type: 'installationUpdate', action: 'add' }), deps(fakeReader({ admin: false })));
      assert.deepEqual(commandNames(plain!), ['help', 'recent']);
      assert.ok(!texts(plain!).includes('For admins'));
      assert.deepEqual(actions(plain!), []);

      const [admin] = await handleTurn(activity({ type: 'installationUpdate', action: 'add' }), deps(fakeReader({ admin: true })));
      assert.deepEqual(commandNames(admin!), ['help', 'recent', 'status']);
      assert.ok(texts(admin!).includes('For admins'));
      assert.deepEqual(actions(admin!), [{ title: 'Open the admin console', url: CONSOLE }]);
    });

    for (const action of ['add-upgrade', 'remove-upgrade']) {
      it(`${action}: refreshes the reference, says nothing`, async () => {
        const d = deps();
        const replies = await handleTurn(activity({ type: 'installationUpdate', action }), d);
        assert.deepEqual(replies, []);
        assert.deepEqual(d.memory.calls.map((c) => c.slice(0, 3)), [['save', tenant, user]]);
      });
    }

    it('remove: deletes the reference, says nothing (nothing could be delivered)', async () => {
      const d = deps();
      const replies = await handleTurn(activity({ type: 'installationUpdate', action: 'remove' }), d);
      assert.deepEqual(replies, []);
      assert.deepEqual(d.memory.calls, [['delete', tenant, user]]);
      assert.deepEqual(d.reader.calls, []);
    });
  });

  describe('conversationUpdate', () => {
    it('the bot itself was added: refreshes the reference, no answer', async () => {
      const d = deps();
      const replies = await handleTurn(activity({ type: 'conversationUpdate', text: undefined, membersAdded: [{ id: '29:1abc' }, { id: BOT }] }), d);
      assert.deepEqual(replies, []);
      assert.deepEqual(d.memory.calls.map((c) => c.slice(0, 3)), [['save', tenant, user]]);
    });

    it('someone else was added, or nobody: nothing stored', async () => {
      const d = deps();
      assert.deepEqual(await handleTurn(activity({ type: 'conversationUpdate', membersAdded: [{ id: '29:1someone-else' }] }), d), []);
      assert.deepEqual(await handleTurn(activity({ type: 'conversationUpdate' }), d), []);
      assert.deepEqual(await handleTurn(activity({ type: 'conversationUpdate', membersAdded: [] }), d), []);
      assert.deepEqual(d.memory.calls, []);
    });
  });

  describe('messages', () => {
    const item = (n: number): RecentItem => ({
      subject: `Meeting ${n}`,
      startDateTime: `2026-11-2${n}T09:00:00Z`,
      entryUrl: `https://kaltura.example/entry/0_${n}`,
      transcriptAttached: n % 2 === 0,
    });

    it('every message refreshes the reference before answering', async () => {
      const d = deps();
      await handleTurn(activity({ text: 'recent', localTimezone: 'Asia/Tokyo' }), d);
      assert.equal(d.memory.calls[0]![0], 'save');
      assert.equal((d.memory.calls[0]![3] as JsonObject).timeZone, 'Asia/Tokyo');
      assert.equal(d.memory.calls.length, 1);
    });

    it('help: the help card, status listed only for an admin', async () => {
      const [plain] = await handleTurn(activity({ text: 'help' }), deps());
      assert.equal(title(plain!), 'What I can do');
      assert.deepEqual(commandNames(plain!), ['help', 'recent']);
      const [admin] = await handleTurn(activity({ text: 'help' }), deps(fakeReader({ admin: true })));
      assert.deepEqual(commandNames(admin!), ['help', 'recent', 'status']);
    });

    it('recent: asks for the speaker\'s own recordings (lower-cased ids, the limit) and lists them in their zone', async () => {
      const d = deps(fakeReader({ recent: [item(2), item(1)] }));
      const [card] = await handleTurn(activity({ text: 'recent', localTimezone: 'Asia/Tokyo' }), d);
      assert.ok(d.reader.calls.some((c) => c[0] === 'recent' && c[1] === tenant && c[2] === user && c[3] === RECENT_LIMIT), JSON.stringify(d.reader.calls));
      assert.equal(title(card!), 'Your recent recordings');
      const t = texts(card!);
      assert.ok(t.includes('Meeting 2') && t.includes('Meeting 1'));
      assert.ok(t.includes('Times are in Asia/Tokyo.'), JSON.stringify(t));
      // 09:00 UTC is 18:00 in Tokyo
      assert.ok(t.some((line) => line.includes('18:00')), JSON.stringify(t));
    });

    it('recent with nothing archived: the empty text; without a zone, UTC', async () => {
      const [empty] = await handleTurn(activity({ text: 'recent' }), deps());
      assert.ok(texts(empty!).some((line) => line.startsWith('No archived recordings of yours yet')));
      const [listed] = await handleTurn(activity({ text: 'recent' }), deps(fakeReader({ recent: [item(1)] })));
      assert.ok(texts(listed!).includes('Times are in UTC.'), JSON.stringify(texts(listed!)));
    });

    it('status: admins get the status card, others the admins-only card (and nothing is read for them)', async () => {
      const integrations: StatusItem[] = [
        { name: 'Contoso', enabled: true, state: 'error', code: 'KALTURA_AUTH', message: 'Kaltura refused the app token.', fix: 'Renew the token.', lastSuccessAt: null },
      ];
      const admin = deps(fakeReader({ admin: true, status: integrations }));
      const [card] = await handleTurn(activity({ text: 'status' }), admin);
      assert.equal(title(card!), 'Integration status');
      assert.ok(texts(card!).includes('Contoso') && texts(card!).includes('Error'), JSON.stringify(texts(card!)));
      assert.deepEqual(actions(card!), [{ title: 'Open the admin console', url: CONSOLE }]);
      assert.ok(admin.reader.calls.some((c) => c[0] === 'status' && c[1] === tenant));

      const other = deps(fakeReader({ admin: false, status: integrations }));
      const [refused] = await handleTurn(activity({ text: 'status' }), other);
      assert.equal(title(refused!), 'Only the archiver\'s admins can see its status');
      assert.ok(!texts(refused!).includes('Contoso'));
      assert.ok(!other.reader.calls.some((c) => c[0] === 'status'), 'a non-admin never reads the status');
    });

    const routed: Array<[string | undefined, string]> = [
      ['<at>Recording Archiver</at> recent', 'Your recent recordings'],
      ['RECENT', 'Your recent recordings'],
      ['status?', 'Integration status'],
      ['', 'What I can do'],
      [undefined, 'What I can do'],
      ['blah', 'What I can do'],
      ['recently', 'What I can do'],
    ];
    for (const [text, expected] of routed) {
      it(`${JSON.stringify(text)} from an admin → "${expected}"`, async () => {
        const replies = await handleTurn(activity({ text }), deps(fakeReader({ admin: true })));
        assert.equal(replies.length, 1);
        assert.equal(title(replies[0]!), expected);
      });
    }
  });
});

describe('bot conversation: commandOf', () => {
  const cases: Array<[string | undefined, string]> = [
    ['<at>Bot</at> recent', 'recent'],
    ['<at>Recording Archiver</at>   Recent please', 'recent'],
    ['RECENT', 'recent'],
    ['status?', 'status'],
    ['  Help!  ', 'help'],
    ['<p>status</p>', 'status'],
    ['', ''],
    ['   ', ''],
    [undefined, ''],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => assert.equal(commandOf(text), expected));
  }
});

describe('bot conversation: speakerOf', () => {
  it('lower-cases the tenant and user ids, keeps the name and locale', () => {
    assert.deepEqual(speakerOf(activity()), { tenantId: tenant, userId: user, name: 'Megan Bowen', timeZone: null, locale: 'en-GB' });
  });

  it('reads the zone from localTimezone, else from the clientInfo entity', () => {
    const clientInfo = [{ type: 'clientInfo', locale: 'ja-JP', timezone: 'Asia/Tokyo' }];
    assert.equal(speakerOf(activity({ localTimezone: 'America/New_York' }))?.timeZone, 'America/New_York');
    assert.equal(speakerOf(activity({ entities: clientInfo }))?.timeZone, 'Asia/Tokyo');
    assert.equal(speakerOf(activity({ localTimezone: 'America/New_York', entities: clientInfo }))?.timeZone, 'America/New_York', 'localTimezone wins');
    assert.equal(speakerOf(activity({ locale: undefined, entities: clientInfo }))?.locale, 'ja-JP');
    assert.equal(speakerOf(activity({ entities: [{ type: 'mention', timezone: 'Asia/Tokyo' }] }))?.timeZone, null, 'only clientInfo counts');
  });

  it('takes the tenant from channelData when the conversation has none, and is null outside a personal chat', () => {
    assert.equal(speakerOf(activity({ conversation: { id: 'x', conversationType: 'personal' } }))?.tenantId, tenant);
    assert.equal(speakerOf(activity({ conversation: { id: 'x', conversationType: 'groupChat', tenantId: TENANT } })), null);
    assert.equal(speakerOf(activity({ from: { id: '29:1abc' } })), null);
  });
});
