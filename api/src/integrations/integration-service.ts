import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { IntegrationHealthKeeper } from '../health/integration-health.js';
import { CALL_ONLY_CODES } from '../ingestion/call-problems.js';
import { CALLS_LOOKBACK_MS } from '../ingestion/call-recovery.js';
import { catchUpCallsJob, sweepJob, syncSubscriptionsJob } from '../ingestion/job-kinds.js';
import type { Logger } from '../logging/logger.js';
import { DISABLED_REASON, type JobQueue } from '../queue/job-queue.js';
import { NotFoundError, VersionConflictError } from '../store/errors.js';
import type { JsonObject } from '../store/json.js';
import type {
  AuditActor,
  AuditEntry,
  DailyOutcome,
  EpochMs,
  GraphSubscription,
  Integration,
  IntegrationPatch,
  Job,
  JobCounts,
  Page,
  PausedIntegration,
  Recording,
  RecordingState,
} from '../store/model.js';
import { RECORDING_STATES } from '../store/model.js';
import type { Store } from '../store/store.js';
import type { IntegrationContexts } from '../ingestion/integration-context.js';
import type { ConnectionReport } from './connection-test.js';
import { BackfillInput, IntegrationChangeInput, NewIntegrationInput } from './integration-input.js';
import { fromZod, refuse, ServiceError } from './service-errors.js';

/** Gets a token with these credentials, or throws the Entra refusal as a coded error (SECRET_INVALID, …). */
export type SecretVerifier = (credentials: { tenantId: string; clientId: string; clientSecret: string }) => Promise<void>;

export interface IntegrationServiceDeps {
  store: Pick<Store, 'integrations' | 'recordings' | 'audit' | 'jobs' | 'subscriptions'>;
  queue: Pick<JobQueue, 'enqueue' | 'pause' | 'resume' | 'retry'>;
  /** drops the cached Graph and Kaltura clients of an integration after a change */
  forgetClients(integrationId: string): void;
  keeper: IntegrationHealthKeeper;
  verifySecret: SecretVerifier;
  testConnection(integrationId: string): Promise<ConnectionReport>;
  /** removes the integration's Graph subscriptions (best effort on disable; the scheduler finishes it) */
  removeSubscriptions(integrationId: string): Promise<void>;
  /** the integration's Graph and Kaltura clients, for the editor's lookups */
  contexts: Pick<IntegrationContexts, 'get'>;
  defaultKalturaServiceUrl: string;
  clock: Clock;
  logger: Logger;
}

/** What the console's health view is made of, read in one go. */
export interface HealthReport {
  integration: Integration;
  paused: PausedIntegration | null;
  subscriptions: GraphSubscription[];
  jobs: JobCounts;
  /** one entry per UTC day, oldest first, the last one today */
  daily: DailyOutcome[];
  lastArchivedAt: EpochMs | null;
}

/** What the editor's pickers look up as the admin types. */
export const LOOKUP_KINDS = ['categories', 'kaltura-groups', 'entra-groups', 'users'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];
export interface LookupItem {
  /** what the setting stores */
  value: string;
  /** what the admin sees */
  label: string;
}
export const LOOKUP_MAX_ITEMS = 20;
export const LOOKUP_MAX_QUERY = 100;

/** What the integration's activity log is made of: admin actions and the integration's jobs, each newest first. */
export interface ActivityReport {
  audit: AuditEntry[];
  jobs: Job[];
}

const DAY_MS = 86_400_000;
/** the store's largest page; longer reads take several */
const STORE_PAGE = 200;

export const SYSTEM_ACTOR: AuditActor = { id: 'system', name: 'Teams Recording Archiver' };

const SECRET_CODES = ['SECRET_EXPIRED', 'SECRET_INVALID', 'SECRET_EXPIRING'] as const;
const MAX_BACKFILL_MS = 366 * 86_400_000;

