import assert from 'node:assert/strict';
import { contentSha256 } from '../../sandbox/content/deterministic-content.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

interface GraphState {
  subscriptions: Array<{ id: string; resource: string; status?: string; expirationDateTime: string }>;
}

async function integrationId(h: AppHarness): Promise<string> {
  return (await h.app.store.integrations.list())[0]!.id;
}

async function recordingState(h: AppHarness, recordingId: string) {
  return h.app.store.recordings.get({ integrationId: await integrationId(h), recordingId });
}

async function subscriptionFor(h: AppHarness, resource: string) {
  return waitFor(`a subscription to ${resource}`, async () =>
    (await h.app.store.subscriptions.listByIntegration(await integrationId(h))).find((s) => s.resource === resource),
  );
}

function notification(sub: { id: string; clientState: string }, tenantId: string, meetingId: string, recordingId: string, clientState = sub.clientState) {
  return {
    value: [
      {
        subscriptionId: sub.id,
        changeType: 'created',
        tenantId,
        clientState,
        subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        resource: `communications/onlineMeetings('${meetingId}')/recordings('${recordingId}')`,
        resourceData: { id: recordingId, '@odata.type': '#Microsoft.Graph.callRecording', '@odata.id': `communications/onlineMeetings('${meetingId}')/recordings('${recordingId}')` },
      },
    ],
  };
}

