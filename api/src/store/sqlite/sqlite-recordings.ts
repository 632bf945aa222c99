import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import { parseJson } from '../json.js';
import type { Recording } from '../model.js';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
import { mergeRecording } from '../recording-merge.js';
import type { RecordingRepository } from '../store.js';

interface Row {
  key: string;
  record: string;
}

export function createSqliteRecordings(db: Database, clock: Clock): RecordingRepository {
  const get = db.prepare('SELECT key, record FROM recordings WHERE key = ?');
  const put = db.prepare(`INSERT INTO recordings (key, integration_id, state, record, created_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET state = excluded.state, record = excluded.record`);
  const cache = new Map<string, Statement>();
  const stmt = (sql: string) => cache.get(sql) ?? cache.set(sql, db.prepare(sql)).get(sql)!;
  const read = (key: string) => {
    const row = get.get(key) as Row | undefined;
    return row ? parseJson<Recording>(row.record) : null;
  };
  return {
    async upsert(key, patch) {
      const id = compositeKey(key.integrationId, key.recordingId);
      return db
        .transaction(() => {
          const next = mergeRecording(key, read(id), patch, clock.now());
          put.run(id, next.integrationId, next.state, JSON.stringify(next), next.createdAt);
          return next;
        })
        .immediate();
    },
    async get(key) {
      return read(compositeKey(key.integrationId, key.recordingId));
    },
    async list(query) {
      const limit = pageLimit(query);
      const cursor = decodeCursor(query.cursor);
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (query.integrationId !== undefined) where.push('integration_id = ?'), args.push(query.integrationId);
      if (query.state !== undefined) where.push('state = ?'), args.push(query.state);
      if (cursor) where.push('(created_at, key) < (?, ?)'), args.push(cursor.time, cursor.id);
      const rows = stmt(
        `SELECT key, record FROM recordings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, key DESC LIMIT ?`,
      ).all(...args, limit + 1) as Row[];
      const items = rows.map((r) => ({ key: r.key, recording: parseJson<Recording>(r.record) }));
      const page = toPage(items, limit, (i) => ({ time: i.recording.createdAt, id: i.key }));
      return { items: page.items.map((i) => i.recording), nextCursor: page.nextCursor };
    },
  };
}
