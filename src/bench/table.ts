/** A cell: text as is, numbers formatted by the column, undefined as "-". */
export type Cell = string | number | undefined;

export interface Column {
  readonly title: string;
  /** Digits after the point for numbers (default 0). */
  readonly digits?: number;
  /** Numbers are right-aligned unless this is 'left'. */
  readonly align?: 'left' | 'right';
}

/** Formats rows as a plain-text table with a header rule; numbers get thousands separators. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => columns.map((col, i) => cellText(row[i], col)));
  const widths = columns.map((col, i) => Math.max(col.title.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (columns[i]?.align === 'left' ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + '\n';
}

function cellText(cell: Cell, col: Column): string {
  if (cell === undefined || (typeof cell === 'number' && !Number.isFinite(cell))) return '-';
  if (typeof cell === 'string') return cell;
  const digits = col.digits ?? 0;
  return cell.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
