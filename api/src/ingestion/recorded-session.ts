import { AppError } from '../errors.js';
import type { MeetingInfo, RecordingInfo, TeamsUser } from '../graph/graph-port.js';
import { artifactsOfCall, speakersOf } from './call-artifacts.js';
import { isCallOnly } from './call-problems.js';
import { callEntryDescription, callEntryReferenceId, callSubject, entryDescription, entryName, entryReferenceId } from './entry-text.js';
import type { IntegrationContext } from './integration-context.js';
import type { Recording } from '../store/model.js';
import type { RecordingRepository } from '../store/store.js';
import type { IngestProgress } from './upload-recording.js';

/** Where a recording's transcripts are found: its meeting, or its call around a moment. */
export type TranscriptSource = { meetingId: string } | { callId: string; around: number };

/** What one recording was of (a meeting or an ad hoc call), as the entry, the record and the card tell it. */
export interface RecordedSession {
  /** who may get rights on the entry: an ad hoc call has no participants Graph tells of */
  meeting: MeetingInfo;
  recording: RecordingInfo;
  organizer: TeamsUser;
  subject: string;
  entry: { name: string; description: string; referenceId: string; adminTags: string };
  transcripts: TranscriptSource;
}

interface Target {
  recordingId: string;
  organizerId: string;
  meetingId?: string;
  callId?: string;
}

/** The facts of a call kept on the job, so a retry names the entry as the first attempt did. */
type CallFacts = {
  startDateTime: string;
  endDateTime: string;
  otherParties: string[];
};

/** `uploaded`: the content is in Kaltura already, so Graph no longer having the recording is fine. */
export async function readSession(c: IntegrationContext, t: Target, progress: IngestProgress, uploaded: boolean): Promise<RecordedSession & { callFacts?: CallFacts }> {
  return t.callId ? readCall(c, { ...t, callId: t.callId }, progress, uploaded) : readMeeting(c, { ...t, meetingId: t.meetingId! }, uploaded);
}

async function organizerOf(c: IntegrationContext, id: string): Promise<TeamsUser> {
  return (await c.graph.getUser(id)) ?? { id, userPrincipalName: id };
}

async function readMeeting(c: IntegrationContext, t: Target & { meetingId: string }, uploaded: boolean): Promise<RecordedSession> {
  const meeting = await c.graph.getMeeting(t.organizerId, t.meetingId);
  // the recording itself, before anything is made in Kaltura: one Graph does not have gets no entry
  const found = uploaded ? undefined : await c.graph.getRecording(t.organizerId, t.meetingId, t.recordingId);
  if (!uploaded && !found) throw new AppError('RECORDING_NOT_FOUND', `Graph has no recording ${t.recordingId} in meeting ${t.meetingId} of ${t.organizerId}`);
  const recording: RecordingInfo = { createdDateTime: meeting.endDateTime, ...found, id: t.recordingId, meetingId: t.meetingId, organizerId: t.organizerId };
  const organizer = await organizerOf(c, t.organizerId);
  return {
    meeting,
    recording,
    organizer,
    subject: meeting.subject,
    entry: { name: entryName(meeting), description: entryDescription(meeting, organizer, t.recordingId), referenceId: entryReferenceId(t.recordingId), adminTags: 'msteams' },
    transcripts: { meetingId: t.meetingId },
  };
}

