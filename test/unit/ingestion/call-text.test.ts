import assert from 'node:assert/strict';
import { speakersOf } from '../../../api/src/ingestion/call-artifacts.js';
import { CALLS_LOOKBACK_MS, callCatchUpFor } from '../../../api/src/ingestion/call-recovery.js';
import { callEntryDescription, callEntryReferenceId, callSubject, entryReferenceId } from '../../../api/src/ingestion/entry-text.js';
import { JobKind } from '../../../api/src/ingestion/job-kinds.js';
import { RESOURCES, wantedResources } from '../../../api/src/ingestion/subscriptions.js';
import type { HealthProblem, Integration } from '../../../api/src/store/model.js';

// the demo fixture's call (sandbox/fixtures/demo.json calls[0])
const CALL = '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a';
const CALL_RECORDING =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtUmVjb3JkaW5n';
const DEMO_VTT =
  "WEBVTT\n\n1\n00:00:00.000 --> 00:00:04.000\n<v Megan Bowen>Thanks for picking up, Lee.</v>\n\n2\n00:00:04.500 --> 00:00:09.000\n<v Lee Gu>Sure. Let's go through the roadmap slides.</v>\n";

describe('speakers of a call transcript', () => {
  it('names the voices of the demo transcript in order of their first words', () => {
    assert.deepEqual(speakersOf(DEMO_VTT), ['Megan Bowen', 'Lee Gu']);
  });

  it('names each speaker once, in the order they first speak', () => {
    const vtt = [
      'WEBVTT',
      '',
      '00:00:00.000 --> 00:00:01.000',
      '<v Lee Gu>One.</v>',
      '',
      '00:00:01.000 --> 00:00:02.000',
      '<v Adele Vance>Two.</v>',
      '',
      '00:00:02.000 --> 00:00:03.000',
      '<v Lee Gu>Three.</v>',
      '',
      '00:00:03.000 --> 00:00:04.000',
      '<v Megan Bowen>Four.</v> <v Adele Vance>Five.</v>',
      '',
    ].join('\n');
    assert.deepEqual(speakersOf(vtt), ['Lee Gu', 'Adele Vance', 'Megan Bowen']);
  });

  it('decodes the escapes WEBVTT allows in a voice name', () => {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v R&amp;D Lab &lt;Oslo&gt;>Hi.</v>\n';
    assert.deepEqual(speakersOf(vtt), ['R&D Lab <Oslo>']);
  });

  it('reads voice tags with classes (`<v.loud Name>`, `<v.a.b Name>`) as the same speaker', () => {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v.loud Lee Gu>Hi!</v>\n\n00:00:01.000 --> 00:00:02.000\n<v Lee Gu>Hi.</v>\n\n00:00:02.000 --> 00:00:03.000\n<v.first.loud Nestor Wilke>Yes.</v>\n';
    assert.deepEqual(speakersOf(vtt), ['Lee Gu', 'Nestor Wilke']);
  });

  it('finds no speakers where there are no voice tags', () => {
    assert.deepEqual(speakersOf('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello there.\n'), []);
    assert.deepEqual(speakersOf('WEBVTT\n'), []);
    assert.deepEqual(speakersOf(''), []);
    // a bare <v> names nobody
    assert.deepEqual(speakersOf('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v>Hello.</v>\n'), []);
  });
});

