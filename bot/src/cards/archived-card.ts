import { adaptiveCard, factSet, heading, openUrl, textBlock, type CardResult } from './elements.js';
import { escapeMarkdown, formatDateTime, formatDuration, previewText, readablePublishedTo, subjectOrDefault } from './format.js';

export interface ArchivedCardInput {
  /** 'call': an ad hoc call's recording (a meeting's otherwise) */
  source?: 'call';
  subject: string;
  /** ISO 8601, when the meeting started */
  startDateTime: string;
  durationMinutes: number;
  transcriptAttached: boolean;
  /** Kaltura category full names ("MediaSpace>site>channels>Teams"); empty: only the owner's My Media */
  publishedTo: string[];
  entryId: string;
  entryUrl: string;
  /** IANA zone of the reader; UTC when absent or not a zone */
  timeZone?: string;
  /** BCP 47 locale of the reader, for the date's wording */
  locale?: string;
}

/**
 * The organizer's card for an archived recording. The same function draws the update once the
 * transcript follows (transcriptAttached: true), so the card is replaced, not added to.
 */
export function archivedCard(input: ArchivedCardInput): CardResult {
  const subject = subjectOrDefault(input.subject);
  const card = adaptiveCard(
    [
      heading(input.source === 'call' ? 'Your call recording is archived in Kaltura' : 'Your meeting recording is archived in Kaltura'),
      textBlock(escapeMarkdown(subject), { weight: 'Bolder', spacing: 'Small' }),
      factSet([
        { title: 'Date', value: escapeMarkdown(formatDateTime(input.startDateTime, { timeZone: input.timeZone, locale: input.locale })) },
        { title: 'Duration', value: formatDuration(input.durationMinutes) },
        { title: 'Transcript', value: input.transcriptAttached ? 'Attached as captions' : 'Not attached yet' },
        { title: 'Published to', value: escapeMarkdown(readablePublishedTo(input.publishedTo)) },
        { title: 'Kaltura entry id', value: escapeMarkdown(input.entryId) },
      ]),
    ],
    openUrl('Open in Kaltura', input.entryUrl),
  );
  return { card, summary: previewText(`Archived in Kaltura: ${subject}`) };
}
