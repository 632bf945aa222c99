import assert from 'node:assert/strict';
import { entitlementsFor } from '../../../api/src/ingestion/entitlements.js';
import { entryDescription, entryName } from '../../../api/src/ingestion/entry-text.js';
import { kalturaUserIdFor } from '../../../api/src/ingestion/kaltura-user-id.js';
import { resolveKalturaUser } from '../../../api/src/ingestion/resolve-kaltura-user.js';
import { IntegrationSettings } from '../../../api/src/integrations/settings.js';
import type { KalturaUserRecord } from '../../../api/src/kaltura/kaltura-port.js';

const settings = (over: Partial<IntegrationSettings> = {}) => IntegrationSettings.parse(over);
const john = { id: '7d1c3b0a-0000-4000-8000-000000000001', userPrincipalName: 'John.Doe@Example.com', mail: 'john@example.com', givenName: 'John', surname: 'Doe' };

describe('Kaltura user id from a Teams user', () => {
  it('keeps the UPN, removes or adds the postfix (ignoring case), or uses the Azure id', () => {
    assert.equal(kalturaUserIdFor(john, settings()), 'John.Doe@Example.com');
    assert.equal(kalturaUserIdFor(john, settings({ userIdSuffixMethod: 'remove', userIdSuffix: '@example.com' })), 'John.Doe');
    assert.equal(kalturaUserIdFor(john, settings({ userIdSuffixMethod: 'remove', userIdSuffix: '@other.com' })), 'John.Doe@Example.com');
    const bare = { ...john, userPrincipalName: 'john.doe' };
    assert.equal(kalturaUserIdFor(bare, settings({ userIdSuffixMethod: 'append', userIdSuffix: '@example.com' })), 'john.doe@example.com');
    assert.equal(kalturaUserIdFor(john, settings({ userIdSuffixMethod: 'append', userIdSuffix: '@EXAMPLE.com' })), 'John.Doe@Example.com');
    assert.equal(kalturaUserIdFor(john, settings({ userIdSource: 'azure-id' })), john.id);
  });

  it('refuses settings that cannot work', () => {
    assert.throws(() => settings({ userNotFoundMethod: 'assign-default' }), /Default user ID is required/);
    assert.throws(() => settings({ userIdSuffixMethod: 'remove' }), /a postfix is required to remove/);
    assert.throws(() => settings({ uploadScope: 'opt-in' }), /Must fill in at least one group/);
    assert.throws(() => settings({ attendeesRoles: ['co-editors'] }), /attendees can be co-viewers or co-publishers/);
  });
});

function fakeKaltura(users: KalturaUserRecord[]) {
  const calls: string[] = [];
  return {
    calls,
    users,
    getUser: async (id: string) => {
      calls.push(`get ${id}`);
      return users.find((u) => u.id.toLowerCase() === id.toLowerCase() && u.status !== 2);
    },
    findUsersByEmail: async (email: string) => {
      calls.push(`email ${email}`);
      return users.filter((u) => u.email?.toLowerCase() === email.toLowerCase() && u.status !== 2);
    },
    addUser: async (u: { id: string; email?: string; firstName?: string; lastName?: string }) => {
      calls.push(`add ${u.id} ${u.email} ${u.firstName} ${u.lastName}`);
      const rec = { ...u, status: 1 };
      users.push(rec);
      return rec;
    },
  };
}