describe('the entry text of a call', () => {
  it("names the other speakers: one, two, three, and the rest as 'and N more'", () => {
    assert.equal(callSubject({ otherParties: ['Lee Gu'], initiatorName: 'Megan Bowen' }), 'Teams call with Lee Gu');
    assert.equal(callSubject({ otherParties: ['Lee Gu', 'Adele Vance'], initiatorName: 'Megan Bowen' }), 'Teams call with Lee Gu, Adele Vance');
    assert.equal(callSubject({ otherParties: ['A', 'B', 'C'], initiatorName: 'Megan Bowen' }), 'Teams call with A, B, C');
    assert.equal(callSubject({ otherParties: ['A', 'B', 'C', 'D'], initiatorName: 'Megan Bowen' }), 'Teams call with A, B, C and 1 more');
    assert.equal(callSubject({ otherParties: ['A', 'B', 'C', 'D', 'E', 'F'], initiatorName: null }), 'Teams call with A, B, C and 3 more');
  });

  it('names the initiator when nobody else spoke, and nobody when the initiator has no name', () => {
    assert.equal(callSubject({ otherParties: [], initiatorName: 'Megan Bowen' }), 'Teams call by Megan Bowen');
    assert.equal(callSubject({ otherParties: [], initiatorName: null }), 'Teams call');
    assert.equal(callSubject({ otherParties: [], initiatorName: '' }), 'Teams call');
  });

  it('describes the call: who started it, who spoke, when, and its ids', () => {
    const call = { id: CALL, startDateTime: '2026-11-24T14:00:00Z', endDateTime: '2026-11-24T14:18:00Z', otherParties: ['Lee Gu'] };
    assert.deepEqual(callEntryDescription(call, { displayName: 'Megan Bowen', userPrincipalName: 'megan.bowen@contoso.onmicrosoft.com' }, CALL_RECORDING).split('\n'), [
      'Microsoft Teams call recording (ad hoc call)',
      'Started by: Megan Bowen (megan.bowen@contoso.onmicrosoft.com)',
      'Speakers (from the transcript): Lee Gu',
      'Recording time: 2026-11-24 14:00 UTC to 2026-11-24 14:18 UTC (18 min)',
      `Teams call ID: ${CALL}`,
      `Teams recording ID: ${CALL_RECORDING}`,
    ]);
  });

  it('leaves out the speakers line without speakers, the name without one, and the minutes without a duration', () => {
    const call = { id: CALL, startDateTime: '2026-11-24T14:00:00Z', endDateTime: '2026-11-24T14:00:00Z', otherParties: [] };
    assert.deepEqual(callEntryDescription(call, { displayName: null, userPrincipalName: 'megan.bowen@contoso.onmicrosoft.com' }, CALL_RECORDING).split('\n'), [
      'Microsoft Teams call recording (ad hoc call)',
      'Started by: megan.bowen@contoso.onmicrosoft.com',
      'Recording time: 2026-11-24 14:00 UTC to 2026-11-24 14:00 UTC',
      `Teams call ID: ${CALL}`,
      `Teams recording ID: ${CALL_RECORDING}`,
    ]);
    const several = callEntryDescription({ ...call, otherParties: ['Lee Gu', 'Nestor Wilke'] }, { userPrincipalName: 'x@y' }, 'r');
    assert.ok(several.split('\n').includes('Speakers (from the transcript): Lee Gu, Nestor Wilke'));
  });

  it("gives a call's recording a referenceId of its own, never a meeting recording's for the same id", () => {
    assert.equal(callEntryReferenceId(CALL_RECORDING), `TeamsCall_${CALL_RECORDING}`);
    for (const id of [CALL_RECORDING, 'r', '7e31db25-bc6e-4fd8-96c7-e01264e9b6fc', 'Call_x']) {
      assert.notEqual(callEntryReferenceId(id), entryReferenceId(id), id);
      assert.ok(callEntryReferenceId(id).startsWith('TeamsCall_'));
    }
    // the prefixes are disjoint: no meeting recording id, however chosen, gives a call's referenceId
    for (const id of [`Call_${CALL_RECORDING}`, `call_${CALL_RECORDING}`, CALL_RECORDING]) {
      assert.ok(!entryReferenceId(id).startsWith('TeamsCall_'), id);
      assert.notEqual(entryReferenceId(id), callEntryReferenceId(CALL_RECORDING), id);
    }
  });
});

describe('the subscriptions an integration wants', () => {
  it('follows enabled, uploadTranscripts and includeAdhocCalls, in all 8 combinations', () => {
    const { recordings, transcripts, callRecordings, callTranscripts } = RESOURCES;
    const cases: Array<[boolean, boolean, boolean, string[]]> = [
      [false, false, false, []],
      [false, false, true, []],
      [false, true, false, []],
      [false, true, true, []],
      [true, false, false, [recordings]],
      [true, true, false, [recordings, transcripts]],
      [true, false, true, [recordings, callRecordings]],
      [true, true, true, [recordings, transcripts, callRecordings, callTranscripts]],
    ];
    for (const [enabled, uploadTranscripts, includeAdhocCalls, expected] of cases) {
      assert.deepEqual(wantedResources(enabled, { uploadTranscripts, includeAdhocCalls }), expected, JSON.stringify({ enabled, uploadTranscripts, includeAdhocCalls }));
    }
    assert.equal(callRecordings, 'communications/adhocCalls/getAllRecordings');
    assert.equal(callTranscripts, 'communications/adhocCalls/getAllTranscripts');
  });
});

