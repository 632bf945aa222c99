import assert from 'node:assert/strict';
import { createLogger } from '../../api/src/logging/logger.js';
import { notifyOrganizerJob } from '../../api/src/ingestion/job-kinds.js';
import { systemClock } from '../../api/src/clock.js';
import { JobQueue } from '../../api/src/queue/job-queue.js';
import { summarizeCards } from '../../sandbox/connector/card-summary.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';
import { demoFixture } from '../support/emulators.js';

type Sent = { id: string; kind: string; timestamp: string; recipient: { aadObjectId: string }; attachments: unknown[] };
type Logged = { at: string; method: string; path: string; status: number };

const MEGAN = '00000000-0000-4000-8000-000000000001';
const ADELE = '00000000-0000-4000-8000-000000000002';
const NESTOR = '00000000-0000-4000-8000-000000000004';

async function quietDemo(mutate: (f: Fixture) => void = () => undefined): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  for (const m of f.meetings) {
    for (const r of m.recordings) r.available = false;
    for (const t of m.transcripts ?? []) t.available = false;
  }
  mutate(f);
  return f;
}

const archivedCards = async (h: AppHarness, to: string) =>
  ((await h.messages()) as Sent[]).filter(
    (m) => m.recipient.aadObjectId === to && m.kind !== 'update' && /archived in Kaltura/.test(summarizeCards(m.attachments)[0]?.title ?? ''),
  );
const meeting = (h: AppHarness, subject: string) => h.e.fixture.meetings.find((m) => m.subject === subject)!;
const notice = async (h: AppHarness, recordingId: string) => {
  const integrationId = (await h.app.store.integrations.list())[0]!.id;
  return (await h.app.store.recordings.get({ integrationId, recordingId }))?.notice ?? null;
};

/**
 * How cards travel: through the real CloudAdapter to the emulated connector, as queued jobs. Throttling
 * and outages are retried with the connector's Retry-After; a person who blocked the bot is written
 * down once, not retried; a worker that died after sending leaves nothing for the next one to send
 * again; co-organizers and proactive install, when an integration asks for them.
 */
