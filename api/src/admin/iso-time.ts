/** Epoch milliseconds as the API writes every time: ISO 8601 in UTC, or null when not known. */
export function isoTime(ms: number | null | undefined): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
