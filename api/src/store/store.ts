/**
 * The Store port: everything the product remembers goes through it. Two adapters implement it —
 * embedded SQLite (`sqlite/`, the default) and MongoDB (`mongo/`: MongoDB 5+, Atlas, Azure Cosmos DB
 * for MongoDB, FerretDB) — and one contract suite (`test/contract/store.contract.ts`) holds both to
 * exactly the behaviour described here.
 *
 * Rules every adapter follows:
 * - A write that resolved survives a process crash and a restart.
 * - Several processes may open the same database at once; every operation stays correct (the job
 *   queue's exclusivity is the one that matters most, see {@link JobRepository.claim}).
 * - Secrets (Entra client secret, Kaltura app token or admin secret, Graph `clientState`) are stored
 *   only as secret-box envelopes (AES-256-GCM). Reads never return them, except the dedicated
 *   {@link IntegrationRepository.getSecrets} and the subscription `clientState` the webhook compares.
 * - Times are epoch milliseconds from the injected `Clock`.
 * - Errors are the `StoreError` subclasses in `errors.ts`, with stable codes.
 * - No multi-document transactions and no change streams are needed from MongoDB.
 */
import type {
  ActiveJob,
  AdminSighting,
  AuditEntry,
  AuditQuery,
  ClaimRequest,
  ConversationRef,
  DailyOutcome,
  EnqueueResult,
  GraphSubscription,
  Integration,
  IntegrationHealth,
  IntegrationPatch,
  IntegrationSecrets,
  Job,
  JobCounts,
  JobError,
  JobProgress,
  JobQuery,
  LeaseRef,
  NewAdminSighting,
  NewAuditEntry,
  NewIntegration,
  NewJob,
  Page,
  PausedIntegration,
  Recording,
  RecordingKey,
  RecordingPatch,
  RecordingQuery,
  SaveGraphSubscription,
  StalledReport,
  SyncCursor,
  EpochMs,
} from './model.js';
import type { JsonObject, JsonValue } from './json.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';

export type StoreKind = 'sqlite' | 'mongodb';

/** Where the data lives: a SQLite file (the default, under the data directory) or a MongoDB database. */
export type StoreOptions = { kind: 'sqlite'; file: string } | { kind: 'mongodb'; uri: string; dbName?: string };

/** What every adapter is built with. */
export interface StoreDeps {
  clock: Clock;
  /** seals and opens the secrets the store keeps */
  secretBox: SecretBox;
}

export interface StoreInfo {
  kind: StoreKind;
  /** the schema version this database is at (SQLite migrations / MongoDB setup steps applied) */
  schemaVersion: number;
  /** the newest version this build knows; equal to `schemaVersion` after a successful open */
  latestSchemaVersion: number;
}

