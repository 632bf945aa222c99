import { graphErrors } from './graph-wire.js';

/**
 * OData function segments such as
 * `getAllRecordings(meetingOrganizerUserId='8b08…', startDateTime=2024-01-15T00:00:00Z, endDateTime=…)`.
 * Graph's own examples put spaces after commas and clients percent-encode quotes, parentheses and
 * colons, so parsing is tolerant: it takes the percent-decoded segment, ignores whitespace, accept quoted or bare values, and an
 * optional `microsoft.graph.` namespace prefix.
 */

export interface FunctionCall {
  name: string;
  /** parameter names lower-cased; values unquoted */
  args: Map<string, string>;
}

/** `segment` is already percent-decoded (the router decodes path parameters). */
export function parseFunctionSegment(segment: string): FunctionCall | undefined {
  const text = segment.trim();
  const m = /^(?:microsoft\.graph\.)?([A-Za-z]+)\s*(?:\((.*)\))?$/s.exec(text);
  if (!m) return undefined;
  const args = new Map<string, string>();
  for (const part of splitArgs(m[2] ?? '')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw graphErrors.badRequest(`Invalid function parameter '${part.trim()}'.`);
    args.set(part.slice(0, eq).trim().toLowerCase(), unquote(part.slice(eq + 1).trim()));
  }
  return { name: m[1]!, args };
}

function splitArgs(list: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of list) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.filter((p) => p.trim() !== '');
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1).replace(/''/g, "'") : v;
}

/**
 * A DateTimeOffset literal. A `+hh:mm` offset that went through form decoding arrives as a space, so a
 * trailing ` hh:mm` is read as `+hh:mm`.
 */
export function parseDateTimeOffset(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const repaired = value.replace(/ (\d{2}:\d{2})$/, '+$1');
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(repaired) ? Date.parse(repaired) : NaN;
  if (Number.isNaN(ms)) {
    throw graphErrors.badRequest(`The parameter '${name}' has an invalid DateTimeOffset value '${value}'.`);
  }
  return ms;
}
