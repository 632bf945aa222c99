/** What both adapters share for admin sightings: the checks on a sighting and the listing's order. */
import { StoreValidationError } from './errors.js';
import type { AdminSighting, NewAdminSighting } from './model.js';
import { requireText } from './validate.js';

export const ADMIN_NAME_MAX = 256;

/** A valid sighting, with an empty name read as "not given" (Teams sends `from.name: ''` at times). */
export function checkSighting(input: NewAdminSighting): NewAdminSighting {
  if (typeof input !== 'object' || input === null) throw new StoreValidationError('a sighting must be an object');
  const { tenantId, userId, name, isAdmin } = input;
  if (name !== null && name !== undefined && (typeof name !== 'string' || name.length > ADMIN_NAME_MAX)) {
    throw new StoreValidationError(`name must be null or a string of at most ${ADMIN_NAME_MAX} characters`);
  }
  if (typeof isAdmin !== 'boolean') throw new StoreValidationError('isAdmin must be a boolean');
  return {
    tenantId: requireText('tenantId', tenantId, 100),
    userId: requireText('userId', userId, 200),
    name: name ? name : null,
    isAdmin,
  };
}

/**
 * The listing's order, applied in code rather than by the database: SQLite, MongoDB and FerretDB
 * order strings differently, and a tenant has a handful of admins.
 */
export function byName(a: AdminSighting, b: AdminSighting): number {
  if (a.name !== b.name) {
    if (a.name === null) return 1;
    if (b.name === null) return -1;
    const folded = compare(a.name.toLowerCase(), b.name.toLowerCase());
    if (folded !== 0) return folded;
    return compare(a.name, b.name);
  }
  return compare(a.userId, b.userId);
}

// UTF-16 code-unit order: the same on every machine, whatever its locale
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