export interface Store {
  readonly kind: StoreKind;
  readonly integrations: IntegrationRepository;
  readonly jobs: JobRepository;
  readonly subscriptions: SubscriptionRepository;
  readonly cursors: CursorRepository;
  readonly conversations: ConversationRepository;
  readonly admins: AdminRepository;
  readonly recordings: RecordingRepository;
  readonly audit: AuditLog;
  info(): Promise<StoreInfo>;
  /** resolves when the database answers; for health checks */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

/**
 * Integrations: an Entra app registration connected to a Kaltura partner, with its settings and health.
 * Secrets are write-only: `create`/`update` take them in clear and seal them; every read returns an
 * {@link Integration}, which says only whether a secret is set.
 */
export interface IntegrationRepository {
  create(input: NewIntegration): Promise<Integration>;
  get(id: string): Promise<Integration | null>;
  /** all integrations, oldest first (an organization has a handful) */
  list(): Promise<Integration[]>;
  /**
   * Applies `patch` if the stored version is still `expectedVersion`, and bumps the version.
   * @throws NotFoundError, VersionConflictError
   */
  update(id: string, expectedVersion: number, patch: IntegrationPatch): Promise<Integration>;
  /**
   * Writes the integration's health if its stored `rev` is still `expectedRev` (a health never
   * written counts as rev 0), storing it with rev `expectedRev + 1`: the health module's
   * compare-and-set, so two workers never overwrite each other's view. Does not bump `version`, so an
   * admin's edit in progress does not conflict with the pipeline's status reports.
   * @returns the integration as written, or null when another writer got there first
   * @throws NotFoundError
   */
  setHealth(id: string, health: Omit<IntegrationHealth, 'rev'>, expectedRev: number): Promise<Integration | null>;
  /** The clear secrets, for the pipeline that calls Entra and Kaltura. Never for API responses. */
  getSecrets(id: string): Promise<IntegrationSecrets | null>;
  /**
   * Re-seals every secret that is not under the secret box's current key (after a key rotation).
   * @returns how many integrations were rewritten
   */
  resealSecrets(): Promise<number>;
  delete(id: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------

/**
 * The durable job table under the queue (`api/src/queue/` adds policy: backoff, defaults, workers).
 *
 * Lifecycle: `enqueue` → `queued`; `claim` → `active` with a lease (`leaseToken`, `leaseExpiresAt`);
 * the holder `renew`s the lease while it works and `saveProgress` after each step; then `complete`,
 * `retryLater` (back to `queued` with a later `notBefore`), `fail` (permanent) or `release` (back to
 * `queued`, optionally giving the attempt back). A lease that expires is recovered by
 * `recoverStalled`. Every holder operation checks the lease token and throws `LeaseLostError` if the
 * caller no longer holds the lease, so a worker that lost its lease can never overwrite the job.
 * `progress` survives retries, releases and stalls so the next attempt resumes.
 */
export interface JobRepository {
  /**
   * Adds a job, unless a job with the same `idempotencyKey` exists (in any state, including
   * finished): then returns that job with `created: false` and changes nothing. Safe under
   * concurrency: the same key enqueued at once by several processes yields one job.
   */
  enqueue(input: NewJob): Promise<EnqueueResult>;

  get(id: string): Promise<Job | null>;

  /**
   * Takes one due job (`queued`, `notBefore <= now`, integration not paused) and leases it to the
   * caller for `leaseMs`, incrementing `attempts`. Returns null when there is none.
   *
   * Exclusivity: one atomic conditional write decides the winner, so two callers — in one process
   * or in many — never both get the same job.
   *
   * Fairness across integrations: among integrations that have a due job, are not paused, pass the
   * `integrationIds`/`excludeIntegrationIds` filters and are below `maxActivePerIntegration` active
   * jobs, the one with the fewest active jobs goes first; ties go to the integration whose next job
   * has been due the longest. So one integration's backlog of ten thousand jobs cannot starve another
   * integration's fresh job. Within an integration: highest `priority`, then earliest `notBefore`,
   * then oldest.
   *
   * On SQLite the cap and the order are exact. On MongoDB each process plans its claims from a
   * snapshot refreshed at most a few seconds apart (and always before answering "nothing to do"),
   * so under concurrent claimers the cap is a soft limit that can be exceeded by the number of
   * processes claiming at that moment; exclusivity is never relaxed.
   */
  claim(request: ClaimRequest): Promise<ActiveJob | null>;

  /** Extends the lease to now + `leaseMs`. @throws LeaseLostError */
  renew(lease: LeaseRef, leaseMs: number): Promise<ActiveJob>;

  /** Replaces the job's progress. @throws LeaseLostError */
  saveProgress(lease: LeaseRef, progress: JobProgress): Promise<ActiveJob>;

  /** Finishes the job successfully; an earlier attempt's `lastError` is cleared. @throws LeaseLostError */
  complete(lease: LeaseRef, result?: JsonValue): Promise<Job>;

  /**
   * Puts the job back in the queue, not claimable before `notBefore`, recording `error`. The
   * attempt counts. The caller (the queue) decides whether attempts remain. @throws LeaseLostError
   */
  retryLater(lease: LeaseRef, error: JobError, notBefore: EpochMs): Promise<Job>;

  /** Fails the job permanently. @throws LeaseLostError */
  fail(lease: LeaseRef, error: JobError): Promise<Job>;

  /**
   * Gives the job back without finishing it (shutdown, integration paused by a blocking error).
   * With `refundAttempt`, the attempt it used does not count. @throws LeaseLostError
   */
  release(lease: LeaseRef, options: { notBefore: EpochMs; refundAttempt: boolean }): Promise<Job>;

  /**
   * Recovers active jobs whose lease has expired: each one's `stalledCount` goes up and it returns to
   * the queue (due now), or fails with code `JOB_STALLED` once `stalledCount` exceeds
   * `maxStalledCount`. Safe to run from any number of processes at once.
   */
  recoverStalled(options: { maxStalledCount: number }): Promise<StalledReport>;

  /**
   * An admin's "retry": puts a `failed` job back in the queue, due now, with its attempts reset.
   * @throws NotFoundError, JobStateError (if it is not failed)
   */
  requeue(id: string): Promise<Job>;

  /** Stops claims of this integration's jobs (active ones run on) until `resume`. Idempotent. */
  pause(integrationId: string, reason: string): Promise<void>;
  /** @returns whether it was paused */
  resume(integrationId: string): Promise<boolean>;
  paused(): Promise<PausedIntegration[]>;

  /** Newest first. */
  list(query: JobQuery): Promise<Page<Job>>;
  countByState(integrationId?: string): Promise<JobCounts>;

  /**
   * Deletes completed and failed jobs that finished before `finishedBefore`; returns how many. Also
   * drops the job history the adapter keeps beyond the jobs themselves (MongoDB's revision ledger)
   * once no writer can need it: all of a purged job's, and a live job's superseded revisions from
   * more than an hour ago. So what the job table holds stays bounded by the jobs kept and the
   * changes of the last hour.
   */
  purge(options: { finishedBefore: EpochMs }): Promise<number>;
}

// ---------------------------------------------------------------------------------------------

/** Graph change-notification subscriptions; `clientState` is sealed at rest, returned in clear. */
export interface SubscriptionRepository {
  /** insert or replace by id */
  save(subscription: SaveGraphSubscription): Promise<GraphSubscription>;
  get(id: string): Promise<GraphSubscription | null>;
  listByIntegration(integrationId: string): Promise<GraphSubscription[]>;
  /** soonest first: the renewal scheduler's work list */
  listExpiringBefore(time: EpochMs): Promise<GraphSubscription[]>;
  delete(id: string): Promise<boolean>;
}

/** Reconciliation cursors and Graph delta links, by integration and name. */
export interface CursorRepository {
  get(integrationId: string, name: string): Promise<SyncCursor | null>;
  set(integrationId: string, name: string, value: string): Promise<SyncCursor>;
  list(integrationId: string): Promise<SyncCursor[]>;
  delete(integrationId: string, name: string): Promise<boolean>;
}

/**
 * Bot conversation references, by tenant and user (the Entra object id, compared exactly as given).
 * A reference Teams no longer honours is kept, marked `gone`, so the pipeline can tell "never
 * installed" (no reference) from "uninstalled" without trying to send.
 */
export interface ConversationRepository {
  /** Inserts or replaces the reference, `active` again (a user who reinstalls is reachable again). */
  save(tenantId: string, userId: string, reference: JsonObject): Promise<ConversationRef>;
  /** any status, gone ones included */
  get(tenantId: string, userId: string): Promise<ConversationRef | null>;
  /**
   * Marks the reference `gone` with `reason`, keeping the reference and bumping `updatedAt`.
   * @returns false when there is no reference for that user
   */
  markGone(tenantId: string, userId: string, reason: string): Promise<boolean>;
  delete(tenantId: string, userId: string): Promise<boolean>;
}

/**
 * Who the bot has seen, by tenant and user (the Entra object id, compared exactly as given), and
 * whether they were an admin then: the bot's list of whom to alert.
 */
export interface AdminRepository {
  /**
   * Records a sighting (insert or replace; `seenAt` = now). A null or empty `name` keeps the name
   * an earlier sighting gave, so an activity without one does not erase it.
   * @returns the sighting as stored
   * @throws StoreValidationError
   */
  seen(sighting: NewAdminSighting): Promise<AdminSighting>;
  get(tenantId: string, userId: string): Promise<AdminSighting | null>;
  /**
   * The tenant's users whose last sighting was as an admin, by name (case-insensitively, then
   * exactly; unnamed last), then by userId.
   */
  listAdmins(tenantId: string): Promise<AdminSighting[]>;
}

/** What happened to each recording, for the admin console. */
export interface RecordingRepository {
  /** Creates the record (defaults for absent fields) or updates the fields given. */
  upsert(key: RecordingKey, patch: RecordingPatch): Promise<Recording>;
  get(key: RecordingKey): Promise<Recording | null>;
  /** newest (first seen) first */
  list(query: RecordingQuery): Promise<Page<Recording>>;
  /**
   * How many of the integration's recordings became archived or failed on each UTC day since `since`
   * (by `settledAt`; rows from before it was kept count by their last update), oldest day first, only
   * days that have any. A recording counts once, for its current state.
   */
  dailyOutcomes(integrationId: string, since: EpochMs): Promise<DailyOutcome[]>;
  /** when the integration's most recently archived recording was archived; null when none was */
  lastArchivedAt(integrationId: string): Promise<EpochMs | null>;
}

/**
 * Admin actions, append-only. Values under keys that look secret (secret, password, token, key…)
 * are replaced with "[redacted]" before they are stored.
 */
export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** newest first */
  list(query: AuditQuery): Promise<Page<AuditEntry>>;
}
