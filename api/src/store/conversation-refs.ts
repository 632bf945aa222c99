/** What both adapters share for conversation references: the checks on a save. */
import { StoreValidationError } from './errors.js';
import { isJsonObject, type JsonObject } from './json.js';
import type { ConversationRef } from './model.js';
import { requireText } from './validate.js';

/** The reference as a save writes it: valid ids, a JSON object, reachable again. */
export function activeConversationRef(tenantId: string, userId: string, reference: JsonObject, now: number): ConversationRef {
  if (!isJsonObject(reference)) throw new StoreValidationError('a conversation reference must be a JSON object');
  return {
    tenantId: requireText('tenantId', tenantId, 100),
    userId: requireText('userId', userId, 200),
    reference,
    status: 'active',
    goneReason: null,
    updatedAt: now,
  };
}
