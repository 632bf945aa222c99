import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { Integration } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Store } from '../store/store.js';
import { probeTranscriptAccess, type HealthDeps } from './health.js';
import { retryTranscriptJob } from './job-kinds.js';
import { isTranscriptOnlyCode, RESOURCES } from './subscriptions.js';

export interface TranscriptRecoveryDeps {
  store: Pick<Store, 'subscriptions' | 'recordings'>;
  queue: Pick<JobQueue, 'enqueue'>;
  health: Pick<HealthDeps, 'contexts' | 'keeper'>;
  clock: Clock;
  logger: Logger;
}

/**
 * A transcript warning goes once Graph lets the app read transcripts again (the admin fixed the
 * cause), and the transcripts that failed for that cause are attached then, not forgotten. A
 * transcript subscription alone proves nothing: it may predate the problem.
 */
export async function clearFixedTranscriptWarning(deps: TranscriptRecoveryDeps, integration: Integration): Promise<void> {
  const warned = integration.health.problems.filter((p) => isTranscriptOnlyCode(p.code)).map((p) => p.code);
  if (warned.length === 0) return;
  const subs = await deps.store.subscriptions.listByIntegration(integration.id);
  if (!subs.some((x) => x.resource === RESOURCES.transcripts)) return;
  if (await probeTranscriptAccess(deps.health, integration.id)) return;
  const at = deps.clock.now();
  await deps.health.keeper.resolve(integration.id, warned);
  const retried = await retryFailedTranscripts(deps, integration.id, at);
  deps.logger.info({ integrationId: integration.id, retried }, 'transcripts can be read again: warning cleared, failed transcripts retried');
}

async function retryFailedTranscripts(deps: TranscriptRecoveryDeps, integrationId: string, at: number): Promise<number> {
  let retried = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.recordings.list({ integrationId, state: 'archived', limit: 200, ...(cursor ? { cursor } : {}) });
    for (const r of page.items) {
      if (r.transcript.state !== 'failed' || !r.meetingId || !isTranscriptOnlyCode(r.transcript.error?.code)) continue;
      await deps.queue.enqueue(retryTranscriptJob(integrationId, { recordingId: r.recordingId, meetingId: r.meetingId, organizerId: r.organizerId }, at));
      retried += 1;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return retried;
}
