import { redactSecrets } from './audit-redact.js';
import { StoreValidationError } from './errors.js';
import { newTimeOrderedId } from './ids.js';
import { isJsonObject } from './json.js';
import type { AuditEntry, NewAuditEntry } from './model.js';
import { requireText } from './validate.js';

export function newAuditEntry(input: NewAuditEntry, now: number): AuditEntry {
  if (input.details !== undefined && !isJsonObject(input.details)) throw new StoreValidationError('audit details must be a JSON object');
  return {
    id: newTimeOrderedId('aud', now),
    at: now,
    actor: { id: requireText('actor.id', input.actor?.id, 200), name: input.actor.name ?? null },
    action: requireText('action', input.action, 200),
    integrationId: input.integrationId ?? null,
    target: input.target ?? null,
    details: redactSecrets(input.details ?? {}),
  };
}
