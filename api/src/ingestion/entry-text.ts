import type { MeetingInfo } from '../graph/graph-port.js';

/** Kaltura's name column holds 256 characters. */
const MAX_NAME = 256;

function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC');
}

/** "Quarterly business review (2026-11-20 09:00 UTC)": the subject and when it happened. */
export function entryName(meeting: Pick<MeetingInfo, 'subject' | 'startDateTime'>): string {
  const subject = meeting.subject.trim() || 'Teams meeting';
  const when = utc(meeting.startDateTime).replace(/ UTC$/, '');
  return `${subject} (${when.slice(0, 16)} UTC)`.slice(0, MAX_NAME);
}

/** The meeting facts, so a viewer can tell which meeting this was. */
export function entryDescription(
  meeting: MeetingInfo,
  organizer: { displayName?: string | null; userPrincipalName: string },
  recordingId: string,
): string {
  const minutes = Math.round((Date.parse(meeting.endDateTime) - Date.parse(meeting.startDateTime)) / 60_000);
  const lines = [
    `Microsoft Teams meeting recording`,
    `Organizer: ${organizer.displayName ? `${organizer.displayName} (${organizer.userPrincipalName})` : organizer.userPrincipalName}`,
    `Meeting time: ${utc(meeting.startDateTime)} to ${utc(meeting.endDateTime)}${Number.isFinite(minutes) && minutes > 0 ? ` (${minutes} min)` : ''}`,
    `Participants: ${meeting.participants.length + 1}`,
    `Teams meeting ID: ${meeting.id}`,
    `Teams recording ID: ${recordingId}`,
  ];
  return lines.join('\n');
}

/** Kaltura's referenceId: the recording id, with a prefix marking where it came from. */
export function entryReferenceId(recordingId: string): string {
  return `Teams_${recordingId}`;
}

/** What a call's entry and card are called, before the date: who else spoke, else who started it. */
export function callSubject(call: { otherParties: string[]; initiatorName: string | null }): string {
  if (call.otherParties.length > 0) {
    const shown = call.otherParties.slice(0, 3).join(', ');
    return `Teams call with ${shown}${call.otherParties.length > 3 ? ` and ${call.otherParties.length - 3} more` : ''}`;
  }
  return call.initiatorName ? `Teams call by ${call.initiatorName}` : 'Teams call';
}

/** The facts of an ad hoc call, so a viewer can tell which call this was. */
export function callEntryDescription(
  call: { id: string; startDateTime: string; endDateTime: string; otherParties: string[] },
  initiator: { displayName?: string | null; userPrincipalName: string },
  recordingId: string,
): string {
  const minutes = Math.round((Date.parse(call.endDateTime) - Date.parse(call.startDateTime)) / 60_000);
  return [
    'Microsoft Teams call recording (ad hoc call)',
    `Started by: ${initiator.displayName ? `${initiator.displayName} (${initiator.userPrincipalName})` : initiator.userPrincipalName}`,
    ...(call.otherParties.length ? [`Speakers (from the transcript): ${call.otherParties.join(', ')}`] : []),
    `Recording time: ${utc(call.startDateTime)} to ${utc(call.endDateTime)}${Number.isFinite(minutes) && minutes > 0 ? ` (${minutes} min)` : ''}`,
    `Teams call ID: ${call.id}`,
    `Teams recording ID: ${recordingId}`,
  ].join('\n');
}

/** A call's referenceId: its own prefix, so it can never be taken for a meeting recording's. */
export function callEntryReferenceId(recordingId: string): string {
  return `TeamsCall_${recordingId}`;
}