describe('catching up calls after a call permission is granted', () => {
  const HOUR = 3_600_000;
  const NOW = Date.parse('2026-12-01T12:00:00Z');

  function integration(over: { enabled?: boolean; includeAdhocCalls?: boolean; rev?: number } = {}): Integration {
    return {
      id: 'int-1',
      name: 'Contoso',
      tenantId: 't',
      appClientId: 'c',
      hasAppClientSecret: true,
      kaltura: { partnerId: 1, serviceUrl: 'https://k', appTokenId: null, credential: 'adminSecret' },
      settings: { uploadTranscripts: true, includeAdhocCalls: over.includeAdhocCalls ?? true },
      enabled: over.enabled ?? true,
      health: { state: 'ok', error: null, problems: [], checkedAt: null, lastSuccessAt: null, secretExpiresAt: null, rev: over.rev ?? 7 },
      createdAt: 0,
      updatedAt: 0,
      version: 1,
    };
  }

  const problem = (code: string, since: number): HealthProblem => ({ code, severity: 'warning', message: code, fix: null, since });

  it('does nothing when no call-only problem went', () => {
    assert.equal(callCatchUpFor({ integration: integration(), removed: [] }, NOW), null);
    assert.equal(callCatchUpFor({ integration: integration(), removed: [problem('MISSING_RECORDING_PERMISSION', NOW - HOUR), problem('MISSING_TRANSCRIPT_PERMISSION', NOW - HOUR)] }, NOW), null);
  });

  it('does nothing with ad hoc calls switched off, or the integration disabled', () => {
    const removed = [problem('MISSING_CALL_RECORDING_PERMISSION', NOW - HOUR)];
    assert.equal(callCatchUpFor({ integration: integration({ includeAdhocCalls: false }), removed }, NOW), null);
    assert.equal(callCatchUpFor({ integration: integration({ enabled: false }), removed }, NOW), null);
    const unset = integration();
    unset.settings = { uploadTranscripts: true };
    assert.equal(callCatchUpFor({ integration: unset, removed }, NOW), null, 'the setting defaults to off');
  });

  it('queues one catch-up-calls job looking back 30 days, or to 6 hours before an older problem began', () => {
    const recent = callCatchUpFor({ integration: integration(), removed: [problem('MISSING_CALL_RECORDING_PERMISSION', NOW - 2 * HOUR)] }, NOW);
    assert.ok(recent);
    assert.equal(recent.kind, JobKind.catchUpCalls);
    assert.equal(recent.kind, 'catch-up-calls');
    assert.equal(recent.integrationId, 'int-1');
    assert.equal(CALLS_LOOKBACK_MS, 30 * 24 * HOUR);
    assert.deepEqual(recent.payload, { from: NOW - 30 * 24 * HOUR });

    const since = NOW - 40 * 24 * HOUR;
    const old = callCatchUpFor({ integration: integration(), removed: [problem('MISSING_CALL_RECORDING_PERMISSION', since)] }, NOW);
    assert.deepEqual(old?.payload, { from: since - 6 * HOUR });

    // within 6 hours of the 30-day edge, the overlap still reaches further back
    const edge = NOW - 30 * 24 * HOUR + 2 * HOUR;
    const nearEdge = callCatchUpFor({ integration: integration(), removed: [problem('MISSING_CALL_RECORDING_PERMISSION', edge)] }, NOW);
    assert.deepEqual(nearEdge?.payload, { from: edge - 6 * HOUR });
  });

  it('looks back from the oldest of the call problems that went, and ignores the others', () => {
    const job = callCatchUpFor(
      {
        integration: integration(),
        removed: [
          problem('MISSING_CALL_TRANSCRIPT_PERMISSION', NOW - 35 * 24 * HOUR),
          problem('MISSING_CALL_RECORDING_PERMISSION', NOW - 50 * 24 * HOUR),
          problem('MISSING_RECORDING_PERMISSION', NOW - 90 * 24 * HOUR),
        ],
      },
      NOW,
    );
    assert.deepEqual(job?.payload, { from: NOW - 50 * 24 * HOUR - 6 * HOUR });
    assert.ok(callCatchUpFor({ integration: integration(), removed: [problem('MISSING_CALL_TRANSCRIPT_PERMISSION', NOW - HOUR)] }, NOW), 'the transcript one alone is enough');
  });

  it('is one job per health revision: the same change twice is one key, a later change another', () => {
    const removed = [problem('MISSING_CALL_RECORDING_PERMISSION', NOW - HOUR)];
    const a = callCatchUpFor({ integration: integration({ rev: 7 }), removed }, NOW)!;
    const again = callCatchUpFor({ integration: integration({ rev: 7 }), removed }, NOW + 60_000)!;
    const later = callCatchUpFor({ integration: integration({ rev: 8 }), removed }, NOW)!;
    assert.equal(a.idempotencyKey, again.idempotencyKey);
    assert.notEqual(a.idempotencyKey, later.idempotencyKey);
    assert.match(a.idempotencyKey, /int-1/);
  });
});
