import assert from 'node:assert/strict';
import { isArtifactId, isCallId, isMeetingId, organizerFromMeetingId, parseArtifactResource, parseCallArtifactResource } from '../../../api/src/ingestion/graph-ids.js';

const MEGAN = '00000000-0000-4000-8000-000000000001';
// from sandbox/fixtures/demo.json and Graph's own examples (callrecording-get, getAllRecordings)
const QBR = 'MSowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEqMCoqMTk6bWVldGluZ19OalE0WmpFMFpUSXRZak5rTWkwMFl6VTRMVGc1WlRRdE5qUmtaR1E1TmpGbE1XVTBAdGhyZWFkLnYy';
const RECORDING = 'VjIjIzEwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE3ZjNlMWMyYS01YjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWIwNDAwMDAwMDgyMDBFMDAwNzRDNUI3MTAxQTgyRTAwODAwIyM3YTM2NDRjYi1mMDA3LTRjMDAtOWJiMy1jMTUzYzE4ODY4NGY=';
const TRANSCRIPT = 'MSMjMCMjNzU3ODc2ZDYtOTcwMi00MDhkLWFkNDItOTE2ZDNmZjkwZGY4';
const LEGACY = 'dc17674c-81d9-4adb-bfb2-8f6a442e4622_19:meeting_MGQ4MDQyNTEtNTQVkODYxODYzMmY2@thread.v2';
const resource = (meeting: string, id: string, kind = 'recordings') => `communications/onlineMeetings('${meeting}')/${kind}('${id}')`;

describe('Graph ids from notifications', () => {
  it("accepts Graph's own ids", () => {
    assert.deepEqual(parseArtifactResource(resource(QBR, RECORDING)), { kind: 'recording', meetingId: QBR, id: RECORDING });
    assert.deepEqual(parseArtifactResource(`/${resource(QBR, TRANSCRIPT, 'transcripts')}`), { kind: 'transcript', meetingId: QBR, id: TRANSCRIPT });
    assert.ok(isArtifactId('7e31db25-bc6e-4fd8-96c7-e01264e9b6fc'), 'a GUID recording id (callrecording-get example)');
    assert.ok(isArtifactId('old-recording-1'));
    assert.ok(isMeetingId(LEGACY));
    assert.equal(organizerFromMeetingId(QBR), MEGAN);
    assert.equal(organizerFromMeetingId(LEGACY), 'dc17674c-81d9-4adb-bfb2-8f6a442e4622');
  });

  it('refuses ids that could steer a Graph URL, or are not the shape Graph gives them', () => {
    const bogusArtifacts = ['..', '.', '../content', 'abc/../../users', 'a?b=1', 'a#b', "a'b", 'a"b', 'a b', 'a%2e%2e', 'a=b', 'x'.repeat(1025), ''];
    for (const id of bogusArtifacts) {
      assert.equal(isArtifactId(id), false, JSON.stringify(id));
      assert.equal(parseArtifactResource(resource(QBR, id)), undefined, JSON.stringify(id));
    }
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const bogusMeetings = ['X', '..', 'MSo/Li4=', `${QBR}/..`, b64('not a meeting'), b64(`1*not-a-guid*0**19:meeting_x@thread.v2`), b64(`1*${MEGAN}*0**19:x\n@thread.v2`)];
    for (const id of bogusMeetings) {
      assert.equal(isMeetingId(id), false, JSON.stringify(id));
      assert.equal(parseArtifactResource(resource(id, RECORDING)), undefined, JSON.stringify(id));
    }
    assert.equal(parseArtifactResource(`communications/onlineMeetings('${QBR}')/recordings('${RECORDING}')/content`), undefined);
  });
});

// the demo fixture's ad hoc call (sandbox/fixtures/demo.json calls[0]): Megan → Lee, one recording, one transcript
const CALL = '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a';
const CALL_RECORDING =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtUmVjb3JkaW5n';
const CALL_TRANSCRIPT =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtVHJhbnNjcmlwdFYyIyMw';
const callResource = (initiator: string, call: string, id: string, kind = 'recordings') => `users/${initiator}/adhocCalls/${call}/${kind}/${id}`;

