import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { GraphError } from '../graph/graph-errors.js';
import { LIFECYCLE_PATH, NOTIFICATIONS_PATH } from '../http/graph-webhook-routes.js';
import type { Logger } from '../logging/logger.js';
import type { ActiveJob } from '../store/model.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { SubscriptionRepository } from '../store/store.js';
import type { IntegrationContexts } from './integration-context.js';
import type { IntegrationSettings } from '../integrations/settings.js';
import { isCallOnly } from './call-problems.js';
import { sweepJob } from './job-kinds.js';

export const RESOURCES = {
  recordings: 'communications/onlineMeetings/getAllRecordings',
  transcripts: 'communications/onlineMeetings/getAllTranscripts',
  callRecordings: 'communications/adhocCalls/getAllRecordings',
  /** Graph offers this one on /beta only (the adapter subscribes there) */
  callTranscripts: 'communications/adhocCalls/getAllTranscripts',
} as const;

/** Created first, and no problem of the others may keep it from being created. */
const ORDER: readonly string[] = [RESOURCES.recordings, RESOURCES.transcripts, RESOURCES.callRecordings, RESOURCES.callTranscripts];

/** Graph's limit for recording and transcript subscriptions is 4,320 minutes; keep an hour of margin. */
export const MAX_LIFETIME_MS = (4320 - 60) * 60_000;

export interface SubscriptionDeps {
  contexts: Pick<IntegrationContexts, 'get'>;
  subscriptions: SubscriptionRepository;
  jobs: Pick<JobQueue, 'enqueue'>;
  publicUrl: string;
  clock: Clock;
  logger: Logger;
  lifetimeMs?: number;
  /** transcripts cannot be subscribed to (permission or tenant switch): recordings go on */
  onTranscriptProblem?: (integrationId: string, err: GraphError) => Promise<void>;
  /** ad hoc calls cannot be subscribed to (their permissions): meetings go on */
  onCallProblem?: (integrationId: string, err: GraphError) => Promise<void>;
}

/** Problems that stop transcripts only; recordings keep flowing while an admin fixes them. */
export function isTranscriptOnly(err: unknown): boolean {
  return err instanceof GraphError && isTranscriptOnlyCode(err.code);
}

export const TRANSCRIPT_ONLY_CODES: readonly string[] = ['MISSING_TRANSCRIPT_PERMISSION', 'TRANSCRIPT_API_ACCESS_DISABLED'];

export function isTranscriptOnlyCode(code: string | undefined): boolean {
  return code !== undefined && TRANSCRIPT_ONLY_CODES.includes(code);
}

/** The tenant-wide resources an integration subscribes to with these settings. */
export function wantedResources(enabled: boolean, s: Pick<IntegrationSettings, 'uploadTranscripts' | 'includeAdhocCalls'>): string[] {
  if (!enabled) return [];
  return [
    RESOURCES.recordings,
    ...(s.uploadTranscripts ? [RESOURCES.transcripts] : []),
    ...(s.includeAdhocCalls ? [RESOURCES.callRecordings] : []),
    ...(s.includeAdhocCalls && s.uploadTranscripts ? [RESOURCES.callTranscripts] : []),
  ];
}

/**
 * Keeps each enabled integration subscribed to Graph's tenant-wide recording (and, when transcripts
 * are on, transcript) notifications, of meetings and, when it includes them, of ad hoc calls: creates what is missing, renews before expiry, recreates what
 * Graph no longer knows, removes what is no longer wanted, and answers lifecycle events.
 */
export class SubscriptionManager {
  constructor(private readonly deps: SubscriptionDeps) {}

  private get lifetimeMs(): number {
    return Math.min(this.deps.lifetimeMs ?? MAX_LIFETIME_MS, MAX_LIFETIME_MS);
  }

  /**
   * Subscription work in progress in this process, by integration: one at a time, so an admin's
   * enable or disable never interleaves with a scheduled check (see keepOne for other processes).
   */
  private readonly running = new Map<string, Promise<void>>();

