import type { Collection } from 'mongodb';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import { parseJson, type JsonObject } from '../json.js';
import type { ConversationRef, ConversationStatus } from '../model.js';
import type { ConversationRepository } from '../store.js';
import { activeConversationRef } from '../conversation-refs.js';
import { requireText } from '../validate.js';

/**
 * The reference is JSON text: Bot Framework objects carry keys some servers refuse. Documents
 * written before schema step 4 (or by an older build during a rolling upgrade) have no status: they
 * read as active, which they are, since only a save writes them.
 */
export interface ConversationDoc {
  _id: string;
  tenantId: string;
  userId: string;
  reference: string;
  status?: ConversationStatus;
  goneReason?: string | null;
  updatedAt: number;
}

const toRef = (doc: ConversationDoc): ConversationRef => ({
  tenantId: doc.tenantId,
  userId: doc.userId,
  reference: parseJson<JsonObject>(doc.reference),
  status: doc.status ?? 'active',
  goneReason: doc.goneReason ?? null,
  updatedAt: doc.updatedAt,
});

export function createMongoConversations(col: Collection<ConversationDoc>, clock: Clock): ConversationRepository {
  return {
    async save(tenantId, userId, reference) {
      const ref = activeConversationRef(tenantId, userId, reference, clock.now());
      await col.replaceOne(
        { _id: compositeKey(tenantId, userId) },
        { tenantId, userId, reference: JSON.stringify(reference), status: 'active', goneReason: null, updatedAt: ref.updatedAt },
        { upsert: true },
      );
      return ref;
    },
    async get(tenantId, userId) {
      const doc = await col.findOne({ _id: compositeKey(tenantId, userId) });
      return doc ? toRef(doc) : null;
    },
    async markGone(tenantId, userId, reason) {
      const goneReason = requireText('reason', reason, 1000);
      const result = await col.updateOne({ _id: compositeKey(tenantId, userId) }, { $set: { status: 'gone', goneReason, updatedAt: clock.now() } });
      return result.matchedCount === 1;
    },
    async delete(tenantId, userId) {
      return (await col.deleteOne({ _id: compositeKey(tenantId, userId) })).deletedCount === 1;
    },
  };
}