async function readCall(c: IntegrationContext, t: Target & { callId: string }, progress: IngestProgress, uploaded: boolean): Promise<RecordedSession & { callFacts: CallFacts }> {
  const found = await c.graph.getCallArtifact('recording', t.organizerId, t.callId, t.recordingId);
  const kept = progress.call as CallFacts | undefined;
  if (!found && !(uploaded && kept)) throw new AppError('RECORDING_NOT_FOUND', `Graph has no recording ${t.recordingId} in ad hoc call ${t.callId} of ${t.organizerId}`);
  const organizer = await organizerOf(c, t.organizerId);
  const facts: CallFacts = kept ?? {
    startDateTime: found!.createdDateTime,
    // an end before the start (or none) says nothing: the recording's length is then unknown, not negative
    endDateTime: found!.endDateTime && Date.parse(found!.endDateTime) >= Date.parse(found!.createdDateTime) ? found!.endDateTime : found!.createdDateTime,
    otherParties: await otherSpeakers(c, { ...t, around: Date.parse(found!.createdDateTime) }, organizer),
  };
  const subject = callSubject({ otherParties: facts.otherParties, initiatorName: organizer.displayName ?? null });
  const meeting: MeetingInfo = { id: t.callId, subject, startDateTime: facts.startDateTime, endDateTime: facts.endDateTime, organizerId: t.organizerId, participants: [] };
  const recording: RecordingInfo = found ?? { id: t.recordingId, meetingId: '', callId: t.callId, organizerId: t.organizerId, createdDateTime: facts.startDateTime };
  return {
    meeting,
    recording,
    organizer,
    subject,
    entry: {
      name: entryName(meeting),
      description: callEntryDescription({ id: t.callId, ...facts }, organizer, t.recordingId),
      referenceId: callEntryReferenceId(t.recordingId),
      adminTags: 'msteams,adhoc',
    },
    transcripts: { callId: t.callId, around: Date.parse(facts.startDateTime) },
    callFacts: facts,
  };
}

/**
 * A call archived before its transcript came is named after its initiator; once the transcript says
 * who else spoke, the entry is named after them, as it would have been had the transcript come first.
 * Only a name the app gave is changed (one an admin edited in Kaltura stays), and only the name.
 */
export async function nameCallAfterSpeakers(
  c: IntegrationContext,
  recordings: Pick<RecordingRepository, 'upsert'>,
  record: Pick<Recording, 'integrationId' | 'recordingId' | 'callId' | 'entryId' | 'organizerId' | 'subject' | 'recordedAt'>,
  transcripts: string[],
): Promise<void> {
  if (!record.callId || !record.entryId || !record.organizerId || record.recordedAt === null) return;
  const initiator = await organizerOf(c, record.organizerId);
  const initiatorName = initiator.displayName ?? null;
  const given = callSubject({ otherParties: [], initiatorName });
  if (record.subject !== given) return;
  const own = (initiatorName ?? '').trim().toLowerCase();
  const otherParties = [...new Set(transcripts.flatMap(speakersOf))].filter((name) => name.toLowerCase() !== own);
  if (otherParties.length === 0) return;
  const startDateTime = new Date(record.recordedAt).toISOString();
  const entry = await c.kaltura.getEntry(record.entryId);
  if (entry?.name !== entryName({ subject: given, startDateTime })) return;
  const subject = callSubject({ otherParties, initiatorName });
  await c.kaltura.renameEntry(record.entryId, entryName({ subject, startDateTime }));
  await recordings.upsert({ integrationId: record.integrationId, recordingId: record.recordingId }, { subject });
}

/**
 * Who else spoke, from the call's transcript when Graph has it already: the only place that names a
 * call's other parties (no API lists an ad hoc call's participants). Names only: nobody gets rights
 * from them. Anything that keeps the transcript from being read is the transcript step's to report.
 */
async function otherSpeakers(c: IntegrationContext, call: { organizerId: string; callId: string; around: number }, initiator: TeamsUser): Promise<string[]> {
  if (!c.settings.uploadTranscripts) return [];
  try {
    const [first] = await artifactsOfCall(c, 'transcript', { initiatorId: call.organizerId, callId: call.callId, around: call.around });
    if (!first) return [];
    const own = (initiator.displayName ?? '').trim().toLowerCase();
    return speakersOf(await c.graph.transcriptVtt(first)).filter((name) => name.toLowerCase() !== own);
  } catch (err) {
    if (err instanceof AppError && (isCallOnly(err) || err.blocking || !err.retryable)) return [];
    throw err;
  }
}