/**
 * The one way to create, change, enable, disable, delete, test, retry and backfill an integration.
 * The admin API, the bot's commands, the seed file and `doctor` call it; nothing else writes
 * integrations. Every operation validates with the one schema, lets the store seal secrets, writes an
 * audit entry (who, what, when; never a secret) and refuses with a stable code (service-errors.ts).
 */
export class IntegrationService {
  constructor(private readonly d: IntegrationServiceDeps) {}

  async list(): Promise<Integration[]> {
    return this.d.store.integrations.list();
  }

  async get(id: string): Promise<Integration> {
    const integration = await this.d.store.integrations.get(id);
    if (!integration) throw refuse.notFound(id);
    return integration;
  }

  /**
   * Suggestions for the editor's pickers, from the integration's own Graph and Kaltura clients: at
   * most 20 matches of `q` (0–100 characters; empty lists the first ones). Graph and Kaltura failures
   * keep their codes (a missing permission, a refused credential); one without a status of its own is
   * the service's request failure.
   */
  async lookup(id: string, kind: LookupKind, q: string): Promise<LookupItem[]> {
    if (!(LOOKUP_KINDS as readonly string[]).includes(kind)) throw refuse.invalid('kind', `must be one of ${LOOKUP_KINDS.join(', ')}`);
    const prefix = q.trim();
    if (q.length > LOOKUP_MAX_QUERY) throw refuse.invalid('q', `must be at most ${LOOKUP_MAX_QUERY} characters`);
    await this.get(id);
    const c = await this.d.contexts.get(id);
    const n = LOOKUP_MAX_ITEMS;
    let items: LookupItem[];
    try {
      switch (kind) {
        case 'categories':
          items = (await c.kaltura.searchCategories(prefix, n)).map((x) => ({ value: x.fullName, label: x.fullName }));
          break;
        case 'kaltura-groups':
          items = (await c.kaltura.searchGroups(prefix, n)).map((g) => ({ value: g.id, label: g.name ?? g.id }));
          break;
        case 'entra-groups':
          items = (await c.graph.searchGroups(prefix, n)).map((g) => ({ value: g.id, label: g.displayName ?? g.id }));
          break;
        case 'users':
          items = (await c.kaltura.searchUsers(prefix, n)).map((u) => ({ value: u.id, label: u.name && u.name !== u.id ? `${u.name} (${u.id})` : u.id }));
          break;
      }
    } catch (err) {
      throw lookupFailure(err, kind);
    }
    return items.slice(0, n);
  }

  /** New integrations start disabled, as in Kaltura's integration; the seed file may enable one. */
  async create(actor: AuditActor, input: unknown, options: { enabled?: boolean } = {}): Promise<Integration> {
    const parsed = NewIntegrationInput.safeParse(input);
    if (!parsed.success) throw fromZod(parsed.error);
    const v = parsed.data;
    if (await this.nameTaken(v.name, v.tenantId)) throw refuse.duplicateName(v.name);
    const created = await this.d.store.integrations.create({
      name: v.name,
      tenantId: v.tenantId,
      appClientId: v.appClientId,
      appClientSecret: v.appClientSecret,
      kaltura: {
        partnerId: v.kaltura.partnerId,
        serviceUrl: (v.kaltura.serviceUrl ?? this.d.defaultKalturaServiceUrl).replace(/\/+$/, ''),
        appTokenId: v.kaltura.appTokenId ?? null,
        appToken: v.kaltura.appToken ?? null,
        adminSecret: v.kaltura.adminSecret ?? null,
      },
      settings: v.settings as unknown as JsonObject,
      enabled: false,
    });
    await this.audit(actor, 'integration.create', created, {
      name: created.name,
      tenantId: created.tenantId,
      appClientId: created.appClientId,
      partnerId: created.kaltura.partnerId,
      kalturaCredential: created.kaltura.credential,
    });
    return options.enabled ? this.enable(actor, created.id) : created;
  }