describe('bot: delivering cards', function () {
  this.timeout(180_000);

  describe('retries and refusals', () => {
    let h: AppHarness;
    before(async () => {
      h = await startAppHarness(await quietDemo());
      for (const user of [MEGAN, ADELE]) await h.teams.install(user);
    });
    after(() => h?.close());

    it('429 with Retry-After: the card waits as told, then goes once', async () => {
      const qbr = meeting(h, 'Quarterly business review');
      await h.e.control(h.e.connector, 'DELETE', '/__control/requests');
      await h.e.control(h.e.connector, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '^/v3/conversations/[^/]+/activities',
        status: 429,
        headers: { 'retry-after': '2' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
        count: 6,
      });
      await h.release('recording', qbr.recordings[0]!.id);
      const [card] = await waitFor('the card after the throttling', async () => {
        const c = await archivedCards(h, MEGAN);
        return c.length ? c : undefined;
      }, 60_000);
      const log = (await h.e.control<Logged[]>(h.e.connector, 'GET', '/__control/requests')).filter((r) => /^\/v3\/conversations\/[^/]+\/activities/.test(r.path));
      const throttled = log.filter((r) => r.status === 429);
      assert.equal(throttled.length, 6, 'every throttled attempt reached the connector');
      const firstThrottle = Date.parse(throttled[0]!.at);
      assert.ok(Date.parse(card!.timestamp) - firstThrottle >= 6 * 2_000 - 500, 'each retry waited the 2 s Retry-After asked for');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal((await archivedCards(h, MEGAN)).length, 1, 'one card, not one per attempt');
      assert.equal((await notice(h, qbr.recordings[0]!.id))?.state, 'sent');
    });

    it('403 (the person blocked the bot): written down once, the conversation marked gone, no retry storm', async () => {
      const sko = meeting(h, 'Sales kickoff');
      await h.e.control(h.e.connector, 'DELETE', '/__control/requests');
      await h.e.control(h.e.connector, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '^/v3/conversations',
        status: 403,
        body: { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } },
        count: 50,
      });
      await h.release('recording', sko.recordings[0]!.id);
      const written = await waitFor('the notice written as unreachable', async () => {
        const n = await notice(h, sko.recordings[0]!.id);
        return n?.state === 'unreachable' ? n : undefined;
      }, 30_000);
      assert.equal(written.error?.code, 'BOT_USER_UNREACHABLE');
      const ref = await h.app.store.conversations.get(h.e.fixture.tenant.id.toLowerCase(), ADELE);
      assert.equal(ref?.status, 'gone');
      assert.equal(ref?.goneReason, 'ConversationBlockedByUser');
      await new Promise((r) => setTimeout(r, 2_000));
      const calls = (await h.e.control<Logged[]>(h.e.connector, 'GET', '/__control/requests')).filter((r) => r.path.startsWith('/v3/conversations'));
      assert.ok(calls.length <= 2, `${calls.length} connector calls for one blocked person`);
      await h.e.control(h.e.connector, 'DELETE', '/__control/faults');
    });

    it('5xx: the connector outage is retried until the card goes', async () => {
      // Adele reinstalls: the conversation is active again, and she is reachable
      await h.teams.install(ADELE);
      assert.equal((await h.app.store.conversations.get(h.e.fixture.tenant.id.toLowerCase(), ADELE))?.status, 'active');
      const eng = meeting(h, 'Engineering all-hands');
      await h.teams.install(NESTOR);
      await h.e.control(h.e.connector, 'POST', '/__control/faults', {
        method: 'POST',
        pathPattern: '^/v3/conversations/[^/]+/activities',
        status: 502,
        body: { error: { code: 'ServiceError', message: 'Bad gateway.' } },
        count: 5,
      });
      await h.release('recording', eng.recordings[0]!.id);
      await waitFor('the card after the outage', async () => ((await archivedCards(h, NESTOR)).length ? true : undefined), 60_000);
      assert.equal((await archivedCards(h, NESTOR)).length, 1);
    });
  });

  it('a worker that died after sending (before the job was acknowledged): the next process sends nothing again', async () => {
    // phase 1: a web-only app (no worker); this test plays the worker that dies
    const h = await startAppHarness(await quietDemo(), { ROLE: 'web' });
    try {
      await h.teams.install(MEGAN);
      const integrationId = (await h.app.store.integrations.list())[0]!.id;
      const queue = new JobQueue({ jobs: h.app.store.jobs, clock: systemClock, defaultMaxAttempts: 10 });
      const recordingId = 'rec-sent-before-the-crash';
      await queue.enqueue(
        notifyOrganizerJob(integrationId, recordingId, {
          integrationId,
          recordingId,
          tenantId: h.e.fixture.tenant.id,
          organizerId: MEGAN,
          subject: 'Board meeting',
          startDateTime: '2026-11-30T14:00:00Z',
          durationMinutes: 45,
          sizeBytes: 123_456_789,
          entryId: '0_crash0001',
          entryUrl: 'https://kmc.example/entry/0_crash0001',
          transcriptAttached: false,
        }),
      );
      const job = (await queue.claim({ workerId: 'worker-that-will-be-killed', leaseMs: 1_000, kinds: ['notify-organizer'] }))!;
      assert.ok(job, 'the dead worker held the job');
      await h.app.pipeline.handlers['notify-organizer']!(job, {
        logger: createLogger('silent'),
        signal: new AbortController().signal,
        saveProgress: async (p) => void (await queue.saveProgress(job, p)),
      });
      assert.equal((await archivedCards(h, MEGAN)).length, 1, 'the card went out');
      // ... and here the process died: no completion, the lease runs out

      // phase 2: the app comes back with its worker, finds the stalled job and runs it again
      h.env.ROLE = 'all';
      await h.restart();
      const done = await waitFor('the job completed by the new worker', async () => {
        const j = await h.app.store.jobs.get(job.id);
        return j?.state === 'completed' ? j : undefined;
      }, 40_000);
      assert.deepEqual(done.result, { [MEGAN]: 'already sent' });
      assert.ok(done.attempts >= 2, 'it was run again');
      assert.equal((await archivedCards(h, MEGAN)).length, 1, 'no second card');
    } finally {
      await h.close();
    }
  });

  describe('co-organizers and proactive install, when the integration asks for them', () => {
    let h: AppHarness;
    before(async () => {
      h = await startAppHarness(
        await quietDemo((f) => {
          f.integrations[0]!.settings = { ...f.integrations[0]!.settings, notifyCoOrganizers: true, proactiveInstall: true };
          // Adele and Nestor have not installed the app
          f.teamsApp.installedFor = [MEGAN];
          f.appRegistrations[0]!.permissions.push('TeamsAppInstallation.ReadWriteForUser.All', 'AppCatalog.Read.All');
        }),
      );
      await h.teams.install(MEGAN);
    });
    after(() => h?.close());

    it("the organizer's card goes to the co-organizer too; one who lacks the app gets it installed, then the card", async () => {
      const qbr = meeting(h, 'Quarterly business review'); // organizer Megan, co-organizer Adele
      await h.release('recording', qbr.recordings[0]!.id);
      await waitFor("the co-organizer's card", async () => ((await archivedCards(h, ADELE)).length ? true : undefined), 60_000);
      assert.equal((await archivedCards(h, MEGAN)).length, 1);
      assert.equal((await archivedCards(h, ADELE)).length, 1);
      const sent = (await h.messages()) as Sent[];
      const toAdele = sent.filter((m) => m.recipient.aadObjectId === ADELE).map((m) => summarizeCards(m.attachments)[0]?.title ?? '');
      assert.match(toAdele[0]!, /^Welcome/, 'the install came first (Teams told the bot), then the card');
      const graph = await h.e.control<{ teamsApp: { installedFor: string[] } }>(h.e.graph, 'GET', '/__control/state');
      assert.ok(graph.teamsApp.installedFor.map((u) => u.toLowerCase()).includes(ADELE));
      const n = (await notice(h, qbr.recordings[0]!.id))!;
      assert.equal(n.state, 'sent');
      assert.deepEqual(n.coOrganizers?.map((c) => [c.userId, c.state]), [[ADELE, 'sent']]);
    });
  });
});
