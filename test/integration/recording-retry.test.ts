import assert from 'node:assert/strict';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';
import { kalturaRefusesNewEntries } from '../support/kaltura-faults.js';

/** An admin's "retry" puts a recording that failed for good back in the queue; once the cause is gone it archives. */
describe('retrying a failed recording', function () {
  let h: AppHarness;
  before(async () => {
    h = await startAppHarness();
  });
  after(() => h?.close());

  it('a recording Kaltura refused for good is archived after the admin retries it', async () => {
    const eng = h.e.fixture.meetings[2]!;
    const recordingId = eng.recordings[0]!.id;
    const integrationId = (await h.app.store.integrations.list())[0]!.id;
    await kalturaRefusesNewEntries(h.e);
    await h.release('recording', recordingId);
    const failed = await waitFor('the recording failed', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId });
      return r?.state === 'failed' ? r : undefined;
    }, 30_000);
    assert.ok(failed.error?.code);
    assert.equal((await h.app.store.jobs.get(failed.jobId!))!.state, 'failed');

    await h.e.control(h.e.kaltura, 'DELETE', '/__control/faults');
    const queued = await h.app.service.retry({ id: 'admin-1', name: 'Admin' }, integrationId, recordingId);
    assert.equal(queued.state, 'queued');
    assert.equal(queued.error, null);
    const archived = await waitFor('archived after the retry', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId });
      return r?.state === 'archived' ? r : undefined;
    }, 30_000);
    assert.ok(archived.entryId);
    assert.ok((await h.entries()).some((e) => e.referenceId === `Teams_${recordingId}` && e.status === 2));
    const audit = (await h.app.store.audit.list({ integrationId })).items.map((a) => a.action);
    assert.ok(audit.includes('recording.retry'));
  });
});
