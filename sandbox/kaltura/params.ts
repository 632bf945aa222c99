import { apiError } from './errors.js';

/**
 * Request parameters arrive as JSON (typed) from the node client, or as strings from form posts and
 * other clients; these readers accept both, the way the PHP deserializer casts by declared type.
 */
export type Params = Record<string, unknown>;

export function isObject(v: unknown): v is Params {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function optString(p: Params | undefined, name: string): string | undefined {
  const v = p?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function optInt(p: Params | undefined, name: string): number | undefined {
  const v = p?.[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export function optNumber(p: Params | undefined, name: string): number | undefined {
  const v = p?.[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function optBool(p: Params | undefined, name: string): boolean | undefined {
  const v = p?.[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v > 0;
  const s = String(v).toLowerCase();
  return s === 'true' || s === '1';
}

export function optObject(p: Params | undefined, name: string): Params | undefined {
  const v = p?.[name];
  return isObject(v) ? v : undefined;
}

/** An action parameter without a default: MISSING_MANDATORY_PARAMETER when absent. */
export function reqString(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw apiError('MISSING_MANDATORY_PARAMETER', name);
  return v;
}

export function reqObject(p: Params, name: string): Params {
  const v = optObject(p, name);
  if (!v) throw apiError('MISSING_MANDATORY_PARAMETER', name);
  return v;
}

/** Comma lists as the filters take them ("a,b, c"), empty items dropped. */
export function csv(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The class name used in property validation messages, e.g. "KalturaMediaEntry::referenceId". */
export function propName(obj: Params, fallbackType: string, prop: string): string {
  return `${optString(obj, 'objectType') ?? fallbackType}::${prop}`;
}

/** Read-only properties may not be sent on insert or update (PROPERTY_VALIDATION_NOT_UPDATABLE). */
export function rejectReadOnly(obj: Params, fallbackType: string, readOnly: readonly string[]): void {
  for (const prop of readOnly) {
    if (obj[prop] !== undefined && obj[prop] !== null) {
      throw apiError('PROPERTY_VALIDATION_NOT_UPDATABLE', propName(obj, fallbackType, prop));
    }
  }
}