describe('Graph ids of ad hoc call artifacts', () => {
  const recording = { kind: 'recording', initiatorId: MEGAN, callId: CALL, id: CALL_RECORDING };
  const transcript = { kind: 'transcript', initiatorId: MEGAN, callId: CALL, id: CALL_TRANSCRIPT };

  it('reads every form Graph writes a call artifact in', () => {
    const forms: Array<[string, object]> = [
      [`users/${MEGAN}/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`, recording],
      [`/users/${MEGAN}/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`, recording],
      [`users/${MEGAN}/adhoccalls/${CALL}/recordings('${CALL_RECORDING}')`, recording],
      [`users/${MEGAN}/adhoccalls('${CALL}')/recordings('${CALL_RECORDING}')`, recording],
      [`users/${MEGAN}/adhoccalls('${CALL}')/recordings/${CALL_RECORDING}`, recording],
      [`users/${MEGAN}/adhocCalls/${CALL}/transcripts/${CALL_TRANSCRIPT}`, transcript],
      [`users/${MEGAN}/adhoccalls/${CALL}/transcripts('${CALL_TRANSCRIPT}')`, transcript],
      [`users/${MEGAN}/adhoccalls('${CALL}')/transcripts('${CALL_TRANSCRIPT}')`, transcript],
    ];
    for (const [resource, expected] of forms) assert.deepEqual(parseCallArtifactResource(resource), expected, resource);
  });

  it('reads the segment names in any case, lower-cases the initiator and call ids, and keeps the artifact id as it is', () => {
    const upper = `USERS/${MEGAN.toUpperCase()}/ADHOCCALLS/${CALL.toUpperCase()}/RECORDINGS/${CALL_RECORDING}`;
    assert.deepEqual(parseCallArtifactResource(upper), recording);
    assert.deepEqual(parseCallArtifactResource(`Users/${MEGAN.toUpperCase()}/AdHocCalls('${CALL}')/Transcripts('${CALL_TRANSCRIPT}')`), transcript);
    // base64 is case-sensitive: the artifact id is passed on untouched
    const mixed = 'AbCdEf0123+_-==';
    assert.equal(parseCallArtifactResource(callResource(MEGAN, CALL, mixed))?.id, mixed);
  });

  it('takes a call id for a GUID only', () => {
    assert.ok(isCallId(CALL));
    assert.ok(isCallId(CALL.toUpperCase()));
    for (const bad of ['', '..', 'not-a-guid', `${CALL}x`, ` ${CALL}`, `${CALL}/..`, 'adhocCalls', 42, null, undefined]) {
      assert.equal(isCallId(bad), false, JSON.stringify(bad));
    }
  });

  it('refuses ids that could steer a Graph URL, or are not the shape Graph gives them', () => {
    const refused = [
      // path traversal in the call id or the artifact id
      callResource(MEGAN, '..', CALL_RECORDING),
      callResource(MEGAN, '.', CALL_RECORDING),
      `users/${MEGAN}/adhocCalls/${CALL}/../recordings/${CALL_RECORDING}`,
      callResource(MEGAN, CALL, '..'),
      callResource(MEGAN, CALL, '.'),
      `users/${MEGAN}/adhoccalls('..')/recordings('${CALL_RECORDING}')`,
      `users/${MEGAN}/adhoccalls('${CALL}')/recordings('..')`,
      `users/${MEGAN}/adhoccalls('${CALL}')/recordings('../../users')`,
      `users/${MEGAN}/adhoccalls('${CALL}/..')/recordings('${CALL_RECORDING}')`,
      `users/${MEGAN}/adhoccalls/${CALL}/recordings('a%2e%2e')`,
      `users/${MEGAN}/adhoccalls/${CALL}/recordings('a?b=1')`,
      callResource(MEGAN, CALL, 'a?b=1'),
      callResource(MEGAN, CALL, 'a#b'),
      callResource(MEGAN, CALL, 'x'.repeat(1025)),
      // a call id or an initiator that is not a GUID
      callResource(MEGAN, 'call-1', CALL_RECORDING),
      callResource(MEGAN, `${CALL}0`, CALL_RECORDING),
      callResource('megan.bowen@contoso.onmicrosoft.com', CALL, CALL_RECORDING),
      callResource('..', CALL, CALL_RECORDING),
      callResource(`${MEGAN}/..`, CALL, CALL_RECORDING),
      // extra or missing segments
      `${callResource(MEGAN, CALL, CALL_RECORDING)}/content`,
      `${callResource(MEGAN, CALL, CALL_RECORDING)}/`,
      `users/${MEGAN}/adhocCalls/${CALL}/recordings`,
      `users/${MEGAN}/adhocCalls/${CALL}`,
      `users/${MEGAN}/adhocCalls/getAllRecordings`,
      `x/users/${MEGAN}/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`,
      `users/${MEGAN}/extra/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`,
      `users/${MEGAN}/adhocCalls/${CALL}/extra/recordings/${CALL_RECORDING}`,
      `users/${MEGAN}/adhocCalls/${CALL}/attendanceReports/${CALL_RECORDING}`,
      `communications/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`,
      '',
    ];
    for (const r of refused) assert.equal(parseCallArtifactResource(r), undefined, r.slice(0, 200));
  });

  it("reads the initiator in OData key syntax, users('{id}'), and refuses unbalanced forms of it", () => {
    assert.deepEqual(parseCallArtifactResource(`users('${MEGAN}')/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`), recording);
    assert.deepEqual(parseCallArtifactResource(`users('${MEGAN}')/adhoccalls('${CALL}')/transcripts('${CALL_TRANSCRIPT}')`), transcript);
    for (const unbalanced of [`users/('${MEGAN}')`, `users/'${MEGAN}`, `users/${MEGAN}')`]) {
      assert.equal(parseCallArtifactResource(`${unbalanced}/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`), undefined, unbalanced);
    }
  });

  it('never takes a meeting resource for a call, nor a call resource for a meeting', () => {
    assert.equal(parseCallArtifactResource(resource(QBR, RECORDING)), undefined);
    assert.equal(parseCallArtifactResource(resource(QBR, TRANSCRIPT, 'transcripts')), undefined);
    assert.equal(parseCallArtifactResource(`users/${MEGAN}/onlineMeetings/${QBR}/recordings/${RECORDING}`), undefined);
    assert.equal(parseCallArtifactResource(`users/${MEGAN}/onlineMeetings/${CALL}/recordings/${CALL_RECORDING}`), undefined);
    assert.equal(parseArtifactResource(callResource(MEGAN, CALL, CALL_RECORDING)), undefined);
    assert.equal(parseArtifactResource(`users/${MEGAN}/adhoccalls('${CALL}')/recordings('${CALL_RECORDING}')`), undefined);
    // a call id in the meeting form is not a meeting id either
    assert.equal(parseArtifactResource(`communications/onlineMeetings('${CALL}')/recordings('${CALL_RECORDING}')`), undefined);
    assert.equal(isMeetingId(CALL), false);
  });
});
