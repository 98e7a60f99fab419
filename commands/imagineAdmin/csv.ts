// CSV for the usage export (RFC 4180: comma-separated, CRLF, quotes doubled), safe to open in a
// spreadsheet: a text cell starting with = + - @ (or a tab or carriage return) gets a leading '
// so it is shown as text instead of being run as a formula.
import type { UsageRow } from '../../src/storage/usageLog.js';

export const USAGE_CSV_HEADER = [
  'time',
  'user_id',
  'channel_id',
  'model',
  'size',
  'outcome',
  'images',
  'cost_usd',
  'request_id',
  'interaction_id',
  'prompt',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: formula-safe, then quoted when it holds a comma, quote or line break. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Costs to a millionth of a dollar, without float noise (0.1 + 0.2). */
function cost(value: number | null): string | null {
  return value === null ? null : String(Math.round(value * 1e6) / 1e6);
}

/** One attempt; ids stay text (snowflakes exceed 2^53). */
export function usageCsvLine(row: UsageRow): string {
  return csvLine([
    new Date(row.startedAt).toISOString(),
    row.userId,
    row.channelId,
    row.model,
    row.sizeEffective ?? row.sizeRequested,
    row.outcome,
    row.imageCount,
    cost(row.estimatedCost),
    row.requestId,
    row.interactionId,
    row.prompt,
  ]);
}