describe('pipeline: duplicates, faults and lost notifications', function () {
  let h: AppHarness;
  beforeEach(async () => {
    h = await startAppHarness();
    await waitFor('the QBR recording archived by the first sweep', async () => (await recordingState(h, h.e.fixture.meetings[0]!.recordings[0]!.id))?.state === 'archived');
  });
  afterEach(() => h?.close());

  it('answers the validation handshake with the token as text/plain', async () => {
    const res = await fetch(`${h.app.url}/api/graph/notifications?validationToken=${encodeURIComponent('Validation: Token 1+2')}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'Validation: Token 1+2');
  });

  it('duplicate and out-of-order notifications give one entry; a wrong clientState is not queued', async () => {
    const f = h.e.fixture;
    const sko = f.meetings[1]!;
    const sub = await subscriptionFor(h, 'communications/onlineMeetings/getAllRecordings');
    const post = (body: unknown) =>
      fetch(`${h.app.url}/api/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const forged = await post(notification(sub, f.tenant.id, sko.id, sko.recordings[0]!.id, 'not-the-client-state'));
    // answered as an unknown subscription would be, so a forger cannot tell a live subscription id
    assert.equal(forged.status, 202);
    assert.equal(await recordingState(h, sko.recordings[0]!.id), null, 'nothing was queued for a forged notification');

    // the transcript's notification first, then the recording's three times (Graph retries), one of them from the emulator
    await h.release('transcript', sko.transcripts[0]!.id);
    const first = await post(notification(sub, f.tenant.id, sko.id, sko.recordings[0]!.id));
    assert.equal(first.status, 202);
    await h.release('recording', sko.recordings[0]!.id);
    await post(notification(sub, f.tenant.id, sko.id, sko.recordings[0]!.id));
    await waitFor('the SKO recording archived', async () => (await recordingState(h, sko.recordings[0]!.id))?.state === 'archived');
    await post(notification(sub, f.tenant.id, sko.id, sko.recordings[0]!.id));
    await new Promise((r) => setTimeout(r, 500));

    const entries = (await h.entries()).filter((x) => x.referenceId === `Teams_${sko.recordings[0]!.id}`);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.contentSha256, await contentSha256(sko.recordings[0]!.seed, sko.recordings[0]!.size));
    await waitFor('the caption', async () => (await h.entries()).find((x) => x.id === entries[0]!.id && x.captions.length === 1 && x.captions[0]!.text));
    const kalturaLog = await h.e.control<Array<{ path: string }>>(h.e.kaltura, 'GET', '/__control/requests');
    assert.equal(kalturaLog.filter((r) => /service\/media\/action\/add$/i.test(r.path)).length, 2, 'one media.add for QBR, one for SKO');
  });

  it('waits out a 429 storm as Retry-After says instead of hammering', async () => {
    const eng = h.e.fixture.meetings[2]!.recordings[0]!;
    await h.e.control(h.e.graph, 'POST', '/__control/faults', {
      method: 'GET',
      pathPattern: `/recordings/${encodeURIComponent(eng.id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/content$`,
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { error: { code: 'TooManyRequests', message: 'Please retry after 1 second.' } },
      count: 3,
    });
    await h.release('recording', eng.id);
    await waitFor('the engineering recording archived', async () => (await recordingState(h, eng.id))?.state === 'archived', 30_000);
    const log = await h.e.control<Array<{ at: string; path: string; status: number; fault?: number }>>(h.e.graph, 'GET', '/__control/requests');
    const contentCalls = log.filter((r) => r.path.endsWith('/content') && r.path.includes(encodeURIComponent(eng.id)));
    const throttled = contentCalls.filter((r) => r.status === 429);
    assert.equal(throttled.length, 3);
    for (let i = 1; i < contentCalls.length; i++) {
      if (contentCalls[i - 1]!.status !== 429) continue;
      const gap = Date.parse(contentCalls[i]!.at) - Date.parse(contentCalls[i - 1]!.at);
      assert.ok(gap >= 900, `retried after ${gap} ms, before the 1 s Graph asked for`);
    }
  });

  it('archives a recording whose content Graph redirects to a pre-authenticated URL, never sending it the bearer', async () => {
    const eng = h.e.fixture.meetings[2]!.recordings[0]!;
    await h.e.control(h.e.graph, 'POST', '/__control/settings', { contentRedirect: true });
    await h.release('recording', eng.id);
    const entry = await waitFor('the engineering entry', async () => (await h.entries()).find((x) => x.referenceId === `Teams_${eng.id}` && x.status === 2), 30_000);
    assert.equal(entry.contentSha256, await contentSha256(eng.seed, eng.size));
    const { contentFetches } = await h.e.control<{ contentFetches: Array<{ id: string; via: string; status: number; authorization: boolean }> }>(h.e.graph, 'GET', '/__control/state');
    const mine = contentFetches.filter((f) => f.id === eng.id);
    assert.ok(mine.some((f) => f.via === 'graph' && f.status === 302));
    assert.ok(mine.some((f) => f.via === 'download' && f.status === 200));
    assert.ok(mine.filter((f) => f.via === 'download').every((f) => !f.authorization), 'the bearer never went to the download host');
  });

  it('recreates a subscription that expired, and the sweep finds the recording whose notification was lost', async () => {
    const sko = h.e.fixture.meetings[1]!.recordings[0]!;
    const sub = await subscriptionFor(h, 'communications/onlineMeetings/getAllRecordings');
    // Graph let it lapse (as when renewals failed for days): the notification for SKO goes nowhere
    await h.e.control(h.e.graph, 'POST', `/__control/subscriptions/${encodeURIComponent(sub.id)}/expire`);
    const released = await h.release('recording', sko.id) as { notifications: unknown[] };
    assert.equal(released.notifications.length, 0, 'no live subscription, no notification');
    // time passes: the app's copy says it is due for renewal
    await h.app.store.subscriptions.save({ ...sub, expiresAt: Date.now() + 60_000 });
    await h.app.pipeline.runScheduledOnce();

    const fresh = await subscriptionFor(h, 'communications/onlineMeetings/getAllRecordings');
    assert.notEqual(fresh.id, sub.id, 'a new subscription replaced the lapsed one');
    const graph = await h.e.control<GraphState>(h.e.graph, 'GET', '/__control/state');
    assert.ok(graph.subscriptions.some((s) => s.id === fresh.id));
    await waitFor('the SKO recording archived by the gap sweep', async () => (await recordingState(h, sko.id))?.state === 'archived', 30_000);
  });

  it('answers lifecycle events: reauthorizes, recreates a removed subscription, sweeps after missed notifications', async () => {
    const sub = await subscriptionFor(h, 'communications/onlineMeetings/getAllRecordings');
    await h.e.control(h.e.graph, 'POST', `/__control/subscriptions/${encodeURIComponent(sub.id)}/lifecycle`, { lifecycleEvent: 'reauthorizationRequired' });
    await waitFor('the reauthorize call', async () =>
      (await h.e.control<Array<{ method: string; path: string; status: number }>>(h.e.graph, 'GET', '/__control/requests')).some(
        (r) => r.path.endsWith(`/subscriptions/${sub.id}/reauthorize`) && r.status < 300,
      ),
    );

    await h.e.control(h.e.graph, 'POST', `/__control/subscriptions/${encodeURIComponent(sub.id)}/lifecycle`, { lifecycleEvent: 'subscriptionRemoved' });
    const replacement = await waitFor('a replacement subscription', async () =>
      (await h.app.store.subscriptions.listByIntegration(await integrationId(h))).find((s) => s.resource.endsWith('getAllRecordings') && s.id !== sub.id),
    );

    // missed: a recording became available while the app could not be reached, so its notification was dropped
    const eng = h.e.fixture.meetings[2]!.recordings[0]!;
    await waitFor('the sweep after the removal done', async () => {
      const counts = await h.app.store.jobs.countByState(await integrationId(h));
      return counts.queued === 0 && counts.active === 0;
    });
    await h.app.close();
    const released = (await h.release('recording', eng.id)) as { notifications: Array<{ status?: number | null }> };
    assert.ok(released.notifications.every((n) => !n.status || n.status >= 300), 'the notification did not get through');
    await h.restart();
    await new Promise((r) => setTimeout(r, 1000));
    assert.notEqual((await recordingState(h, eng.id))?.state, 'archived', 'nothing else brings it in by itself this soon');
    await h.e.control(h.e.graph, 'POST', `/__control/subscriptions/${encodeURIComponent(replacement.id)}/lifecycle`, { lifecycleEvent: 'missed' });
    await waitFor('the engineering recording archived after "missed"', async () => (await recordingState(h, eng.id))?.state === 'archived', 30_000);
  });
});
