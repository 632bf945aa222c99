import type { Database } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import type { SyncCursor } from '../model.js';
import type { CursorRepository } from '../store.js';
import { requireText } from '../validate.js';

interface Row {
  integration_id: string;
  name: string;
  value: string;
  updated_at: number;
}

const toCursor = (r: Row): SyncCursor => ({ integrationId: r.integration_id, name: r.name, value: r.value, updatedAt: r.updated_at });

export function createSqliteCursors(db: Database, clock: Clock): CursorRepository {
  const get = db.prepare('SELECT * FROM sync_cursors WHERE integration_id = ? AND name = ?');
  const set = db.prepare(`INSERT INTO sync_cursors (integration_id, name, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (integration_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  const list = db.prepare('SELECT * FROM sync_cursors WHERE integration_id = ? ORDER BY name');
  const remove = db.prepare('DELETE FROM sync_cursors WHERE integration_id = ? AND name = ?');
  return {
    async get(integrationId, name) {
      const row = get.get(integrationId, name) as Row | undefined;
      return row ? toCursor(row) : null;
    },
    async set(integrationId, name, value) {
      const cursor = {
        integrationId: requireText('integrationId', integrationId, 200),
        name: requireText('name', name, 500),
        value: requireText('value', value, 20_000),
        updatedAt: clock.now(),
      };
      set.run(cursor.integrationId, cursor.name, cursor.value, cursor.updatedAt);
      return cursor;
    },
    async list(integrationId) {
      return (list.all(integrationId) as Row[]).map(toCursor);
    },
    async delete(integrationId, name) {
      return remove.run(integrationId, name).changes === 1;
    },
  };
}
