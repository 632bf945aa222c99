/**
 * What Graph's change notifications name, and what can be read out of Teams ids. A notification's
 * resource is `communications/onlineMeetings('{meetingId}')/recordings('{id}')` (no organizer), so the
 * organizer comes from the meeting id, which is base64 of `1*{organizerOid}*0**19:meeting_…@thread.v2`
 * (reference/microsoft-graph.md §2.2, §4.3). Ids are otherwise opaque.
 */
export interface ArtifactRef {
  kind: 'recording' | 'transcript';
  meetingId: string;
  id: string;
}

const RESOURCE = /^\/?communications\/onlineMeetings\('([^']+)'\)\/(recordings|transcripts)\('([^']+)'\)$/i;

export function parseArtifactResource(resource: string): ArtifactRef | undefined {
  const m = RESOURCE.exec(resource);
  if (!m) return undefined;
  return { kind: m[2]!.toLowerCase() === 'recordings' ? 'recording' : 'transcript', meetingId: m[1]!, id: m[3]! };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organizer's Entra object id inside a meeting id, or undefined when it has another shape. */
export function organizerFromMeetingId(meetingId: string): string | undefined {
  let decoded: string;
  try {
    decoded = Buffer.from(meetingId, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const parts = decoded.split('*');
  if (parts[0] === '1' && parts[1] && GUID.test(parts[1])) return parts[1].toLowerCase();
  // the legacy form is `{organizerOid}_19:meeting_…@thread.v2`
  const legacy = /^([0-9a-f-]{36})_19:/i.exec(meetingId);
  return legacy && GUID.test(legacy[1]!) ? legacy[1]!.toLowerCase() : undefined;
}
