import assert from 'node:assert/strict';
import { isArtifactId, isMeetingId, organizerFromMeetingId, parseArtifactResource } from '../../../api/src/ingestion/graph-ids.js';

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
