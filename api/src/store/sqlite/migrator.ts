import type { Database } from 'better-sqlite3';
import { SchemaTooNewError } from '../errors.js';
import type { Migration } from './migrations/migration.js';

export interface MigrationResult {
  from: number;
  to: number;
}

/**
 * Brings the database up to the newest migration. Runs under BEGIN IMMEDIATE, so when several
 * processes open a fresh file at once, one migrates and the others see its result.
 */
export function migrate(db: Database, migrations: readonly Migration[], now: number): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const run = db.transaction(() => {
    const from = currentVersion(db);
    if (from > latest) {
      throw new SchemaTooNewError(`the database is at schema version ${from}, newer than this build's ${latest}; upgrade the app`);
    }
    const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= from) continue;
      db.exec(m.sql);
      insert.run(m.version, m.name, now);
    }
    return { from, to: Math.max(from, latest) };
  });
  return run.immediate();
}

export function currentVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
