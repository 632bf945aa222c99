import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import { parseJson } from '../json.js';
import type { DailyOutcome, Recording } from '../model.js';
import { newestFirstPage } from './newest-first.js';
import { mergeRecording, readRecording } from '../recording-merge.js';
import type { RecordingRepository } from '../store.js';

interface Row {
  key: string;
  record: string;
}

export function createSqliteRecordings(db: Database, clock: Clock): RecordingRepository {
  const get = db.prepare('SELECT key, record FROM recordings WHERE key = ?');
  const put = db.prepare(`INSERT INTO recordings (key, integration_id, state, record, created_at, settled_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET state = excluded.state, record = excluded.record, settled_at = excluded.settled_at`);
  const daily = db.prepare(`SELECT strftime('%Y-%m-%d', settled_at / 1000, 'unixepoch') AS day,
      SUM(state = 'archived') AS archived, SUM(state = 'failed') AS failed
    FROM recordings WHERE integration_id = ? AND state IN ('archived', 'failed') AND settled_at >= ?
    GROUP BY day ORDER BY day`);
  const lastArchived = db.prepare(`SELECT MAX(settled_at) AS at FROM recordings WHERE integration_id = ? AND state = 'archived'`);
  const cache = new Map<string, Statement>();
  const stmt = (sql: string) => cache.get(sql) ?? cache.set(sql, db.prepare(sql)).get(sql)!;
  const read = (key: string) => {
    const row = get.get(key) as Row | undefined;
    return row ? readRecording(parseJson<Recording>(row.record)) : null;
  };
  return {
    async upsert(key, patch) {
      const id = compositeKey(key.integrationId, key.recordingId);
      return db
        .transaction(() => {
          const next = mergeRecording(key, read(id), patch, clock.now());
          put.run(id, next.integrationId, next.state, JSON.stringify(next), next.createdAt, next.settledAt);
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
        toItem: (r: Row) => ({ key: r.key, recording: readRecording(parseJson<Recording>(r.record)) }),
        keyOf: (i) => ({ time: i.recording.createdAt, id: i.key }),
      });
      return { items: page.items.map((i) => i.recording), nextCursor: page.nextCursor };
    },
    async dailyOutcomes(integrationId, since) {
      return daily.all(integrationId, since) as DailyOutcome[];
    },
    async lastArchivedAt(integrationId) {
      return (lastArchived.get(integrationId) as { at: number | null }).at;
    },
  };
}
