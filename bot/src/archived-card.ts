export interface ArchivedRecording {
  meetingSubject: string;
  /** when the meeting started, already formatted for the reader */
  meetingWhen: string;
  /** where the archived recording can be watched (KMC, Video Portal or player URL) */
  url: string;
  /** extra facts, e.g. duration or "Transcript: included" */
  facts?: Array<{ title: string; value: string }>;
}

/**
 * The "your recording was archived" card: a heading, the meeting's facts and one Action.OpenUrl.
 * Version 1.4, as Teams samples use, so every Teams client renders it.
 */
export function recordingArchivedCard(r: ArchivedRecording): Record<string, unknown> {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: 'Your meeting recording was archived', weight: 'Bolder', size: 'Medium', wrap: true },
      {
        type: 'FactSet',
        facts: [{ title: 'Meeting', value: r.meetingSubject }, { title: 'When', value: r.meetingWhen }, ...(r.facts ?? [])],
      },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open in Kaltura', url: r.url }],
  };
}
