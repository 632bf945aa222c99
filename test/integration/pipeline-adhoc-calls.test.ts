import assert from 'node:assert/strict';
import type { AuditActor } from '../../api/src/store/model.js';
import type { IntegrationSettings } from '../../api/src/integrations/settings.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoMeetingsAvailable } from '../support/emulators.js';
import { startAppHarness, waitFor, type AppHarness, type KalturaEntryState } from '../support/app-harness.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
const admin: AuditActor = { id: MEGAN, name: 'Megan Bowen' };
const CALL_PERMISSIONS = ['CallRecordings.Read.All', 'CallTranscripts.Read.All'];

const demo = (settings: Partial<IntegrationSettings>, mutate?: (f: Fixture) => void): Promise<Fixture> => demoMeetingsAvailable(settings, mutate);

function callOf(f: Fixture) {
  const call = f.calls![0]!;
  return { call, recording: call.recordings[0]!, transcript: call.transcripts[0]! };
}

function callAvailable(f: Fixture): void {
  const { recording, transcript } = callOf(f);
  recording.available = true;
  transcript.available = true;
}

function withoutCallPermissions(f: Fixture): void {
  f.appRegistrations[0]!.permissions = f.appRegistrations[0]!.permissions.filter((p) => !CALL_PERMISSIONS.includes(p));
}

async function integrationOf(h: AppHarness) {
  return (await h.app.store.integrations.list())[0]!;
}

async function records(h: AppHarness) {
  return (await h.app.store.recordings.list({ integrationId: (await integrationOf(h)).id })).items;
}

async function graphPaths(h: AppHarness): Promise<string[]> {
  return (await h.e.control<Array<{ method: string; path: string }>>(h.e.graph, 'GET', '/__control/requests')).map((r) => `${r.method} ${r.path}`);
}

async function callEntry(h: AppHarness, recordingId: string): Promise<KalturaEntryState | undefined> {
  return (await h.entries()).find((x) => x.referenceId === `TeamsCall_${recordingId}`);
}

type CardContent = { body?: Array<{ text?: string; facts?: Array<{ title: string; value: string }> }> };

/** The texts of every card the bot sent to `userId` (Entra object id). */
async function cardsTo(h: AppHarness, userId: string): Promise<string[]> {
  const messages = await h.messages();
  return messages
    .filter((m) => (m.recipient?.aadObjectId ?? m.recipient?.id ?? '').toLowerCase().includes(userId))
    .map((m) => JSON.stringify((m.attachments?.[0]?.content ?? {}) as CardContent));
}