  /** Changes what is given; `expectedVersion` (when given) refuses to overwrite someone else's edit. */
  async update(actor: AuditActor, id: string, input: unknown, expectedVersion?: number): Promise<Integration> {
    const parsed = IntegrationChangeInput.safeParse(input);
    if (!parsed.success) throw fromZod(parsed.error);
    const v = parsed.data;
    const current = await this.get(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw refuse.changed(id);
    const name = v.name ?? current.name;
    const tenantId = v.tenantId ?? current.tenantId;
    if ((name !== current.name || tenantId !== current.tenantId) && (await this.nameTaken(name, tenantId, id))) {
      throw refuse.duplicateName(name);
    }
    if (v.kaltura?.appToken && v.kaltura.adminSecret) throw refuse.invalid('kaltura.adminSecret', 'give either an app token or an admin secret, not both');
    if (v.kaltura?.appToken && !v.kaltura.appTokenId && !current.kaltura.appTokenId) throw refuse.invalid('kaltura.appTokenId', 'an app token needs its appTokenId');
    const patch: IntegrationPatch = {
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.tenantId !== undefined ? { tenantId: v.tenantId } : {}),
      ...(v.appClientId !== undefined ? { appClientId: v.appClientId } : {}),
      ...(v.kaltura ? { kaltura: { ...v.kaltura, ...(v.kaltura.serviceUrl ? { serviceUrl: v.kaltura.serviceUrl.replace(/\/+$/, '') } : {}) } } : {}),
      ...(v.settings !== undefined ? { settings: v.settings as unknown as JsonObject } : {}),
    };
    const updated = await this.write(id, current.version, patch);
    this.d.forgetClients(id);
    await this.audit(actor, 'integration.update', updated, { changed: changedFields(current, updated, v) });
    // transcripts switched on or off changes which subscriptions are wanted
    if (updated.enabled && v.settings !== undefined) await this.d.queue.enqueue(syncSubscriptionsJob(id, `v${updated.version}`));
    if (v.settings !== undefined) await this.adhocCallsSwitched(current, updated);
    return updated;
  }

  /**
   * Ad hoc calls switched on: the calls of the last 30 days are found (as an integration's first sweep
   * looks back for meetings), not only those to come. Switched off: a call permission missing no longer matters.
   */
  private async adhocCallsSwitched(before: Integration, after: Integration): Promise<void> {
    const on = (i: Integration) => i.settings.includeAdhocCalls === true;
    if (on(before) === on(after)) return;
    if (!on(after)) await this.d.keeper.resolve(after.id, CALL_ONLY_CODES);
    else if (after.enabled) await this.d.queue.enqueue(catchUpCallsJob(after.id, this.d.clock.now() - CALLS_LOOKBACK_MS, `on:v${after.version}`));
  }

