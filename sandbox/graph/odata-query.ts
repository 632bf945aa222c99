import type { EmulatorRequest } from '../emulator/router.js';
import { graphErrors } from './graph-wire.js';

/**
 * OData query options as Graph reads them: names with or without `$`, any case; paging tokens opaque
 * to clients (base64url JSON here, with a marker so a token from another list is refused).
 */

export function queryOption(req: EmulatorRequest, name: string): string | undefined {
  const wanted = name.replace(/^\$/, '').toLowerCase();
  for (const [k, v] of req.query) {
    if (k.replace(/^\$/, '').toLowerCase() === wanted) return v;
  }
  return undefined;
}

/** `$skiptoken`, `skipToken` and `$deltatoken` all carry our tokens (reference §2.4). */
export function pageToken(req: EmulatorRequest): string | undefined {
  return queryOption(req, 'skiptoken') ?? queryOption(req, 'deltatoken');
}

export function topOption(req: EmulatorRequest, max: number): number | undefined {
  const raw = queryOption(req, 'top');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw graphErrors.badRequest(`Invalid value '${raw}' for $top query option found.`);
  return Math.min(n, max);
}

export function encodeToken(kind: string, state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ t: kind, ...state }), 'utf8').toString('base64url');
}

export function decodeToken<T extends Record<string, unknown>>(kind: string, token: string): T {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed && parsed.t === kind) return parsed as T;
  } catch {
    // fall through: any token we did not make is simply invalid
  }
  throw graphErrors.badRequest('The provided skip token is invalid or expired.');
}

/**
 * `$select=a,b`: keeps the named properties (case-insensitive, as Graph matches them) plus any
 * `@odata.*` annotations; an unknown name is Graph's 400.
 */
export function applySelect<T extends Record<string, unknown>>(
  entity: T,
  select: string | undefined,
  typeName: string,
): Record<string, unknown> {
  if (!select) return entity;
  const byLower = new Map(Object.keys(entity).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) if (k.startsWith('@odata.')) out[k] = v;
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const key = byLower.get(name.toLowerCase());
    if (!key) throw graphErrors.badRequest(`Could not find a property named '${name}' on type '${typeName}'.`, 'BadRequest');
    out[key] = entity[key];
  }
  return out;
}

/** This request's URL with the paging token replaced, for a directory `@odata.nextLink`. */
export function nextLinkFor(root: string, req: EmulatorRequest, token: string): string {
  const parts: string[] = [];
  for (const [k, v] of req.query) {
    const bare = k.replace(/^\$/, '').toLowerCase();
    if (bare !== 'skiptoken' && bare !== 'deltatoken') parts.push(`${queryEncode(k)}=${queryEncode(v)}`);
  }
  parts.push(`$skiptoken=${token}`);
  return `${root}${req.url.pathname}?${parts.join('&')}`;
}

/** Like Graph's own links: `$` and `,` stay readable, everything else is percent-encoded. */
function queryEncode(s: string): string {
  return encodeURIComponent(s).replace(/%24/g, '$').replace(/%2C/gi, ',');
}
