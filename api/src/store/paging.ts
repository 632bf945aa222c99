import { StoreValidationError } from './errors.js';
import type { PageRequest } from './model.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/**
 * Keyset paging: a cursor is the sort key of the last item returned (time, then id as tie-breaker),
 * so pages stay stable while new items arrive and never skip or repeat one.
 */
export interface PageCursor {
  time: number;
  id: string;
}

export function pageLimit(request: PageRequest): number {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StoreValidationError(`page limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | null | undefined): PageCursor | null {
  if (text === undefined || text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { time: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new StoreValidationError('invalid page cursor');
}

/** Given `limit + 1` rows, the page and the cursor for the next one. */
export function toPage<T>(rows: T[], limit: number, keyOf: (item: T) => PageCursor): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last === undefined ? null : encodeCursor(keyOf(last)) };
}
