import type { Database } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { StoreValidationError } from '../errors.js';
import { isJsonObject, parseJson, type JsonObject } from '../json.js';
import type { ConversationRepository } from '../store.js';
import { requireText } from '../validate.js';

interface Row {
  tenant_id: string;
  user_id: string;
  reference: string;
  updated_at: number;
}

export function createSqliteConversations(db: Database, clock: Clock): ConversationRepository {
  const get = db.prepare('SELECT * FROM conversation_refs WHERE tenant_id = ? AND user_id = ?');
  const save = db.prepare(`INSERT INTO conversation_refs (tenant_id, user_id, reference, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at`);
  const remove = db.prepare('DELETE FROM conversation_refs WHERE tenant_id = ? AND user_id = ?');
  return {
    async save(tenantId, userId, reference) {
      if (!isJsonObject(reference)) throw new StoreValidationError('a conversation reference must be a JSON object');
      const ref = { tenantId: requireText('tenantId', tenantId, 100), userId: requireText('userId', userId, 200), reference, updatedAt: clock.now() };
      save.run(ref.tenantId, ref.userId, JSON.stringify(reference), ref.updatedAt);
      return ref;
    },
    async get(tenantId, userId) {
      const row = get.get(tenantId, userId) as Row | undefined;
      return row
        ? { tenantId: row.tenant_id, userId: row.user_id, reference: parseJson<JsonObject>(row.reference), updatedAt: row.updated_at }
        : null;
    },
    async delete(tenantId, userId) {
      return remove.run(tenantId, userId).changes === 1;
    },
  };
}
