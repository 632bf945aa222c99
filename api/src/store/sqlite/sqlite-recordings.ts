import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import { parseJson } from '../json.js';
import type { Recording } from '../model.js';
import { newestFirstPage } from './newest-first.js';
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
      // the cursor's id is the row key (integration and recording), unique across integrations
      const page = newestFirstPage(stmt, query, {
        select: 'SELECT key, record FROM recordings',
        filters: { integration_id: query.integrationId, state: query.state, "json_extract(record, '$.organizerId')": query.organizerId },
        timeColumn: 'created_at',
        idColumn: 'key',
        toItem: (r: Row) => ({ key: r.key, recording: parseJson<Recording>(r.record) }),
        keyOf: (i) => ({ time: i.recording.createdAt, id: i.key }),
      });
      return { items: page.items.map((i) => i.recording), nextCursor: page.nextCursor };
    },
  };
}
