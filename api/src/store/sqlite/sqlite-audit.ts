import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { newAuditEntry } from '../audit-entry.js';
import { parseJson } from '../json.js';
import type { AuditEntry } from '../model.js';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
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
      const limit = pageLimit(query);
      const cursor = decodeCursor(query.cursor);
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (query.integrationId !== undefined) where.push('integration_id = ?'), args.push(query.integrationId);
      if (cursor) where.push('(at, id) < (?, ?)'), args.push(cursor.time, cursor.id);
      const rows = stmt(
        `SELECT entry FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`,
      ).all(...args, limit + 1) as { entry: string }[];
      return toPage(rows.map((r) => parseJson<AuditEntry>(r.entry)), limit, (e) => ({ time: e.at, id: e.id }));
    },
  };
}
