import { MongoClient, type Db } from 'mongodb';
import { createIntegrationRepository } from '../integrations.js';
import type { Store, StoreDeps } from '../store.js';
import { createSubscriptionRepository } from '../subscriptions.js';
import type { ClaimPlannerOptions } from './claim-planner.js';
import type { JobDoc, JobRevisionDoc } from './job-documents.js';
import { createMongoAdmins, type AdminSightingDoc } from './mongo-admins.js';
import { createMongoAudit, type AuditDoc } from './mongo-audit.js';
import { createMongoConversations, type ConversationDoc } from './mongo-conversations.js';
import { createMongoCursors, type CursorDoc } from './mongo-cursors.js';
import { createMongoIntegrationTable, type HealthRevisionDoc, type IntegrationDoc } from './mongo-integrations.js';
import { createMongoJobs, type PauseDoc } from './mongo-jobs.js';
import { createMongoRecordings, type RecordingDoc } from './mongo-recordings.js';
import { createMongoSubscriptionTable, type SubscriptionDoc } from './mongo-subscriptions.js';
import { COLLECTIONS, MONGO_SCHEMA_VERSION, runSetup, schemaVersion } from './setup.js';

export const DEFAULT_DB_NAME = 'teams_recording_archiver';

export interface MongoStoreOptions {
  uri: string;
  /** default: the database named in the URI, else `teams_recording_archiver` */
  dbName?: string;
}

/** The database named in a connection string's path, if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/**
 * The scale-out store on MongoDB 5+, Atlas, Azure Cosmos DB for MongoDB or FerretDB. Creates its
 * indexes at start; uses no transactions and no change streams.
 */
export async function openMongoStore(options: MongoStoreOptions, deps: StoreDeps): Promise<Store> {
  const client = new MongoClient(options.uri, {
    appName: 'teams-recording-archiver',
    ignoreUndefined: true,
    serverSelectionTimeoutMS: 15_000,
  });
  await client.connect();
  try {
    const db = client.db(options.dbName ?? dbNameFromUri(options.uri) ?? DEFAULT_DB_NAME);
    const ferret = await isFerretDb(db);
    await runSetup(db, deps.clock.now());
    return buildStore(client, db, deps, ferret);
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** FerretDB identifies itself in buildInfo; it needs different query shapes to stay fast. */
async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string';
}

function plannerTuning(ferret: boolean): ClaimPlannerOptions {
  // FerretDB 1.x reads the whole collection for any query but a bare _id lookup, so read many
  // candidates per query and keep them longer; on MongoDB queries use indexes and stay cheap.
  return ferret ? { batch: 500, minAgeMs: 250, maxAgeMs: 15_000 } : { batch: 32, minAgeMs: 200, maxAgeMs: 2_000 };
}

function buildStore(client: MongoClient, db: Db, deps: StoreDeps, ferret: boolean): Store {
  const { clock, secretBox } = deps;
  return {
    kind: 'mongodb',
    integrations: createIntegrationRepository(
      createMongoIntegrationTable(db.collection<IntegrationDoc>(COLLECTIONS.integrations), db.collection<HealthRevisionDoc>(COLLECTIONS.integrationHealth)),
      secretBox,
      clock,
    ),
    jobs: createMongoJobs(
      {
        jobs: db.collection<JobDoc>(COLLECTIONS.jobs),
        revisions: db.collection<JobRevisionDoc>(COLLECTIONS.jobRevisions),
        pauses: db.collection<PauseDoc>(COLLECTIONS.queuePauses),
      },
      clock,
      { bareIdFilters: ferret, planner: plannerTuning(ferret) },
    ),
    subscriptions: createSubscriptionRepository(
      createMongoSubscriptionTable(db.collection<SubscriptionDoc>(COLLECTIONS.subscriptions)),
      secretBox,
      clock,
    ),
    cursors: createMongoCursors(db.collection<CursorDoc>(COLLECTIONS.cursors), clock),
    conversations: createMongoConversations(db.collection<ConversationDoc>(COLLECTIONS.conversations), clock),
    admins: createMongoAdmins(db.collection<AdminSightingDoc>(COLLECTIONS.admins), clock),
    recordings: createMongoRecordings(db.collection<RecordingDoc>(COLLECTIONS.recordings), clock),
    audit: createMongoAudit(db.collection<AuditDoc>(COLLECTIONS.audit), clock),
    async info() {
      return { kind: 'mongodb', schemaVersion: await schemaVersion(db), latestSchemaVersion: MONGO_SCHEMA_VERSION };
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
