import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createIntegrationRepository } from '../integrations.js';
import type { Store, StoreDeps } from '../store.js';
import { createSubscriptionRepository } from '../subscriptions.js';
import { MIGRATIONS } from './migrations/index.js';
import { currentVersion, migrate } from './migrator.js';
import { createPrivateFile, restrictToOwner } from './private-files.js';
import { createSqliteAdmins } from './sqlite-admins.js';
import { createSqliteAudit } from './sqlite-audit.js';
import { createSqliteConversations } from './sqlite-conversations.js';
import { createSqliteCursors } from './sqlite-cursors.js';
import { createSqliteIntegrationTable } from './sqlite-integrations.js';
import { createSqliteJobs } from './sqlite-jobs.js';
import { createSqliteRecordings } from './sqlite-recordings.js';
import { createSqliteSubscriptionTable } from './sqlite-subscriptions.js';

export const SQLITE_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * The embedded store: one SQLite file, WAL mode (readers never block the writer, and several
 * processes can share the file), migrated to the newest schema on open.
 *
 * The file and its WAL/SHM are the owner's only (0600): they hold sealed secrets and people's data.
 *
 * synchronous=NORMAL: under WAL a committed write survives a crash of the process; only a power loss
 * can roll back the last few commits (and the reconciliation sweep re-finds any recording that loses).
 */
export async function openSqliteStore(file: string, deps: StoreDeps): Promise<Store> {
  const onDisk = file !== ':memory:' && file !== '';
  if (onDisk) {
    mkdirSync(dirname(file), { recursive: true });
    createPrivateFile(file);
  }
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 15000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, MIGRATIONS, deps.clock.now());
    // new sidecars take the database's mode; ones an older build left readable are tightened here
    if (onDisk) restrictToOwner(file);
  } catch (error) {
    db.close();
    throw error;
  }
  const { clock, secretBox } = deps;
  return {
    kind: 'sqlite',
    integrations: createIntegrationRepository(createSqliteIntegrationTable(db), secretBox, clock),
    jobs: createSqliteJobs(db, clock),
    subscriptions: createSubscriptionRepository(createSqliteSubscriptionTable(db), secretBox, clock),
    cursors: createSqliteCursors(db, clock),
    conversations: createSqliteConversations(db, clock),
    admins: createSqliteAdmins(db, clock),
    recordings: createSqliteRecordings(db, clock),
    audit: createSqliteAudit(db, clock),
    async info() {
      return { kind: 'sqlite', schemaVersion: currentVersion(db), latestSchemaVersion: SQLITE_SCHEMA_VERSION };
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
