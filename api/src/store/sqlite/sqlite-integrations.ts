import type { Database } from 'better-sqlite3';
import { parseJson } from '../json.js';
import type { IntegrationHealth } from '../model.js';
import type { IntegrationRecord, IntegrationTable } from '../tables.js';

interface Row {
  record: string;
  health: string;
}

const toRecord = (row: Row): IntegrationRecord => ({
  ...parseJson<Omit<IntegrationRecord, 'health'>>(row.record),
  health: parseJson<IntegrationHealth>(row.health),
});

const recordText = (r: IntegrationRecord) => {
  const { health: _health, ...rest } = r;
  return JSON.stringify(rest);
};

export function createSqliteIntegrationTable(db: Database): IntegrationTable {
  const insert = db.prepare('INSERT INTO integrations (id, record, health, version, created_at) VALUES (?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT record, health FROM integrations WHERE id = ?');
  const list = db.prepare('SELECT record, health FROM integrations ORDER BY created_at, id');
  const replace = db.prepare('UPDATE integrations SET record = ?, version = ? WHERE id = ? AND version = ?');
  const health = db.prepare(
    `UPDATE integrations SET health = ?, record = json_set(record, '$.updatedAt', ?)
     WHERE id = ? AND coalesce(json_extract(health, '$.rev'), 0) = ?`,
  );
  const remove = db.prepare('DELETE FROM integrations WHERE id = ?');
  return {
    async insert(r) {
      insert.run(r.id, recordText(r), JSON.stringify(r.health), r.version, r.createdAt);
    },
    async get(id) {
      const row = get.get(id) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async list() {
      return (list.all() as Row[]).map(toRecord);
    },
    async replace(r, expectedVersion) {
      return replace.run(recordText(r), r.version, r.id, expectedVersion).changes === 1;
    },
    async setHealth(id, h, expectedRev, updatedAt) {
      return health.run(JSON.stringify(h), updatedAt, id, expectedRev).changes === 1;
    },
    async delete(id) {
      return remove.run(id).changes === 1;
    },
  };
}
