import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { newAuditEntry } from '../audit-entry.js';
import { parseJson } from '../json.js';
import type { AuditEntry } from '../model.js';
import { newestFirstPage } from './newest-first.js';
import type { AuditLog } from '../store.js';

export function createSqliteAudit(db: Database, clock: Clock): AuditLog {
  const insert = db.prepare('INSERT INTO audit_log (id, at, integration_id, entry) VALUES (?, ?, ?, ?)');
  const cache = new Map<string, Statement>();
  const stmt = (sql: string) => cache.get(sql) ?? cache.set(sql, db.prepare(sql)).get(sql)!;
  return {
    async append(input) {
      const entry = newAuditEntry(input, clock.now());
      insert.run(entry.id, entry.at, entry.integrationId, JSON.stringify(entry));
      return entry;
    },
    async list(query) {
      return newestFirstPage(stmt, query, {
        select: 'SELECT entry FROM audit_log',
        filters: { integration_id: query.integrationId },
        timeColumn: 'at',
        idColumn: 'id',
        toItem: (r: { entry: string }) => parseJson<AuditEntry>(r.entry),
        keyOf: (e) => ({ time: e.at, id: e.id }),
      });
    },
  };
}
