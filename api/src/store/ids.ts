import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * A job's id is derived from its idempotency key, so "does this key exist?" is a primary-key lookup
 * in both adapters and a duplicate enqueue collides on the primary key itself.
 */
export function jobIdFor(idempotencyKey: string): string {
  return `job_${createHash('sha256').update(idempotencyKey, 'utf8').digest('base64url').slice(0, 26)}`;
}

export function newLeaseToken(): string {
  return randomUUID();
}

let lastMs = -1;
let sameMs = 0;

/**
 * Random id whose text order follows creation time (for append-only logs). Ids made in the same
 * millisecond by one process keep their order too (an admin's disable, then delete, read back in that
 * order); across processes the same millisecond stays a tie broken at random.
 */
export function newTimeOrderedId(prefix: string, now: number): string {
  sameMs = now === lastMs ? sameMs + 1 : 0;
  lastMs = now;
  return `${prefix}_${now.toString(36).padStart(9, '0')}${Math.min(sameMs, 36 ** 4 - 1).toString(36).padStart(4, '0')}${randomBytes(4).toString('hex')}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** One string key for a composite key, unambiguous whatever the parts contain. */
export function compositeKey(...parts: string[]): string {
  return JSON.stringify(parts);
}
