import assert from 'node:assert/strict';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

type Captured = { id: string; kind: string; conversation: { id: string }; recipient?: { aadObjectId?: string }; attachments?: Array<{ content?: unknown }> };

const transcriptLine = (a: Captured) => {
  const facts = ((a.attachments?.[0]?.content as { body?: Array<{ facts?: Array<{ title: string; value: string }> }> })?.body ?? []).flatMap((b) => b.facts ?? []);
  return facts.find((f) => f.title === 'Transcript')?.value;
};

/**
 * The organizer's card tells the truth about the transcript: when the transcript comes after the card
 * was sent, the same card is changed in place (the connector's update-activity); and an organizer the
 * bot cannot reach is written in the recording's history instead of retried forever.
 */
describe('organizer notices', function () {
  let h: AppHarness;
  before(async () => {
    h = await startAppHarness();
  });
  after(() => h?.close());

  it('a transcript that arrives after the card updates that card in place', async () => {
    const sko = h.e.fixture.meetings[1]!;
    const organizer = sko.organizerId;
    const integrationId = (await h.app.store.integrations.list())[0]!.id;
    await h.release('recording', sko.recordings[0]!.id);
    const first = await waitFor('the first card', async () =>
      ((await h.messages()) as Captured[]).find((m) => m.recipient?.aadObjectId === organizer && m.kind !== 'update'),
    );
    assert.equal(transcriptLine(first), 'Not attached yet');
    const sent = (await h.app.store.recordings.get({ integrationId, recordingId: sko.recordings[0]!.id }))!.notice!;
    assert.equal(sent.state, 'sent');
    assert.equal(sent.transcriptAttached, false);

    await h.release('transcript', sko.transcripts[0]!.id);
    const update = await waitFor('the card updated', async () =>
      ((await h.messages()) as Captured[]).find((m) => m.kind === 'update' && m.conversation.id === first.conversation.id),
    );
    assert.equal(update.id, first.id, 'the same message, changed in place');
    assert.equal(transcriptLine(update), 'Attached as captions');
    const after = await waitFor('the notice marked up to date', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId: sko.recordings[0]!.id });
      return r?.notice?.transcriptAttached ? r : undefined;
    });
    assert.equal(after.transcript.state, 'attached');
    const cards = ((await h.messages()) as Captured[]).filter((m) => m.recipient?.aadObjectId === organizer && m.kind !== 'update');
    assert.equal(cards.length, 1, 'no second card');
  });

  it('an organizer who cannot be reached: the history says so, the job ends, nothing loops', async () => {
    const eng = h.e.fixture.meetings[2]!;
    const integrationId = (await h.app.store.integrations.list())[0]!.id;
    await h.e.control(h.e.connector, 'POST', '/__control/faults', {
      method: 'POST',
      path: '/v3/conversations',
      status: 403,
      body: { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } },
      count: 100,
    });
    await h.release('recording', eng.recordings[0]!.id);
    const r = await waitFor('the notice marked unreachable', async () => {
      const x = await h.app.store.recordings.get({ integrationId, recordingId: eng.recordings[0]!.id });
      return x?.notice?.state === 'unreachable' ? x : undefined;
    }, 30_000);
    assert.equal(r.state, 'archived');
    assert.equal(r.notice!.error!.code, 'BOT_USER_UNREACHABLE');
    const job = (await h.app.store.jobs.list({ integrationId, kind: 'notify-organizer' })).items.find((j) => (j.payload as { recordingId?: string }).recordingId === eng.recordings[0]!.id)!;
    assert.equal(job.state, 'completed');
    assert.equal(job.attempts, 1);
    await h.e.control(h.e.connector, 'DELETE', '/__control/faults');
  });
});
