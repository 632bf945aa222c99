import type { Collection } from 'mongodb';
import type { Clock } from '../../clock.js';
import { StoreValidationError } from '../errors.js';
import { compositeKey } from '../ids.js';
import { isJsonObject, parseJson, type JsonObject } from '../json.js';
import type { ConversationRepository } from '../store.js';
import { requireText } from '../validate.js';

/** The reference is JSON text: Bot Framework objects carry keys some servers refuse. */
export interface ConversationDoc {
  _id: string;
  tenantId: string;
  userId: string;
  reference: string;
  updatedAt: number;
}

export function createMongoConversations(col: Collection<ConversationDoc>, clock: Clock): ConversationRepository {
  return {
    async save(tenantId, userId, reference) {
      if (!isJsonObject(reference)) throw new StoreValidationError('a conversation reference must be a JSON object');
      const ref = { tenantId: requireText('tenantId', tenantId, 100), userId: requireText('userId', userId, 200), reference, updatedAt: clock.now() };
      await col.replaceOne(
        { _id: compositeKey(tenantId, userId) },
        { tenantId, userId, reference: JSON.stringify(reference), updatedAt: ref.updatedAt },
        { upsert: true },
      );
      return ref;
    },
    async get(tenantId, userId) {
      const doc = await col.findOne({ _id: compositeKey(tenantId, userId) });
      return doc
        ? { tenantId: doc.tenantId, userId: doc.userId, reference: parseJson<JsonObject>(doc.reference), updatedAt: doc.updatedAt }
        : null;
    },
    async delete(tenantId, userId) {
      return (await col.deleteOne({ _id: compositeKey(tenantId, userId) })).deletedCount === 1;
    },
  };
}
