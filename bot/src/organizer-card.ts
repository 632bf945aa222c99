import type { RecordingArchivedEvent } from '../../api/src/notify/notifier.js';
import { recordingArchivedCard } from './archived-card.js';

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

/** The organizer's card for an archived recording, as it stands (the transcript line changes later). */
export function organizerCard(event: RecordingArchivedEvent): Record<string, unknown> {
  const when = new Date(event.startDateTime);
  return recordingArchivedCard({
    meetingSubject: event.subject || 'Teams meeting',
    meetingWhen: Number.isNaN(when.getTime()) ? event.startDateTime : `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    url: event.entryUrl,
    facts: [
      { title: 'Duration', value: `${event.durationMinutes} min` },
      { title: 'Size', value: size(event.sizeBytes) },
      { title: 'Transcript', value: event.transcriptAttached ? 'included' : 'not included' },
      { title: 'Kaltura entry', value: event.entryId },
    ],
  });
}