  /**
   * Gets a token with the new secret before keeping it: a wrong one is refused with Entra's code and
   * the stored secret stays. A good one clears the secret problems at once and resumes jobs they paused.
   */
  async replaceSecret(actor: AuditActor, id: string, input: unknown): Promise<Integration> {
    const secret = (input as { appClientSecret?: unknown } | null)?.appClientSecret;
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 2000) {
      throw refuse.invalid('appClientSecret', 'must be the client secret value (1 to 2000 characters)');
    }
    const current = await this.get(id);
    try {
      await this.d.verifySecret({ tenantId: current.tenantId, clientId: current.appClientId, clientSecret: secret });
    } catch (err) {
      const e = err as AppError;
      throw new ServiceError(e.code ?? 'SECRET_REJECTED', `Entra ID refused the new secret: ${e.message}`, { field: 'appClientSecret', cause: err });
    }
    const updated = await this.write(id, current.version, { appClientSecret: secret });
    this.d.forgetClients(id);
    await this.d.keeper.resolve(id, SECRET_CODES);
    // the old secret's expiry says nothing of the new one; the next check reads it
    const healed = (await this.d.keeper.secretExpiry(id, null, null)) ?? updated;
    const paused = (await this.d.store.jobs.paused()).find((p) => p.integrationId === id);
    if (updated.enabled && paused && (SECRET_CODES as readonly string[]).includes(paused.reason)) await this.d.queue.resume(id);
    await this.audit(actor, 'integration.secret.replace', updated, {});
    return healed;
  }

  /** Enabled now: the subscriptions and the first sweep are queued at once, on any role. */
  async enable(actor: AuditActor, id: string): Promise<Integration> {
    const current = await this.get(id);
    const updated = current.enabled ? current : await this.write(id, current.version, { enabled: true });
    // a disabled integration's lane was paused by `disable`; a blocking error pauses it again if it is still there
    await this.d.queue.resume(id);
    await this.d.queue.enqueue(syncSubscriptionsJob(id, `enable:${updated.version}`));
    await this.audit(actor, 'integration.enable', updated, {});
    return updated;
  }

  /** Disabled now: its jobs stop being claimed and Graph stops calling about it. */
  async disable(actor: AuditActor, id: string): Promise<Integration> {
    const current = await this.get(id);
    const updated = current.enabled ? await this.write(id, current.version, { enabled: false }) : current;
    // disabled is the reason now, whatever paused the lane before; once it holds, the queue keeps it
    // against the blocking errors of jobs still running (JobQueue.pause)
    await this.d.queue.pause(id, DISABLED_REASON);
    await this.d.removeSubscriptions(id).catch((err: unknown) =>
      this.d.logger.warn({ err, integrationId: id }, 'could not remove the Graph subscriptions now; the next scheduled check will'),
    );
    // a job that looked before DISABLED was written may have written its own reason after it: take it back
    await this.d.queue.pause(id, DISABLED_REASON);
    await this.audit(actor, 'integration.disable', updated, {});
    return updated;
  }

  async delete(actor: AuditActor, id: string): Promise<void> {
    const current = await this.get(id);
    if (current.enabled) throw refuse.enabled();
    await this.d.removeSubscriptions(id).catch((err: unknown) =>
      this.d.logger.warn({ err, integrationId: id }, 'could not remove the Graph subscriptions; they expire by themselves within three days'),
    );
    await this.d.store.integrations.delete(id);
    await this.audit(actor, 'integration.delete', current, { name: current.name });
  }

  /** Each check on its own (pass / fail / warning, with the catalogue's words and fix); health follows. */
  async testConnection(actor: AuditActor, id: string): Promise<ConnectionReport> {
    const current = await this.get(id);
    const report = await this.d.testConnection(id);
    await this.audit(actor, 'integration.test', current, { ok: report.ok, failed: report.checks.filter((c) => c.status === 'fail').map((c) => c.id) });
    return report;
  }

  async listRecordings(id: string, query: { state?: unknown; organizerId?: unknown; limit?: unknown; cursor?: unknown } = {}): Promise<Page<Recording>> {
    await this.get(id);
    if (query.state !== undefined && !RECORDING_STATES.includes(query.state as RecordingState)) {
      throw refuse.invalid('state', `must be one of ${RECORDING_STATES.join(', ')}`);
    }
    if (query.organizerId !== undefined && (typeof query.organizerId !== 'string' || !/^[0-9a-f-]{36}$/i.test(query.organizerId))) {
      throw refuse.invalid('organizerId', "must be the organizer's Entra object id (a GUID)");
    }
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) throw refuse.invalid('limit', 'must be a whole number from 1 to 200');
    if (query.cursor !== undefined && typeof query.cursor !== 'string') throw refuse.invalid('cursor', 'must be the nextCursor of the previous page');
    try {
      return await this.d.store.recordings.list({
        integrationId: id,
        ...(query.state !== undefined ? { state: query.state as RecordingState } : {}),
        ...(query.organizerId !== undefined ? { organizerId: query.organizerId as string } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor as string } : {}),
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'STORE_INVALID_INPUT') throw refuse.invalid('cursor', 'must be the nextCursor of the previous page');
      throw err;
    }
  }

  /** An admin's "retry" of a recording whose job failed for good. */
  async retry(actor: AuditActor, id: string, recordingId: string): Promise<Recording> {
    const integration = await this.get(id);
    const recording = await this.d.store.recordings.get({ integrationId: id, recordingId });
    if (!recording) throw refuse.recordingNotFound(recordingId);
    const job = recording.jobId ? await this.d.store.jobs.get(recording.jobId) : null;
    if (!job || job.state !== 'failed') throw refuse.notRetryable(`The recording is ${recording.state}; only a failed recording can be retried.`);
    await this.d.queue.retry(job.id);
    const queued = await this.d.store.recordings.upsert({ integrationId: id, recordingId }, { state: 'queued', error: null });
    await this.audit(actor, 'recording.retry', integration, { recordingId });
    return queued;
  }

  /** Archives what was recorded in a date range (a sweep of that window, behind fresh meetings). */
  async backfill(actor: AuditActor, id: string, input: unknown): Promise<{ jobId: string; from: string; to: string; created: boolean }> {
    const parsed = BackfillInput.safeParse(input);
    if (!parsed.success) throw fromZod(parsed.error);
    const from = Date.parse(parsed.data.from);
    const to = Date.parse(parsed.data.to);
    if (!(from < to)) throw refuse.invalid('to', 'must be after from');
    if (to > this.d.clock.now() + 60_000) throw refuse.invalid('to', 'must not be in the future');
    if (to - from > MAX_BACKFILL_MS) throw refuse.invalid('from', 'a backfill covers at most a year; split longer ranges');
    const integration = await this.get(id);
    if (!integration.enabled) throw new ServiceError('INTEGRATION_DISABLED', 'Enable the integration before backfilling it.');
    const { job, created } = await this.d.queue.enqueue(sweepJob(id, { from, to }, 'backfill', `${from}-${to}`));
    await this.audit(actor, 'integration.backfill', integration, { from: parsed.data.from, to: parsed.data.to, jobId: job.id });
    return { jobId: job.id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), created };
  }

  /** The integration's health with what explains it: pause, subscriptions, jobs, and the last `days` days' outcomes. */
  async healthReport(id: string, days = 30): Promise<HealthReport> {
    const integration = await this.get(id);
    const today = Math.floor(this.d.clock.now() / DAY_MS) * DAY_MS;
    const since = today - (days - 1) * DAY_MS;
    const [paused, subscriptions, jobs, outcomes, lastArchivedAt] = await Promise.all([
      this.d.store.jobs.paused(),
      this.d.store.subscriptions.listByIntegration(id),
      this.d.store.jobs.countByState(id),
      this.d.store.recordings.dailyOutcomes(id, since),
      this.d.store.recordings.lastArchivedAt(id),
    ]);
    const byDay = new Map(outcomes.map((o) => [o.day, o]));
    const daily = Array.from({ length: days }, (_, i) => {
      const day = new Date(since + i * DAY_MS).toISOString().slice(0, 10);
      return byDay.get(day) ?? { day, archived: 0, failed: 0 };
    });
    return { integration, paused: paused.find((p) => p.integrationId === id) ?? null, subscriptions, jobs, daily, lastArchivedAt };
  }

  /** The newest `limit` admin actions and the newest `limit` jobs of the integration. */
  async activity(id: string, limit: number): Promise<ActivityReport> {
    await this.get(id);
    const [audit, jobs] = await Promise.all([
      readPages(limit, (page) => this.d.store.audit.list({ integrationId: id, ...page })),
      readPages(limit, (page) => this.d.store.jobs.list({ integrationId: id, ...page })),
    ]);
    return { audit, jobs };
  }

  /** Which of these recordings `retry` would take: failed, with their job failed for good. */
  async retryable(recordings: readonly Recording[]): Promise<Set<string>> {
    const out = new Set<string>();
    await Promise.all(
      recordings
        .filter((r) => r.state === 'failed' && r.jobId)
        .map(async (r) => {
          if ((await this.d.store.jobs.get(r.jobId!))?.state === 'failed') out.add(r.recordingId);
        }),
    );
    return out;
  }

  /** Names are unique within a tenant: an admin must tell their integrations apart, and another
   * tenant's names are none of their business (a refusal would reveal them). */
  private async nameTaken(name: string, tenantId: string, exceptId?: string): Promise<boolean> {
    const key = tenantId.toLowerCase();
    return (await this.d.store.integrations.list()).some((i) => i.id !== exceptId && i.name === name && i.tenantId.toLowerCase() === key);
  }

  private async write(id: string, version: number, patch: IntegrationPatch): Promise<Integration> {
    try {
      return await this.d.store.integrations.update(id, version, patch);
    } catch (err) {
      if (err instanceof VersionConflictError) throw refuse.changed(id);
      if (err instanceof NotFoundError) throw refuse.notFound(id);
      throw err;
    }
  }

  private async audit(actor: AuditActor, action: string, integration: Integration, details: JsonObject): Promise<void> {
    await this.d.store.audit.append({ actor, action, integrationId: integration.id, target: integration.name, details });
  }
}

