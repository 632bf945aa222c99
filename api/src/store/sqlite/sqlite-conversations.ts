import type { Database } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { parseJson, type JsonObject } from '../json.js';
import type { ConversationRef, ConversationStatus } from '../model.js';
import type { ConversationRepository } from '../store.js';
import { activeConversationRef } from '../conversation-refs.js';
import { requireText } from '../validate.js';

interface Row {
  tenant_id: string;
  user_id: string;
  reference: string;
  status: ConversationStatus;
  gone_reason: string | null;
  updated_at: number;
}

const toRef = (row: Row): ConversationRef => ({
  tenantId: row.tenant_id,
  userId: row.user_id,
  reference: parseJson<JsonObject>(row.reference),
  status: row.status,
  goneReason: row.gone_reason,
  updatedAt: row.updated_at,
});

export function createSqliteConversations(db: Database, clock: Clock): ConversationRepository {
  const get = db.prepare('SELECT * FROM conversation_refs WHERE tenant_id = ? AND user_id = ?');
  const save = db.prepare(`INSERT INTO conversation_refs (tenant_id, user_id, reference, status, gone_reason, updated_at) VALUES (?, ?, ?, 'active', NULL, ?)
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET reference = excluded.reference, status = 'active', gone_reason = NULL, updated_at = excluded.updated_at`);
  const markGone = db.prepare(`UPDATE conversation_refs SET status = 'gone', gone_reason = ?, updated_at = ? WHERE tenant_id = ? AND user_id = ?`);
  const remove = db.prepare('DELETE FROM conversation_refs WHERE tenant_id = ? AND user_id = ?');
  return {
    async save(tenantId, userId, reference) {
      const ref = activeConversationRef(tenantId, userId, reference, clock.now());
      save.run(ref.tenantId, ref.userId, JSON.stringify(reference), ref.updatedAt);
      return ref;
    },
    async get(tenantId, userId) {
      const row = get.get(tenantId, userId) as Row | undefined;
      return row ? toRef(row) : null;
    },
    async markGone(tenantId, userId, reason) {
      return markGone.run(requireText('reason', reason, 1000), clock.now(), tenantId, userId).changes === 1;
    },
    async delete(tenantId, userId) {
      return remove.run(tenantId, userId).changes === 1;
    },
  };
}