describe('resolving the Kaltura owner', () => {
  it('finds by id first, then by email when searching both', async () => {
    const k = fakeKaltura([{ id: 'jd', email: 'JOHN@example.com', status: 1 }]);
    const r = await resolveKalturaUser(k, john, settings({ userSearchMethod: 'all' }), { createMissing: true });
    assert.deepEqual(r, { kind: 'found', id: 'jd' });
    assert.deepEqual(k.calls, ['get John.Doe@Example.com', 'email john@example.com']);
  });

  it('by id only does not look at email, and creates the user from the Teams user', async () => {
    const k = fakeKaltura([{ id: 'jd', email: 'john@example.com', status: 1 }]);
    const r = await resolveKalturaUser(k, john, settings({ userSearchMethod: 'id' }), { createMissing: true });
    assert.deepEqual(r, { kind: 'created', id: 'John.Doe@Example.com' });
    assert.deepEqual(k.calls, ['get John.Doe@Example.com', 'add John.Doe@Example.com john@example.com John Doe']);
  });

  it('skips a blocked user and falls back to the default user when so configured', async () => {
    const k = fakeKaltura([{ id: 'John.Doe@Example.com', status: 0 }]);
    const r = await resolveKalturaUser(k, john, settings({ userNotFoundMethod: 'assign-default', defaultUserId: 'teams-archive' }), {
      createMissing: true,
    });
    assert.deepEqual(r, { kind: 'default', id: 'teams-archive' });
    assert.ok(!k.calls.some((c) => c.startsWith('add')));
  });

  it('searches by the UPN as it is when the Teams user has no mail', async () => {
    const k = fakeKaltura([{ id: 'jdoe', email: 'john.doe@example.com', status: 1 }]);
    const noMail = { ...john, mail: null };
    const r = await resolveKalturaUser(k, noMail, settings({ userSearchMethod: 'email', userIdSuffixMethod: 'remove', userIdSuffix: '@example.com' }), {
      createMissing: true,
    });
    assert.deepEqual(r, { kind: 'found', id: 'jdoe' });
    assert.deepEqual(k.calls, ['email John.Doe@Example.com'], 'the unmodified UPN, not the mapped id');
    const created = fakeKaltura([]);
    await resolveKalturaUser(created, noMail, settings({ userSearchMethod: 'all' }), { createMissing: true });
    assert.deepEqual(created.calls.slice(0, 2), ['get John.Doe@Example.com', 'email John.Doe@Example.com']);
    assert.match(created.calls.at(-1)!, /^add John\.Doe@Example\.com undefined /, 'no made-up e-mail on the new user');
  });

  it('does not create participants, reporting them missing', async () => {
    const k = fakeKaltura([]);
    const r = await resolveKalturaUser(k, john, settings(), { createMissing: false });
    assert.deepEqual(r, { kind: 'missing', id: 'John.Doe@Example.com' });
  });
});

describe('entitlements', () => {
  const participants = [
    { kalturaUserId: 'co1', role: 'coorganizer' as const },
    { kalturaUserId: 'pres1', role: 'presenter' as const },
    { kalturaUserId: 'att1', role: 'attendee' as const },
    { kalturaUserId: 'ATT1', role: 'attendee' as const },
    { kalturaUserId: 'Owner', role: 'presenter' as const },
  ];

  it('maps meeting roles to lists, never lists the owner, never repeats anyone', () => {
    const e = entitlementsFor(participants, 'owner', settings({
      coOrganizerRoles: ['co-editors', 'co-publishers'],
      presentersRoles: ['co-viewers'],
      attendeesRoles: ['co-viewers'],
    }));
    assert.deepEqual(e, { edit: ['co1'], publish: ['co1'], view: ['pres1', 'att1'] });
  });

  it('gives nothing for None', () => {
    const e = entitlementsFor(participants, 'owner', settings({ coOrganizerRoles: [], presentersRoles: [], attendeesRoles: [] }));
    assert.deepEqual(e, { edit: [], publish: [], view: [] });
  });
});

describe('entry text', () => {
  const meeting = {
    id: 'm1',
    subject: '  Quarterly review ',
    startDateTime: '2026-11-20T09:00:00Z',
    endDateTime: '2026-11-20T10:00:00Z',
    organizerId: 'o',
    participants: [{ userId: 'a', role: 'attendee' as const }],
  };
  it('names the entry by subject and start time, and describes the meeting', () => {
    assert.equal(entryName(meeting), 'Quarterly review (2026-11-20 09:00 UTC)');
    assert.equal(entryName({ ...meeting, subject: '' }), 'Teams meeting (2026-11-20 09:00 UTC)');
    const d = entryDescription(meeting, { displayName: 'Megan Bowen', userPrincipalName: 'megan@contoso.com' }, 'rec-1');
    assert.match(d, /Organizer: Megan Bowen \(megan@contoso\.com\)/);
    assert.match(d, /Meeting time: 2026-11-20 09:00 UTC to 2026-11-20 10:00 UTC \(60 min\)/);
    assert.match(d, /Teams recording ID: rec-1/);
  });
});
