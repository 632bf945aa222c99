import type { BotConnection } from './bot-adapter.js';
import { recordingArchivedCard } from './archived-card.js';
import { sendProactiveCard } from './proactive-card.js';

/** What the pipeline's "recording archived" event carries. */
export interface RecordingArchived {
  tenantId: string;
  organizerId: string;
  subject: string;
  startDateTime: string;
  durationMinutes: number;
  sizeBytes: number;
  entryId: string;
  entryUrl: string;
  transcriptAttached: boolean;
}

export interface ConversationMemory {
  get(tenantId: string, userId: string): Promise<{ reference: Record<string, unknown> } | null>;
  save(tenantId: string, userId: string, reference: Record<string, unknown>): Promise<unknown>;
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

/**
 * Tells the organizer, 1:1 in Teams, that their recording is in Kaltura. Reuses the regional
 * connector URL of a stored conversation when there is one, and stores the conversation it used.
 */
export async function notifyOrganizer(bot: BotConnection, memory: ConversationMemory, event: RecordingArchived): Promise<string> {
  const stored = await memory.get(event.tenantId, event.organizerId);
  const serviceUrl = typeof stored?.reference['serviceUrl'] === 'string' ? (stored.reference['serviceUrl'] as string) : undefined;
  const when = new Date(event.startDateTime);
  const card = recordingArchivedCard({
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
  const result = await sendProactiveCard(bot, {
    tenantId: event.tenantId,
    userAadObjectId: event.organizerId,
    card,
    summary: `Your recording of "${event.subject}" is archived in Kaltura`,
    serviceUrl,
  });
  await memory.save(event.tenantId, event.organizerId, result.reference as Record<string, unknown>);
  return result.activityId;
}
