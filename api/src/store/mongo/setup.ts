import type { Db, IndexDescription } from 'mongodb';
import { SchemaTooNewError } from '../errors.js';

/**
 * MongoDB's counterpart of SQLite's migrations: numbered, forward-only setup steps run at start.
 * Each step must be idempotent (several instances may start together); `meta.schema` records the
 * newest step applied.
 */
export interface SetupStep {
  version: number;
  name: string;
  run(db: Db): Promise<void>;
}

export const COLLECTIONS = {
  meta: 'meta',
  integrations: 'integrations',
  integrationHealth: 'integration_health',
  jobs: 'jobs',
  jobRevisions: 'job_revisions',
  queuePauses: 'queue_pauses',
  subscriptions: 'graph_subscriptions',
  cursors: 'sync_cursors',
  conversations: 'conversation_refs',
  admins: 'admin_sightings',
  recordings: 'recordings',
  audit: 'audit_log',
} as const;

// Every sort the adapter issues has an index with the same keys (Cosmos DB refuses sorts without one).
// No partial indexes, TTL or collations: FerretDB and Cosmos DB do not all support them.
const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.integrations]: [{ key: { createdAt: 1, _id: 1 }, name: 'integrations_created' }],
  [COLLECTIONS.jobs]: [
    { key: { idempotencyKey: 1 }, name: 'jobs_idempotency', unique: true },
    { key: { state: 1, integrationId: 1, priority: -1, notBefore: 1, createdAt: 1, _id: 1 }, name: 'jobs_claim' },
    { key: { state: 1, leaseExpiresAt: 1 }, name: 'jobs_lease' },
    { key: { createdAt: -1, _id: -1 }, name: 'jobs_newest' },
    { key: { integrationId: 1, createdAt: -1, _id: -1 }, name: 'jobs_integration_newest' },
    { key: { state: 1, createdAt: -1, _id: -1 }, name: 'jobs_state_newest' },
    { key: { state: 1, completedAt: 1 }, name: 'jobs_finished' },
  ],
  [COLLECTIONS.jobRevisions]: [{ key: { jobId: 1, rev: 1 }, name: 'job_revisions_job' }],
  [COLLECTIONS.queuePauses]: [{ key: { pausedAt: 1, _id: 1 }, name: 'queue_pauses_paused' }],
  [COLLECTIONS.subscriptions]: [
    { key: { integrationId: 1, expiresAt: 1, _id: 1 }, name: 'graph_subscriptions_integration' },
    { key: { expiresAt: 1, _id: 1 }, name: 'graph_subscriptions_expiry' },
  ],
  [COLLECTIONS.cursors]: [{ key: { integrationId: 1, name: 1 }, name: 'sync_cursors_integration' }],
  [COLLECTIONS.recordings]: [
    { key: { createdAt: -1, _id: -1 }, name: 'recordings_newest' },
    { key: { integrationId: 1, createdAt: -1, _id: -1 }, name: 'recordings_integration_newest' },
    { key: { state: 1, createdAt: -1, _id: -1 }, name: 'recordings_state_newest' },
    { key: { integrationId: 1, state: 1, createdAt: -1, _id: -1 }, name: 'recordings_integration_state_newest' },
  ],
  [COLLECTIONS.audit]: [
    { key: { at: -1, _id: -1 }, name: 'audit_log_newest' },
    { key: { integrationId: 1, at: -1, _id: -1 }, name: 'audit_log_integration_newest' },
  ],
};

/** Added by later steps: each step creates its own, so an older database gets them on upgrade. */
const LATER_INDEXES: Record<number, Record<string, IndexDescription[]>> = {
  2: {
    [COLLECTIONS.integrationHealth]: [{ key: { integrationId: 1, rev: -1 }, name: 'integration_health_newest' }],
    [COLLECTIONS.recordings]: [{ key: { integrationId: 1, organizerId: 1, createdAt: -1, _id: -1 }, name: 'recordings_integration_organizer_newest' }],
  },
  3: {
    [COLLECTIONS.recordings]: [{ key: { integrationId: 1, state: 1, settledAt: -1 }, name: 'recordings_integration_settled' }],
  },
  4: {
    // _id is the composite key already; the unique index says so to anyone reading the database
    [COLLECTIONS.admins]: [
      { key: { tenantId: 1, userId: 1 }, name: 'admin_sightings_user', unique: true },
      { key: { tenantId: 1, isAdmin: 1 }, name: 'admin_sightings_admins' },
    ],
  },
};

export const SETUP_STEPS: readonly SetupStep[] = [
  {
    version: 1,
    name: 'collections and indexes',
    async run(db) {
      await Promise.all(Object.entries(INDEXES).map(([name, indexes]) => db.collection(name).createIndexes(indexes)));
    },
  },
  {
    version: 2,
    name: 'health revisions; recordings by organizer',
    async run(db) {
      await Promise.all(Object.entries(LATER_INDEXES[2]!).map(([name, indexes]) => db.collection(name).createIndexes(indexes)));
    },
  },
  {
    version: 3,
    name: 'recordings settledAt',
    async run(db) {
      await Promise.all(Object.entries(LATER_INDEXES[3]!).map(([name, indexes]) => db.collection(name).createIndexes(indexes)));
      // records from before settledAt was kept count as settled at their last update (idempotent: only unset ones)
      const recordings = db.collection<{ _id: string; updatedAt: number }>(COLLECTIONS.recordings);
      const old = recordings.find({ state: { $in: ['archived', 'failed'] }, settledAt: { $exists: false } }, { projection: { _id: 1, updatedAt: 1 } });
      for await (const doc of old) await recordings.updateOne({ _id: doc._id, settledAt: { $exists: false } }, { $set: { settledAt: doc.updatedAt } });
    },
  },
  {
    version: 4,
    // conversation references without a status read as active (mongo-conversations.ts): nothing to rewrite
    name: 'admin sightings',
    async run(db) {
      await Promise.all(Object.entries(LATER_INDEXES[4]!).map(([name, indexes]) => db.collection(name).createIndexes(indexes)));
    },
  },
];

export const MONGO_SCHEMA_VERSION = Math.max(...SETUP_STEPS.map((s) => s.version));

interface SchemaDoc {
  _id: string;
  version: number;
  updatedAt: number;
}

export async function schemaVersion(db: Db): Promise<number> {
  const doc = await db.collection<SchemaDoc>(COLLECTIONS.meta).findOne({ _id: 'schema' });
  return doc?.version ?? 0;
}

export async function runSetup(db: Db, now: number): Promise<{ from: number; to: number }> {
  const from = await schemaVersion(db);
  if (from > MONGO_SCHEMA_VERSION) {
    throw new SchemaTooNewError(`the database is at schema version ${from}, newer than this build's ${MONGO_SCHEMA_VERSION}; upgrade the app`);
  }
  for (const step of SETUP_STEPS) {
    if (step.version <= from) continue;
    await step.run(db);
    await db
      .collection<SchemaDoc>(COLLECTIONS.meta)
      .updateOne({ _id: 'schema' }, { $max: { version: step.version }, $set: { updatedAt: now } }, { upsert: true });
  }
  return { from, to: Math.max(from, MONGO_SCHEMA_VERSION) };
}
