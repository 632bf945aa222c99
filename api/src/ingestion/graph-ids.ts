/**
 * What Graph's change notifications name, and what can be read out of Teams ids. A notification's
 * resource is `communications/onlineMeetings('{meetingId}')/recordings('{id}')` (no organizer), so the
 * organizer comes from the meeting id, which is base64 of `1*{organizerOid}*0**19:meeting_…@thread.v2`
 * (reference/microsoft-graph.md §2.2, §4.3).
 *
 * Anyone who learns a subscription's clientState can post notifications, and every id in them ends up
 * in a Graph URL path; so ids are checked against the shapes Graph gives them before anything is
 * called: recording and transcript ids are base64 (`VjIjIz…=`, `MSMjMCMj…`) or GUIDs, meeting ids
 * base64 of the form above (or the legacy `{oid}_19:meeting_…@thread.v2`). No `/`, `.`, `?`, `#`,
 * `%`, quotes or spaces, and a bounded length.
 */
export interface ArtifactRef {
  kind: 'recording' | 'transcript';
  meetingId: string;
  id: string;
}

/** Graph's ids run to about 250 characters; well beyond that is not an id. */
const MAX_ID_LENGTH = 1024;
/** base64 and base64url letters (GUIDs fit too), padding only at the end */
const ARTIFACT_ID = /^[A-Za-z0-9_+-]+={0,2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** decoded: `{version}*{organizerOid}*{n}*…`, printable ASCII only */
const DECODED_MEETING = new RegExp(`^\\d+\\*(${GUID_TEXT})\\*\\d*\\*[\\x20-\\x7e]*$`, 'i');
const LEGACY_MEETING = new RegExp(`^(${GUID_TEXT})_19:[A-Za-z0-9_-]+@thread\\.[A-Za-z0-9]+$`, 'i');

/** A recording's or transcript's id as Graph writes them. */
export function isArtifactId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH && ARTIFACT_ID.test(id);
}

/** A Teams online meeting id as Graph writes them. */
export function isMeetingId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH && (decodedMeeting(id) !== undefined || LEGACY_MEETING.test(id));
}

/** An Entra object id (what the app passes as a user id). */
export function isEntraObjectId(id: unknown): id is string {
  return typeof id === 'string' && GUID.test(id);
}

const RESOURCE = /^\/?communications\/onlineMeetings\('([^']+)'\)\/(recordings|transcripts)\('([^']+)'\)$/i;

export interface CallArtifactRef {
  kind: 'recording' | 'transcript';
  initiatorId: string;
  callId: string;
  id: string;
}

/**
 * An ad hoc call's artifact: `users/{initiatorId}/adhocCalls/{callId}/recordings/{id}`. Graph's own
 * examples also write `adhoccalls`, `adhoccalls('{callId}')` and `recordings('{id}')`; all are read.
 */
const CALL_RESOURCE = new RegExp(
  `^\\/?users(?:\\/(${GUID_TEXT})|\\('(${GUID_TEXT})'\\))\\/adhoccalls(?:\\/([^/()']+)|\\('([^']+)'\\))\\/(recordings|transcripts)(?:\\/([^/()']+)|\\('([^']+)'\\))$`,
  'i',
);

/** An ad hoc call's id: a GUID. */
export function isCallId(id: unknown): id is string {
  return typeof id === 'string' && GUID.test(id);
}

/** The call artifact a notification names, or undefined when it is not one with Graph's ids. */
export function parseCallArtifactResource(resource: string): CallArtifactRef | undefined {
  const m = CALL_RESOURCE.exec(resource);
  if (!m) return undefined;
  const initiatorId = (m[1] ?? m[2])!;
  const callId = m[3] ?? m[4];
  const id = m[6] ?? m[7];
  if (!isCallId(callId) || !isArtifactId(id)) return undefined;
  return { kind: m[5]!.toLowerCase() === 'recordings' ? 'recording' : 'transcript', initiatorId: initiatorId.toLowerCase(), callId: callId.toLowerCase(), id };
}

/** The artifact a notification names, or undefined when the resource or an id in it is not Graph's. */
export function parseArtifactResource(resource: string): ArtifactRef | undefined {
  const m = RESOURCE.exec(resource);
  if (!m || !isMeetingId(m[1]) || !isArtifactId(m[3])) return undefined;
  return { kind: m[2]!.toLowerCase() === 'recordings' ? 'recording' : 'transcript', meetingId: m[1]!, id: m[3]! };
}

/** The organizer's Entra object id inside a meeting id, or undefined when it has another shape. */
export function organizerFromMeetingId(meetingId: string): string | undefined {
  const decoded = decodedMeeting(meetingId);
  if (decoded) return decoded.toLowerCase();
  const legacy = LEGACY_MEETING.exec(meetingId);
  return legacy ? legacy[1]!.toLowerCase() : undefined;
}

/** The organizer of a base64 meeting id, if the id is strict base64 of the Teams form. */
function decodedMeeting(meetingId: string): string | undefined {
  if (!/^[A-Za-z0-9+]+={0,2}$/.test(meetingId) || meetingId.length > MAX_ID_LENGTH) return undefined;
  const decoded = Buffer.from(meetingId, 'base64').toString('latin1');
  return DECODED_MEETING.exec(decoded)?.[1];
}