async function readPages<T>(limit: number, read: (page: { limit: number; cursor?: string }) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await read({ limit: Math.min(STORE_PAGE, limit - out.length), ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < limit);
  return out;
}

/** The names of what changed, never the values (settings and Kaltura fields by key). */
function changedFields(before: Integration, after: Integration, v: IntegrationChangeInput): string[] {
  const out: string[] = [];
  for (const k of ['name', 'tenantId', 'appClientId'] as const) if (before[k] !== after[k]) out.push(k);
  for (const k of Object.keys(v.kaltura ?? {})) out.push(`kaltura.${k}`);
  const keys = new Set([...Object.keys(before.settings), ...Object.keys(after.settings)]);
  for (const k of keys) if (JSON.stringify(before.settings[k]) !== JSON.stringify(after.settings[k])) out.push(`settings.${k}`);
  return out;
}

/** Codes the lookups may meet that have a status of their own; any other remote code is a request failure. */
const LOOKUP_PASSED_CODES = new Set([
  'MISSING_GROUP_PERMISSION',
  'MISSING_USER_PERMISSION',
  'MICROSOFT_API_ACCESS_DENIED',
  'GRAPH_PAYMENT_REQUIRED',
  'GRAPH_TOKEN_REJECTED',
  'GRAPH_TLS_UNTRUSTED',
  'GRAPH_THROTTLED',
  'GRAPH_UNAVAILABLE',
  'GRAPH_REQUEST_FAILED',
  'SECRET_INVALID',
  'SECRET_EXPIRED',
  'UNKNOWN_TENANT',
  'UNKNOWN_CLIENT_ID',
  'SECRET_REJECTED',
  'KALTURA_CREDENTIALS_REJECTED',
  'KALTURA_SESSION_INVALID',
  'KALTURA_UNAVAILABLE',
  'KALTURA_BAD_RESPONSE',
  'KALTURA_REQUEST_FAILED',
]);

function lookupFailure(err: unknown, kind: LookupKind): unknown {
  if (!(err instanceof AppError) || LOOKUP_PASSED_CODES.has(err.code)) return err;
  const graph = kind === 'entra-groups';
  return new AppError(graph ? 'GRAPH_REQUEST_FAILED' : 'KALTURA_REQUEST_FAILED', `${graph ? 'Graph' : 'Kaltura'} refused the lookup (${err.code}): ${err.message}`, {
    status: err.status,
    cause: err,
  });
}