describe('pipeline: ad hoc call recordings', function () {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('switched on: a recorded call is archived with its owner, tags, categories, caption and no entitlements, and its initiator gets a card', async () => {
    const f = await demo({ includeAdhocCalls: true, attendeesRoles: ['co-viewers'] }, callAvailable);
    const { call, recording } = callOf(f);
    h = await startAppHarness(f);
    const entry = await waitFor('the call archived', async () => {
      const x = await callEntry(h!, recording.id);
      return x?.status === 2 && x.captions.length > 0 ? x : undefined;
    });
    const meetingEntry = (await h.entries()).find((x) => x.name.startsWith('Quarterly'))!;
    assert.equal(entry.userId, meetingEntry.userId, 'the initiator owns it, mapped by the same owner rules as an organizer');
    assert.equal(entry.adminTags, 'msteams,adhoc');
    assert.equal(entry.name, 'Teams call with Lee Gu (2026-11-24 14:00 UTC)');
    assert.match(entry.description, /ad hoc call/);
    assert.match(entry.description, new RegExp(`Teams call ID: ${call.id}`));
    assert.deepEqual(entry.categories, ['MediaSpace>site>channels>Teams recordings']);
    assert.deepEqual([...entry.entitledUsersEdit, ...entry.entitledUsersPublish, ...entry.entitledUsersView], [], 'Graph does not say who took part: nobody is entitled');
    assert.equal(entry.contentSize, recording.size);
    assert.equal(entry.captions.length, 1);
    assert.equal(entry.captions[0]!.label, 'Teams');
    assert.match(entry.captions[0]!.text ?? '', /^WEBVTT/);
    assert.match(entry.captions[0]!.text ?? '', /Lee Gu/);

    const record = (await records(h)).find((r) => r.recordingId === recording.id)!;
    assert.equal(record.callId, call.id);
    assert.equal(record.meetingId, null);
    assert.equal(record.organizerId, MEGAN);
    assert.equal(record.subject, 'Teams call with Lee Gu');

    const card = await waitFor('the call card', async () => (await cardsTo(h!, MEGAN)).find((c) => c.includes('Your call recording is archived in Kaltura')));
    assert.match(card, /Teams call with Lee Gu/);
    assert.match(card, new RegExp(entry.id));

    const resources = (await h.app.store.subscriptions.listByIntegration((await integrationOf(h)).id)).map((s) => s.resource).sort();
    assert.deepEqual(resources, [
      'communications/adhocCalls/getAllRecordings',
      'communications/adhocCalls/getAllTranscripts',
      'communications/onlineMeetings/getAllRecordings',
      'communications/onlineMeetings/getAllTranscripts',
    ]);
    assert.ok((await graphPaths(h)).includes('POST /beta/subscriptions'), 'the tenant-wide call transcript subscription is made on /beta, where Graph has it');
    await waitFor('the three meetings and the call', async () => (await h!.entries()).filter((x) => x.status === 2).length === 4);
  });

  it('switched off (the default): nothing of calls is read from Graph, and no call entry is made', async () => {
    const f = await demo({}, callAvailable);
    delete (f.integrations[0]!.settings as Partial<IntegrationSettings>).includeAdhocCalls;
    h = await startAppHarness(f);
    await waitFor('the three meetings archived', async () => (await records(h!)).filter((r) => r.state === 'archived').length === 3);
    await h.app.pipeline.runScheduledOnce();
    await waitFor('the queue idle', async () => (await h!.app.store.jobs.list({ state: 'queued', limit: 50 })).items.length === 0);
    const calls = (await graphPaths(h)).filter((p) => /adhoccalls/i.test(p));
    assert.deepEqual(calls, []);
    assert.equal(await callEntry(h, callOf(f).recording.id), undefined);
    assert.equal((await h.entries()).length, 3);
    const resources = (await h.app.store.subscriptions.listByIntegration((await integrationOf(h)).id)).map((s) => s.resource);
    assert.equal(resources.some((r) => /adhocCalls/.test(r)), false);
    assert.equal((await integrationOf(h)).settings.includeAdhocCalls, false, 'the stored default is off');
  });

  it('announced by change notifications: the recording first, its transcript later updates the entry and the card', async () => {
    const f = await demo({ includeAdhocCalls: true });
    const { recording, transcript } = callOf(f);
    h = await startAppHarness(f);
    await waitFor('the call subscriptions', async () => {
      const subs = await h!.app.store.subscriptions.listByIntegration((await integrationOf(h!)).id);
      return subs.filter((s) => /adhocCalls/.test(s.resource)).length === 2;
    });
    await h.release('recording', recording.id);
    const entry = await waitFor('the call archived without a transcript', async () => {
      const r = (await records(h!)).find((x) => x.recordingId === recording.id);
      return r?.state === 'archived' ? callEntry(h!, recording.id) : undefined;
    });
    assert.equal(entry!.captions.length, 0);
    // dated by the recording's createdDateTime (the emulator stamps a released item with the moment of its release)
    assert.match(entry!.name, /^Teams call by Megan Bowen \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/, 'no transcript yet: the other party is not known');
    await waitFor('the card without transcript', async () => (await cardsTo(h!, MEGAN)).find((c) => c.includes('Your call recording') && c.includes('Not attached yet')));

    await h.release('transcript', transcript.id);
    const captioned = await waitFor('the caption', async () => {
      const x = await callEntry(h!, recording.id);
      return x && x.captions.length > 0 ? x : undefined;
    });
    assert.equal(captioned.captions.length, 1);
    assert.match(captioned.captions[0]!.text ?? '', /Lee Gu/);
    // the transcript tells who else spoke: the entry is named after them now, keeping its date
    const renamed = await waitFor('the entry named after the other speaker', async () => {
      const x = await callEntry(h!, recording.id);
      return x?.name.startsWith('Teams call with Lee Gu') ? x : undefined;
    });
    assert.equal(renamed.name, entry!.name.replace('Teams call by Megan Bowen', 'Teams call with Lee Gu'));
    const update = await waitFor('the card updated in place', async () => {
      const messages = await h!.messages();
      return messages.find((m) => (m as { kind?: string }).kind === 'update' && JSON.stringify(m).includes('Attached as captions'));
    });
    assert.match(JSON.stringify(update), /Teams call with Lee Gu/, 'the updated card names the call as the entry does');
    const record = (await records(h)).find((x) => x.recordingId === recording.id)!;
    assert.equal(record.transcript.state, 'attached');
    assert.equal(record.subject, 'Teams call with Lee Gu');
    // notification-driven: the sweep did not find it (it was not available at the first sweep)
    const calls = (await h.entries()).filter((x) => x.referenceId?.startsWith('TeamsCall_'));
    assert.equal(calls.length, 1, 'one entry, however many jobs');
  });

  it('without the call permissions: meetings keep flowing, a warning names the missing one, and granting it archives the call', async () => {
    const good = await demo({ includeAdhocCalls: true }, callAvailable);
    h = await startAppHarness(await demo({ includeAdhocCalls: true }, (f) => (callAvailable(f), withoutCallPermissions(f))));
    await waitFor('the three meetings archived', async () => (await records(h!)).filter((r) => r.state === 'archived').length === 3);
    const warned = await waitFor('the call warning', async () => {
      const i = await integrationOf(h!);
      return i.health.problems.some((p) => p.code === 'MISSING_CALL_RECORDING_PERMISSION') ? i : undefined;
    });
    assert.equal(warned.health.state, 'warning', 'a warning, not an error');
    const problem = warned.health.problems.find((p) => p.code === 'MISSING_CALL_RECORDING_PERMISSION')!;
    assert.match(problem.message, /CallRecordings\.Read\.All/);
    assert.match(problem.fix ?? '', /CallRecordings\.Read\.All/);
    assert.deepEqual(await h.app.store.jobs.paused(), [], 'the integration is not paused');
    assert.equal(await callEntry(h, callOf(good).recording.id), undefined);

    // the connection test says the same, as a warning
    const report = await h.app.service.testConnection(admin, warned.id);
    const check = report.checks.find((c) => c.id === 'permission:callRecordings')!;
    assert.equal(check.status, 'warning');
    assert.equal(check.code, 'MISSING_CALL_RECORDING_PERMISSION');
    assert.equal(report.ok, true);

    // an admin grants them: the scheduled check sees it, clears the warning and catches the call up
    for (const emulator of [h.e.entra, h.e.graph, h.e.kaltura]) await h.e.control(emulator, 'POST', '/__control/fixture', good);
    await h.e.control(h.e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    await h.app.pipeline.runScheduledOnce();
    const entry = await waitFor('the call archived after the grant', async () => {
      const x = await callEntry(h!, callOf(good).recording.id);
      return x?.status === 2 && x.captions.length > 0 ? x : undefined;
    }, 30_000);
    assert.equal(entry.adminTags, 'msteams,adhoc');
    const healed = await integrationOf(h);
    assert.equal(healed.health.problems.some((p) => p.code.startsWith('MISSING_CALL_')), false);
    assert.equal(healed.health.state, 'ok');
  });

  it('a call job already queued when the permission goes fails with the call code and is retried once it is back', async () => {
    const good = await demo({ includeAdhocCalls: true }, callAvailable);
    const { call, recording } = callOf(good);
    h = await startAppHarness(await demo({ includeAdhocCalls: true }, withoutCallPermissions));
    await waitFor('the three meetings archived', async () => (await records(h!)).filter((r) => r.state === 'archived').length === 3);
    // a notification about the call reaches the app while the permission is missing
    const { ingestCallRecordingJob } = await import('../../api/src/ingestion/job-kinds.js');
    const integration = await integrationOf(h);
    await h.app.store.jobs.enqueue({ ...ingestCallRecordingJob(integration.id, { callId: call.id, recordingId: recording.id, initiatorId: MEGAN }, 'notification'), maxAttempts: 5, notBefore: Date.now() });
    const failed = await waitFor('the call recording failed', async () => (await records(h!)).find((r) => r.recordingId === recording.id && r.state === 'failed'));
    assert.equal(failed.error?.code, 'MISSING_CALL_RECORDING_PERMISSION');
    assert.deepEqual(await h.app.store.jobs.paused(), []);

    for (const emulator of [h.e.entra, h.e.graph, h.e.kaltura]) await h.e.control(emulator, 'POST', '/__control/fixture', good);
    await h.e.control(h.e.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    await h.app.pipeline.runScheduledOnce();
    await waitFor('the failed call archived', async () => (await records(h!)).find((r) => r.recordingId === recording.id && r.state === 'archived'), 30_000);
    assert.equal((await h.entries()).filter((x) => x.referenceId === `TeamsCall_${recording.id}`).length, 1);
  });

  it('a backfill covers calls older than the first sweep, and switching calls on looks back 30 days', async () => {
    const f = await demo({ includeAdhocCalls: false }, (fx) => {
      callAvailable(fx);
      // a second, older call, outside the first sweep's 30 days
      const old = structuredClone(fx.calls![0]!);
      old.id = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
      old.startDateTime = '2026-08-10T09:00:00Z';
      old.endDateTime = '2026-08-10T09:10:00Z';
      old.recordings[0]!.id = 'T2xkQ2FsbFJlY29yZGluZzE=';
      old.recordings[0]!.createdDateTime = '2026-08-10T09:00:05Z';
      old.recordings[0]!.endDateTime = '2026-08-10T09:09:50Z';
      old.transcripts = [];
      fx.calls!.push(old);
    });
    h = await startAppHarness(f);
    const integration = await integrationOf(h);
    await waitFor('the three meetings archived', async () => (await records(h!)).filter((r) => r.state === 'archived').length === 3);
    assert.equal((await h.entries()).length, 3, 'calls are off');

    await h.app.service.update(admin, integration.id, { settings: { ...integration.settings, includeAdhocCalls: true } });
    await waitFor('the recent call archived after switching on', async () => callEntry(h!, callOf(f).recording.id));
    assert.equal(await callEntry(h, 'T2xkQ2FsbFJlY29yZGluZzE='), undefined, 'the old call is beyond the 30 days');

    await h.app.service.backfill(admin, integration.id, { from: '2026-08-01T00:00:00Z', to: '2026-08-31T00:00:00Z' });
    const old = await waitFor('the old call archived by the backfill', async () => {
      const x = await callEntry(h!, 'T2xkQ2FsbFJlY29yZGluZzE=');
      return x?.status === 2 ? x : undefined;
    }, 30_000);
    assert.equal(old.name, 'Teams call by Megan Bowen (2026-08-10 09:00 UTC)');
  });
});
