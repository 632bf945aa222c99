import type { Statement } from 'better-sqlite3';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
import type { Page, PageRequest } from '../model.js';

export interface NewestFirst<R, T> {
  /** `SELECT … FROM table` */
  select: string;
  /** column = value for each filter given; undefined ones are left out */
  filters: Record<string, string | number | undefined>;
  timeColumn: string;
  idColumn: string;
  toItem(row: R): T;
  /** the item's (time, id), the same two columns, for the next page's cursor */
  keyOf(item: T): { time: number; id: string };
}

/**
 * A page of a listing ordered newest first, by keyset: (time, id) below the cursor's, never OFFSET,
 * so a page stays cheap however deep, and rows added meanwhile neither repeat nor vanish. `prepare`
 * is the caller's statement cache.
 */
export function newestFirstPage<R, T>(prepare: (sql: string) => Statement, query: PageRequest, spec: NewestFirst<R, T>): Page<T> {
  const limit = pageLimit(query);
  const cursor = decodeCursor(query.cursor);
  const where: string[] = [];
  const args: (string | number)[] = [];
  for (const [column, value] of Object.entries(spec.filters)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    args.push(value);
  }
  if (cursor) {
    where.push(`(${spec.timeColumn}, ${spec.idColumn}) < (?, ?)`);
    args.push(cursor.time, cursor.id);
  }
  const sql = `${spec.select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${spec.timeColumn} DESC, ${spec.idColumn} DESC LIMIT ?`;
  const rows = prepare(sql).all(...args, limit + 1) as R[];
  return toPage(rows.map(spec.toItem), limit, spec.keyOf);
}
