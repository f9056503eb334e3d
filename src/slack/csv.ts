/**
 * CSV for the files the bot sends (line items, orders, entitlements, the audit report): RFC 4180
 * quoting, CRLF line ends, and cells a spreadsheet would run as a formula turned into text.
 */

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  // A text cell starting with = + - @ is a formula to a spreadsheet: make it text. Numbers stay
  // numbers, and so do plain tokens such as Partner Center's order ids, which may start with "-"
  // (base64url) and can call nothing.
  if (
    typeof value === 'string' &&
    (/^[=\t\r]/.test(s) || (/^[+\-@]/.test(s) && !/^[+\-@][A-Za-z0-9_.:-]*$/.test(s)))
  )
    s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(headerRow: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [headerRow, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
