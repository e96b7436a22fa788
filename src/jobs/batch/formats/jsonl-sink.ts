import type { Column, RecordBatch } from '../records.js';
import { columnOf } from './csv-sink.js';
import { TextSink, valueAt, type TextEncoder } from './text-sink.js';

function jsonValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString(); // JSON has no bigint; digits keep every bit
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (Array.isArray(value)) return `[${value.map(jsonValue).join(',')}]`;
  return JSON.stringify(value ?? null);
}

/** One JSON object per line, keys in column order; NaN and ±Infinity become null. */
export const JSONL_ENCODER: TextEncoder = {
  header: () => '',
  rows(batch: RecordBatch, names: readonly string[]): string {
    const columns = names.map((n) => columnOf(batch, n));
    const keys = names.map((n) => `${JSON.stringify(n)}:`);
    let out = '';
    for (let r = 0; r < batch.rows; r += 1) {
      out += `{${columns.map((c, i) => keys[i]! + jsonValue(valueAt(c, r))).join(',')}}\n`;
    }
    return out;
  },
};

/** Writes JSON Lines to a local file; keys are `schema`'s names, or the first batch's. */
export function jsonlSink(path: string, schema?: ReadonlyMap<string, Column['kind']>): TextSink {
  return new TextSink(path, JSONL_ENCODER, schema);
}
