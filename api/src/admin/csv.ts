/**
 * RFC 4180 CSV: every cell quoted (so commas, quotes and line breaks inside a value stay in their cell),
 * lines ended with CRLF. A cell a spreadsheet would run as a formula (starting with = + - @, or a tab
 * or carriage return before one) gets a leading apostrophe: the log holds text others typed (names,
 * error messages), and opening the download must never run it (OWASP "CSV injection").
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}
