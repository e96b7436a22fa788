import { BerthError } from '../../../core/errors.js';
import type { Column, RecordBatch } from '../records.js';
import { TextSink, valueAt, type TextEncoder } from './text-sink.js';

/** Quotes a field when RFC 4180 needs it (a comma, quote or line break), doubling inner quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return csvField(value);
  if (Array.isArray(value)) return csvField(JSON.stringify(value));
  return String(value); // numbers (NaN and ±Infinity as CsvSource reads them), bigints, booleans
}

/** CSV with a header row; a list column is one quoted JSON array per row, which CsvSource reads back. */
export const CSV_ENCODER: TextEncoder = {
  header: (names) => (names.length === 0 ? '' : `${names.map(csvField).join(',')}\n`),
  rows(batch: RecordBatch, names: readonly string[]): string {
    const columns = names.map((n) => columnOf(batch, n));
    const lines: string[] = new Array(batch.rows);
    for (let r = 0; r < batch.rows; r += 1) lines[r] = columns.map((c) => csvValue(valueAt(c, r))).join(',');
    return `${lines.join('\n')}\n`;
  },
};

/** Writes CSV to a local file; the header is `schema`'s names, or the first batch's. */
export function csvSink(path: string, schema?: ReadonlyMap<string, Column['kind']>): TextSink {
  return new TextSink(path, CSV_ENCODER, schema);
}

/** The column `name` of `batch`, or INVALID_REQUEST when the batch lacks it. */
export function columnOf(batch: RecordBatch, name: string): Column {
  const column = batch.columns.get(name);
  if (column === undefined) {
    throw new BerthError('INVALID_REQUEST', `a batch has no column ${name}, which the output file has`);
  }
  return column;
}
