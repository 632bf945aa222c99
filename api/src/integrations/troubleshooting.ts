import { AppError } from '../errors.js';
import { httpStatusFor } from '../http/error-status.js';
import { errorCatalogue, type CatalogueEntry } from './error-catalogue.js';

/** The markers in docs/setup.md between which `npm run docs:troubleshooting` writes the table. */
export const TROUBLESHOOTING_START = '<!-- troubleshooting:start -->';
export const TROUBLESHOOTING_END = '<!-- troubleshooting:end -->';

export interface TroubleshootingRow {
  code: string;
  /** the HTTP status the admin API answers with when it refuses a request with this code; undefined when it never does */
  httpStatus?: number;
  message: string;
  fix: string;
}

/**
 * Every code in the error catalogue (the one source of what an admin is told), in its order, with the
 * status from http/error-status.ts where the API answers with one. A code the API never answers with
 * (it is shown in an integration's health, a connection test or a recording instead) maps to 500 there,
 * which is left out.
 */
export function troubleshootingRows(): TroubleshootingRow[] {
  return Object.entries(errorCatalogue as Record<string, CatalogueEntry>).map(([code, entry]) => {
    const status = httpStatusFor(new AppError(code, entry.message));
    return { code, ...(status !== 500 ? { httpStatus: status } : {}), message: entry.message, fix: entry.fix };
  });
}

/** The troubleshooting table of docs/setup.md, as markdown (without the markers). */
export function troubleshootingTable(): string {
  const lines = [
    '| code | HTTP status | message | fix |',
    '|---|---|---|---|',
    ...troubleshootingRows().map((r) => `| \`${r.code}\` | ${r.httpStatus ?? '—'} | ${cell(r.message)} | ${cell(r.fix)} |`),
  ];
  return lines.join('\n');
}

/**
 * `doc` with the part between the markers replaced by the table; throws when a marker is missing or
 * they are out of order, so the table is never appended somewhere unexpected.
 */
export function withTroubleshootingTable(doc: string, table = troubleshootingTable()): string {
  const start = doc.indexOf(TROUBLESHOOTING_START);
  const end = doc.indexOf(TROUBLESHOOTING_END);
  if (start < 0 || end < 0 || end < start) {
    throw new Error(`the document needs ${TROUBLESHOOTING_START} and then ${TROUBLESHOOTING_END} where the troubleshooting table goes`);
  }
  return `${doc.slice(0, start + TROUBLESHOOTING_START.length)}\n${table}\n${doc.slice(end)}`;
}

/** The table currently between the markers, or undefined when they are missing. */
export function troubleshootingTableIn(doc: string): string | undefined {
  const start = doc.indexOf(TROUBLESHOOTING_START);
  const end = doc.indexOf(TROUBLESHOOTING_END);
  if (start < 0 || end < 0 || end < start) return undefined;
  return doc.slice(start + TROUBLESHOOTING_START.length, end).trim();
}

/** Text as one markdown table cell: no line breaks, pipes escaped, and `<…>` shown rather than taken for HTML. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/</g, '&lt;').replace(/\|/g, '\\|');
}
