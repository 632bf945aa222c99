import assert from 'node:assert/strict';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const NESTOR = '00000000-0000-4000-8000-000000000004';

/**
 * The demo fixture end to end: the app subscribes, sweeps up the recording already in OneDrive,
 * archives the two that appear later through notifications, attaches transcripts that arrive before
 * or after their recording, and tells each organizer.
 */
describe('pipeline: the demo fixture end to end', function () {
  let h: AppHarness;
  before(async () => {
    h = await startAppHarness();
  });
  after(() => h?.close());

  it('subscribes to recordings and transcripts, of meetings and ad hoc calls, with a lifecycle URL and a secret clientState', async () => {
    const subs = await waitFor('four subscriptions', async () => {
      const s = await h.e.control<{ subscriptions: Array<{ id: string; resource: string; lifecycleNotificationUrl: string; hasClientState: boolean; expirationDateTime: string }> }>(
        h.e.graph,
        'GET',
        '/__control/state',
      );
      return s.subscriptions.length === 4 ? s.subscriptions : undefined;
    });
    assert.deepEqual(subs.map((s) => s.resource).sort(), [
      'communications/adhocCalls/getAllRecordings',
      'communications/adhocCalls/getAllTranscripts',
      'communications/onlineMeetings/getAllRecordings',
      'communications/onlineMeetings/getAllTranscripts',
    ]);
    for (const s of subs) {
      assert.match(s.lifecycleNotificationUrl, /\/api\/graph\/lifecycle$/);
      assert.equal(s.hasClientState, true);
      // the emulator's state keeps the secret to itself; the app's own record has it
      assert.ok(((await h.app.store.subscriptions.get(s.id))?.clientState ?? '').length >= 32);
      assert.ok(Date.parse(s.expirationDateTime) - Date.now() <= 4320 * 60_000);
    }
  });

  it('archives the recording already in OneDrive (found by the sweep) with owner, categories, entitlements, content and transcript', async () => {
    const f = h.e.fixture;
    const qbr = f.meetings[0]!;
    const entry = await waitFor('the QBR entry with its caption', async () =>
      (await h.entries()).find((x) => x.referenceId === `Teams_${qbr.recordings[0]!.id}` && x.captions[0]?.text && x.status === 2),
    );
    assert.equal(entry.userId, 'megan.bowen@contoso.onmicrosoft.com');
    assert.equal(entry.creatorId, 'megan.bowen@contoso.onmicrosoft.com');
    assert.equal(entry.name, 'Quarterly business review (2026-11-20 09:00 UTC)');
    assert.match(entry.description, /Organizer: Megan Bowen/);
    assert.equal(entry.adminTags, 'msteams');
    assert.deepEqual(entry.categories, ['MediaSpace>site>channels>Teams recordings']);
    // co-organizer Adele: co-editor and co-publisher; presenter Lee and attendees Nestor and the guest: co-viewers
    assert.deepEqual(entry.entitledUsersEdit, ['adele.vance@contoso.onmicrosoft.com']);
    assert.deepEqual(entry.entitledUsersPublish, ['adele.vance@contoso.onmicrosoft.com']);
    assert.deepEqual(
      [...entry.entitledUsersView].sort(),
      ['guest_alex#EXT#@contoso.onmicrosoft.com', 'lee.gu@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com'],
    );
    assert.equal(entry.contentSize, qbr.recordings[0]!.size);
    assert.equal(entry.contentSha256, await contentSha256(qbr.recordings[0]!.seed, qbr.recordings[0]!.size));
    assert.equal(entry.captions[0]!.format, '3');
    assert.equal(entry.captions[0]!.text, qbr.transcripts[0]!.vtt);
  });

  it('archives recordings announced by notifications, transcript first or recording first', async () => {
    const f = h.e.fixture;
    const sko = f.meetings[1]!;
    const eng = f.meetings[2]!;
    await h.release('transcript', sko.transcripts[0]!.id); // the transcript arrives before its recording
    await h.release('recording', sko.recordings[0]!.id);
    await h.release('recording', eng.recordings[0]!.id);
    const skoEntry = await waitFor('the SKO entry with its caption', async () =>
      (await h.entries()).find((x) => x.referenceId === `Teams_${sko.recordings[0]!.id}` && x.captions.length === 1 && x.captions[0]!.text),
    );
    assert.equal(skoEntry.userId, 'adele.vance@contoso.onmicrosoft.com');
    assert.equal(skoEntry.contentSha256, await contentSha256(sko.recordings[0]!.seed, sko.recordings[0]!.size));
    assert.equal(skoEntry.captions[0]!.text, sko.transcripts[0]!.vtt);
    const engEntry = await waitFor('the engineering entry', async () => (await h.entries()).find((x) => x.referenceId === `Teams_${eng.recordings[0]!.id}` && x.status === 2));
    assert.equal(engEntry.userId, 'nestor.wilke@contoso.onmicrosoft.com');
    assert.deepEqual(engEntry.captions, [], 'that meeting has no transcript');
    assert.equal((await h.entries()).length, 3);
  });

  it('tells each organizer, 1:1 in Teams, with a card linking to the entry', async () => {
    const messages = await waitFor('three bot messages', async () => {
      const m = await h.messages();
      return m.length >= 3 ? m : undefined;
    });
    const recipients = messages.map((m) => m.recipient?.aadObjectId).sort();
    assert.deepEqual(recipients, [MEGAN, ADELE, NESTOR].sort());
    const entries = await h.entries();
    const card = JSON.stringify(messages.find((m) => m.recipient?.aadObjectId === MEGAN)!.attachments?.[0]?.content);
    const qbr = entries.find((x) => x.userId === 'megan.bowen@contoso.onmicrosoft.com')!;
    assert.ok(card.includes(`/__control/?entry=${qbr.id}`), card);
    assert.ok(card.includes('Quarterly business review'));
    assert.ok(card.includes('"Attached as captions"'), 'the card says the transcript is attached');
  });

  it('keeps each recording\'s history for the admin console', async () => {
    const integration = (await h.app.store.integrations.list())[0]!;
    const page = await h.app.store.recordings.list({ integrationId: integration.id });
    assert.equal(page.items.length, 3);
    for (const r of page.items) {
      assert.equal(r.state, 'archived');
      assert.ok(r.entryId && r.entryUrl);
      assert.equal(r.bytesDone, r.bytesTotal);
    }
    // three archives: the integration is known to work
    const healthy = (await h.app.store.integrations.get(integration.id))!.health;
    assert.equal(healthy.state, 'ok');
    assert.ok(healthy.lastSuccessAt && healthy.lastSuccessAt >= Math.max(...page.items.map((r) => r.createdAt)));
    assert.deepEqual(healthy.problems, []);
  });
});