  private serialized(integrationId: string, work: () => Promise<void>): Promise<void> {
    const before = this.running.get(integrationId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    const settled = mine.catch(() => undefined);
    this.running.set(integrationId, settled);
    void settled.then(() => {
      if (this.running.get(integrationId) === settled) this.running.delete(integrationId);
    });
    return mine;
  }

  ensure(integrationId: string): Promise<void> {
    return this.serialized(integrationId, () => this.ensureNow(integrationId));
  }

  private async ensureNow(integrationId: string): Promise<void> {
    const c = await this.deps.contexts.get(integrationId);
    const wanted = new Set<string>(wantedResources(c.integration.enabled, c.settings));
    const existing = await this.deps.subscriptions.listByIntegration(integrationId);
    const now = this.deps.clock.now();

    const kept = new Set<string>();
    for (const sub of existing) {
      // not wanted, or a second one for the same resource (an enable racing a scheduled check)
      if (!wanted.has(sub.resource) || kept.has(sub.resource)) {
        await c.graph.deleteSubscription(sub.id);
        await this.deps.subscriptions.delete(sub.id);
        continue;
      }
      kept.add(sub.resource);
      wanted.delete(sub.resource);
      // renewed at every check, not only near expiry: a renewal is also the proof that Graph still
      // knows the subscription (after a restart of Graph's side, or of the sandbox, it may not)
      try {
        const renewed = await c.graph.renewSubscription(sub.id, new Date(now + this.lifetimeMs));
        await this.deps.subscriptions.save({ ...sub, expiresAt: Date.parse(renewed.expirationDateTime) });
      } catch (err) {
        if (!(err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND')) throw err;
        // expired or removed on Graph's side: make a new one (and sweep the gap)
        await this.deps.subscriptions.delete(sub.id);
        wanted.add(sub.resource);
        await this.deps.jobs.enqueue(sweepJob(integrationId, { from: sub.expiresAt - 3_600_000 }, 'sweep', `gap:${sub.id}`));
      }
    }
    // meeting recordings first: a transcript-only or call-only problem must not keep them from being announced
    for (const resource of [...wanted].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))) {
      try {
        await this.create(integrationId, resource);
      } catch (err) {
        const calls = resource === RESOURCES.callRecordings || resource === RESOURCES.callTranscripts;
        if (calls && isCallOnly(err)) {
          await this.deps.onCallProblem?.(integrationId, err as GraphError);
          continue;
        }
        if ((resource === RESOURCES.transcripts || resource === RESOURCES.callTranscripts) && isTranscriptOnly(err)) {
          await this.deps.onTranscriptProblem?.(integrationId, err as GraphError);
          continue;
        }
        throw err;
      }
    }
  }

  private async create(integrationId: string, resource: string): Promise<void> {
    const c = await this.deps.contexts.get(integrationId);
    const clientState = randomBytes(32).toString('base64url');
    const created = await c.graph.createSubscription({
      resource,
      notificationUrl: `${this.deps.publicUrl}${NOTIFICATIONS_PATH}`,
      lifecycleNotificationUrl: `${this.deps.publicUrl}${LIFECYCLE_PATH}`,
      clientState,
      expirationDateTime: new Date(this.deps.clock.now() + this.lifetimeMs),
    });
    await this.deps.subscriptions.save({
      id: created.id,
      integrationId,
      resource,
      changeType: 'created',
      expiresAt: Date.parse(created.expirationDateTime),
      clientState,
    });
    this.deps.logger.info({ integrationId, resource, subscriptionId: created.id }, 'subscribed to Graph change notifications');
    await this.keepOne(integrationId, resource);
  }

  /**
   * Two workers can subscribe at once (an admin's enable racing the scheduled check). Whoever saved
   * last sees both, and every racer keeps the same one (the smallest id), so one stays.
   */
  private async keepOne(integrationId: string, resource: string): Promise<void> {
    const same = (await this.deps.subscriptions.listByIntegration(integrationId)).filter((x) => x.resource === resource).sort((a, b) => a.id.localeCompare(b.id));
    if (same.length < 2) return;
    const c = await this.deps.contexts.get(integrationId);
    for (const extra of same.slice(1)) {
      await c.graph.deleteSubscription(extra.id).catch((err: unknown) => {
        if (!(err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND')) throw err;
      });
      await this.deps.subscriptions.delete(extra.id);
      this.deps.logger.info({ integrationId, resource, subscriptionId: extra.id }, 'a second subscription for the same resource was removed');
    }
  }

  /** On disable or delete: stop Graph from calling about this integration. */
  removeAll(integrationId: string): Promise<void> {
    return this.serialized(integrationId, () => this.removeAllNow(integrationId));
  }

  private async removeAllNow(integrationId: string): Promise<void> {
    const existing = await this.deps.subscriptions.listByIntegration(integrationId);
    if (existing.length === 0) return;
    const c = await this.deps.contexts.get(integrationId);
    for (const sub of existing) {
      await c.graph.deleteSubscription(sub.id);
      await this.deps.subscriptions.delete(sub.id);
    }
  }

  /** The `subscription-lifecycle` job. */
  async handleLifecycle(job: ActiveJob): Promise<{ done: string }> {
    const { subscriptionId, event } = job.payload as { subscriptionId: string; event: string };
    const sub = await this.deps.subscriptions.get(subscriptionId);
    if (!sub) return { done: 'unknown subscription' };
    const c = await this.deps.contexts.get(job.integrationId);
    if (event === 'reauthorizationRequired') {
      try {
        await c.graph.reauthorizeSubscription(sub.id);
      } catch (err) {
        if (!(err instanceof GraphError && err.code === 'GRAPH_NOT_FOUND')) throw err;
        await this.deps.subscriptions.delete(sub.id);
      }
      await this.ensure(job.integrationId);
      return { done: 'reauthorized' };
    }
    if (event === 'subscriptionRemoved') {
      await this.deps.subscriptions.delete(sub.id);
      await this.ensure(job.integrationId);
      await this.deps.jobs.enqueue(sweepJob(job.integrationId, { from: this.deps.clock.now() - 24 * 3_600_000 }, 'sweep', `removed:${sub.id}`));
      return { done: 'recreated' };
    }
    // missed: Graph dropped notifications; the sweep finds what they were about
    await this.deps.jobs.enqueue(sweepJob(job.integrationId, { from: this.deps.clock.now() - 24 * 3_600_000 }, 'sweep', `missed:${sub.id}:${job.id}`));
    return { done: 'sweep queued' };
  }
}
