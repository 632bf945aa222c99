import assert from 'node:assert/strict';
import type { IntegrationSettings } from '../../api/src/integrations/settings.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoMeetingsAvailable } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness, type KalturaEntryState } from '../support/app-harness.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';

const fixtureWith = (settings: Partial<IntegrationSettings>, mutate?: (f: Fixture) => void): Promise<Fixture> => demoMeetingsAvailable(settings, mutate);

/** Waits until `count` recordings are archived (categories, captions and all), then reads Kaltura. */
async function settle(h: AppHarness, count: number): Promise<KalturaEntryState[]> {
  await waitFor(`${count} archived recordings`, async () => (await recordingStates(h)).filter((r) => r.state === 'archived').length >= count);
  return (await h.entries()).filter((x) => x.status === 2);
}

async function recordingStates(h: AppHarness) {
  const integration = (await h.app.store.integrations.list())[0]!;
  return (await h.app.store.recordings.list({ integrationId: integration.id })).items;
}

describe('pipeline: every settings variation', function () {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('owner from the UPN without its postfix, created from the Teams user when Kaltura lacks it', async () => {
    h = await startAppHarness(await fixtureWith({ userIdSuffixMethod: 'remove', userIdSuffix: '@contoso.onmicrosoft.com', userSearchMethod: 'id' }));
    const entries = await settle(h, 3);
    assert.deepEqual(entries.map((x) => x.userId).sort(), ['adele.vance', 'megan.bowen', 'nestor.wilke']);
    const state = await h.e.control<{ users: Array<{ id: string; email: string | null; firstName?: string; lastName?: string }> }>(h.e.kaltura, 'GET', '/__control/state');
    const megan = state.users.find((u) => u.id === 'megan.bowen')!;
    assert.equal(megan.email, 'megan.bowen@contoso.com');
    const qbr = entries.find((x) => x.userId === 'megan.bowen')!;
    assert.deepEqual(qbr.entitledUsersEdit, ['adele.vance'], 'participants are mapped the same way');
  });

  it('owner found by e-mail when the ids differ', async () => {
    h = await startAppHarness(await fixtureWith({ userIdSuffixMethod: 'remove', userIdSuffix: '@contoso.onmicrosoft.com', userSearchMethod: 'email' }));
    const entries = await settle(h, 3);
    const qbr = entries.find((x) => x.name.startsWith('Quarterly'))!;
    assert.equal(qbr.userId, 'megan.bowen@contoso.onmicrosoft.com', 'the existing Kaltura user with her e-mail');
  });

  it('owner is the Azure object id when so chosen (search by id; by both, an existing e-mail match wins)', async () => {
    h = await startAppHarness(await fixtureWith({ userIdSource: 'azure-id', userSearchMethod: 'id' }));
    const entries = await settle(h, 3);
    assert.deepEqual(entries.map((x) => x.userId).sort(), [MEGAN, '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000004'].sort());
  });

  it('unknown users fall back to the default user, and unknown participants get no rights', async () => {
    h = await startAppHarness(
      await fixtureWith({
        userIdSuffixMethod: 'append',
        userIdSuffix: '.kaltura',
        userSearchMethod: 'id',
        userNotFoundMethod: 'assign-default',
        defaultUserId: 'teams-archive',
        attendeesRoles: ['co-viewers'],
      }),
    );
    const entries = await settle(h, 3);
    for (const x of entries) {
      assert.equal(x.userId, 'teams-archive');
      assert.deepEqual([...x.entitledUsersEdit, ...x.entitledUsersPublish, ...x.entitledUsersView], []);
    }
  });

  it('entitlements per role: None everywhere gives empty lists; attendees as co-publishers', async () => {
    h = await startAppHarness(await fixtureWith({ coOrganizerRoles: [], presentersRoles: ['co-editors'], attendeesRoles: ['co-publishers'] }));
    const entries = await settle(h, 3);
    const qbr = entries.find((x) => x.name.startsWith('Quarterly'))!;
    assert.deepEqual(qbr.entitledUsersEdit, ['lee.gu@contoso.onmicrosoft.com']);
    assert.deepEqual([...qbr.entitledUsersPublish].sort(), ['guest_alex#EXT#@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com']);
    assert.deepEqual(qbr.entitledUsersView, []);
  });

  it('opt-in Kaltura groups: only members\' recordings are archived, the others are skipped with the reason', async () => {
    h = await startAppHarness(await fixtureWith({ uploadScope: 'opt-in', groupSource: 'kaltura', groups: ['teams-recorders'] }));
    const entries = await settle(h, 2);
    assert.deepEqual(entries.map((x) => x.userId).sort(), ['adele.vance@contoso.onmicrosoft.com', 'megan.bowen@contoso.onmicrosoft.com']);
    const skipped = await waitFor('the skipped recording', async () => (await recordingStates(h!)).find((r) => r.state === 'skipped'));
    assert.match(skipped.reason ?? '', /none of the opt-in Kaltura groups \(teams-recorders\)/);
  });

  it('opt-out Entra groups, checked transitively: a member of a nested group is skipped', async () => {
    // Sales (Adele, Lee) sits inside All Staff; opting out All Staff skips Megan, Nestor and Adele
    h = await startAppHarness(await fixtureWith({ uploadScope: 'opt-out', groupSource: 'entra', groups: ['00000000-0000-4000-8000-000000000101'] }));
    const entries = await settle(h, 2);
    assert.deepEqual(entries.map((x) => x.userId).sort(), ['megan.bowen@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com']);
    const skipped = await waitFor('the skipped recording', async () => (await recordingStates(h!)).find((r) => r.state === 'skipped'));
    assert.match(skipped.reason ?? '', /opt-out Entra group/);
  });

  it('transcripts off: no captions and no transcript subscription, of meetings or calls', async () => {
    h = await startAppHarness(await fixtureWith({ uploadTranscripts: false }));
    const entries = await settle(h, 3);
    assert.ok(entries.every((x) => x.captions.length === 0));
    const subs = await h.e.control<{ subscriptions: Array<{ resource: string }> }>(h.e.graph, 'GET', '/__control/state');
    assert.deepEqual(subs.subscriptions.map((s) => s.resource).sort(), ['communications/adhocCalls/getAllRecordings', 'communications/onlineMeetings/getAllRecordings']);
  });

  it('several categories by full name', async () => {
    h = await startAppHarness(await fixtureWith({ categories: ['Teams', 'MediaSpace>site>channels>Teams recordings'] }));
    const entries = await settle(h, 3);
    for (const x of entries) assert.deepEqual([...x.categories].sort(), ['MediaSpace>site>channels>Teams recordings', 'Teams']);
  });
});
