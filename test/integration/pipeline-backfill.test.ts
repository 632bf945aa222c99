import assert from 'node:assert/strict';
import { sweepJob } from '../../api/src/ingestion/job-kinds.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixture } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function oldMeeting(f: Fixture, day: string, n: number) {
  f.meetings.push({
    id: b64(`1*${MEGAN}*0**19:meeting_old${n}@thread.v2`),
    organizerId: MEGAN,
    subject: `Old meeting ${n}`,
    startDateTime: `${day}T09:00:00Z`,
    endDateTime: `${day}T09:30:00Z`,
    joinWebUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_old${n}%40thread.v2/0`,
    participants: [],
    recordings: [{ id: `old-recording-${n}`, createdDateTime: `${day}T09:31:00Z`, endDateTime: `${day}T09:30:00Z`, size: 70_000, seed: `old-${n}`, available: true }],
    transcripts: [],
  });
}

/** Backfill: an admin's date range swept with the same mechanism as the safety-net sweep. */
describe('pipeline: backfill of a date range', function () {
  let h: AppHarness;
  before(async () => {
    const f = structuredClone(await demoFixture());
    oldMeeting(f, '2026-08-03', 1); // inside the backfill range, older than the first sweep's 30 days
    oldMeeting(f, '2026-05-04', 2); // outside it
    h = await startAppHarness(f);
  });
  after(() => h?.close());

  async function states() {
    const integration = (await h.app.store.integrations.list())[0]!;
    return new Map((await h.app.store.recordings.list({ integrationId: integration.id })).items.map((r) => [r.recordingId, r.state]));
  }

  it('the first sweep looks back 30 days only', async () => {
    await waitFor('the QBR archived', async () => (await states()).get(h.e.fixture.meetings[0]!.recordings[0]!.id) === 'archived');
    const s = await states();
    assert.equal(s.has('old-recording-1'), false);
    assert.equal(s.has('old-recording-2'), false);
  });

  it('a backfill archives what lies in its range, and nothing outside it', async () => {
    const integration = (await h.app.store.integrations.list())[0]!;
    const from = Date.parse('2026-07-01T00:00:00Z');
    const to = Date.parse('2026-09-01T00:00:00Z');
    const { job } = await h.app.store.jobs.enqueue(sweepJob(integration.id, { from, to }, 'backfill', `${from}-${to}`));
    await waitFor('the backfill done', async () => (await h.app.store.jobs.get(job.id))?.state === 'completed');
    await waitFor('the old recording archived', async () => (await states()).get('old-recording-1') === 'archived');
    assert.equal((await states()).has('old-recording-2'), false);
    const entry = (await h.entries()).find((x) => x.referenceId === 'Teams_old-recording-1')!;
    assert.equal(entry.name, 'Old meeting 1 (2026-08-03 09:00 UTC)');
    // the same range again queues nothing new
    const again = await h.app.store.jobs.enqueue(sweepJob(integration.id, { from, to }, 'backfill', `${from}-${to}`));
    assert.equal(again.created, false);
  });
});
