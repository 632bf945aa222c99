import { actionSet, adaptiveCard, container, heading, openUrl, textBlock, type CardResult } from './elements.js';
import { escapeMarkdown, formatDateTime, resolveTimeZone, subjectOrDefault } from './format.js';

/** How many recordings "recent" lists: enough to find last week's meeting, short enough to read on a phone. */
export const RECENT_LIMIT = 5;

export interface RecentItem {
  subject: string;
  /** ISO 8601 */
  startDateTime: string;
  entryUrl: string;
  transcriptAttached: boolean;
}

export interface RecentCardInput {
  /** newest first, as the caller ordered them; only the first RECENT_LIMIT are shown */
  items: RecentItem[];
  timeZone?: string;
}

/** The answer to "recent": the person's latest archived recordings, each with its own link. */
export function recentCard(input: RecentCardInput): CardResult {
  if (input.items.length === 0) {
    const text = 'No archived recordings of yours yet';
    return {
      card: adaptiveCard([
        heading('Your recent recordings'),
        textBlock(`${text}. When a meeting you organise is recorded, I will send you a card once it is archived in Kaltura.`),
      ]),
      summary: text,
    };
  }
  const shown = input.items.slice(0, RECENT_LIMIT);
  const zone = resolveTimeZone(input.timeZone);
  const blocks = shown.map((item, i) =>
    container(
      [
        textBlock(escapeMarkdown(subjectOrDefault(item.subject)), { weight: 'Bolder' }),
        textBlock(
          `${escapeMarkdown(formatDateTime(item.startDateTime, { timeZone: zone, showZone: false }))} · ` +
            (item.transcriptAttached ? 'Transcript attached' : 'No transcript yet'),
          { isSubtle: true, spacing: 'None' },
        ),
        // an ActionSet per item, so each button sits under its own recording
        ...actionSet(openUrl('Open in Kaltura', item.entryUrl)),
      ],
      { separator: i > 0, spacing: 'Medium' },
    ),
  );
  const more = input.items.length > shown.length ? ` Showing the ${shown.length} most recent of ${input.items.length}.` : '';
  const card = adaptiveCard([
    heading('Your recent recordings'),
    ...blocks,
    textBlock(`Times are in ${escapeMarkdown(zone)}.${more}`, { isSubtle: true, size: 'Small', separator: true }),
  ]);
  const count = shown.length;
  return { card, summary: count === 1 ? 'Your most recent archived recording' : `Your ${count} most recent archived recordings` };
}
