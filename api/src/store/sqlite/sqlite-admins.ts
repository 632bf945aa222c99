import type { Database } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { byName, checkSighting } from '../admin-sightings.js';
import type { AdminSighting } from '../model.js';
import type { AdminRepository } from '../store.js';

interface Row {
  tenant_id: string;
  user_id: string;
  name: string | null;
  is_admin: 0 | 1;
  seen_at: number;
}

const toSighting = (row: Row): AdminSighting => ({
  tenantId: row.tenant_id,
  userId: row.user_id,
  name: row.name,
  isAdmin: row.is_admin === 1,
  seenAt: row.seen_at,
});

export function createSqliteAdmins(db: Database, clock: Clock): AdminRepository {
  const get = db.prepare('SELECT * FROM admin_sightings WHERE tenant_id = ? AND user_id = ?');
  // a sighting without a name keeps the one an earlier sighting gave
  const seen = db.prepare(`INSERT INTO admin_sightings (tenant_id, user_id, name, is_admin, seen_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET name = COALESCE(excluded.name, name), is_admin = excluded.is_admin, seen_at = excluded.seen_at
    RETURNING *`);
  const admins = db.prepare('SELECT * FROM admin_sightings WHERE tenant_id = ? AND is_admin = 1');
  return {
    async seen(input) {
      const s = checkSighting(input);
      return toSighting(seen.get(s.tenantId, s.userId, s.name, s.isAdmin ? 1 : 0, clock.now()) as Row);
    },
    async get(tenantId, userId) {
      const row = get.get(tenantId, userId) as Row | undefined;
      return row ? toSighting(row) : null;
    },
    async listAdmins(tenantId) {
      return (admins.all(tenantId) as Row[]).map(toSighting).sort(byName);
    },
  };
}
