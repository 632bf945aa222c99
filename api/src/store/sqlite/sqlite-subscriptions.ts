import type { Database } from 'better-sqlite3';
import type { SubscriptionRecord, SubscriptionTable } from '../tables.js';

interface Row {
  id: string;
  integration_id: string;
  resource: string;
  change_type: string;
  expires_at: number;
  client_state: string;
  created_at: number;
  updated_at: number;
}

const toRecord = (r: Row): SubscriptionRecord => ({
  id: r.id,
  integrationId: r.integration_id,
  resource: r.resource,
  changeType: r.change_type,
  expiresAt: r.expires_at,
  clientState: r.client_state,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createSqliteSubscriptionTable(db: Database): SubscriptionTable {
  const upsert = db.prepare(`
    INSERT INTO graph_subscriptions (id, integration_id, resource, change_type, expires_at, client_state, created_at, updated_at)
    VALUES (@id, @integrationId, @resource, @changeType, @expiresAt, @clientState, @createdAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET integration_id = excluded.integration_id, resource = excluded.resource,
      change_type = excluded.change_type, expires_at = excluded.expires_at, client_state = excluded.client_state,
      updated_at = excluded.updated_at
    RETURNING *`);
  const get = db.prepare('SELECT * FROM graph_subscriptions WHERE id = ?');
  const byIntegration = db.prepare('SELECT * FROM graph_subscriptions WHERE integration_id = ? ORDER BY expires_at, id');
  const expiring = db.prepare('SELECT * FROM graph_subscriptions WHERE expires_at < ? ORDER BY expires_at, id');
  const remove = db.prepare('DELETE FROM graph_subscriptions WHERE id = ?');
  return {
    async upsert(r) {
      return toRecord(upsert.get(r) as Row);
    },
    async get(id) {
      const row = get.get(id) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async listByIntegration(integrationId) {
      return (byIntegration.all(integrationId) as Row[]).map(toRecord);
    },
    async listExpiringBefore(time) {
      return (expiring.all(time) as Row[]).map(toRecord);
    },
    async delete(id) {
      return remove.run(id).changes === 1;
    },
  };
}
