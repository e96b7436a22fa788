import type { Column, RecordBatch, RowReject } from '../records.js';
import { ColumnBuilder, type ColumnSpec } from './column-builder.js';

/** One row of a text file before it becomes columns: a value per column, or why it is unreadable. */
export interface TextRow {
  readonly line: number;
  /** Values in the order of the source's column specs; undefined when the row is rejected. */
  readonly values?: readonly unknown[];
  readonly error?: string;
}

/** Rows to consider when inferring a text file's column kinds. */
export const SAMPLE_ROWS = 1000;

/**
 * Groups `rows` into batches of at most `batchRows`, building only the columns of `selected`
 * (indexes into the row values). Unfit values and unreadable rows become rejects, never NaN.
 */
export async function* textBatches(
  rows: AsyncIterable<TextRow>,
  specs: readonly ColumnSpec[],
  selected: readonly number[],
  batchRows: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<RecordBatch> {
  let pending: TextRow[] = [];
  let firstRow = 0;
  for await (const row of rows) {
    pending.push(row);
    if (pending.length >= batchRows) {
      signal?.throwIfAborted();
      yield build(pending, specs, selected, firstRow);
      firstRow += pending.length;
      pending = [];
    }
  }
  signal?.throwIfAborted();
  if (pending.length > 0) yield build(pending, specs, selected, firstRow);
}

function build(
  rows: readonly TextRow[],
  specs: readonly ColumnSpec[],
  selected: readonly number[],
  firstRow: number,
): RecordBatch {
  const builders = selected.map((i) => new ColumnBuilder(specs[i]!, rows.length));
  const rejects: RowReject[] = [];
  rows.forEach((row, r) => {
    let reason = row.error;
    if (reason === undefined) {
      for (let c = 0; c < selected.length && reason === undefined; c += 1) {
        reason = builders[c]!.set(r, row.values?.[selected[c]!]);
      }
    }
    if (reason !== undefined) {
      rejects.push({ row: firstRow + r, line: row.line, reason: `line ${row.line}: ${reason}` });
      for (const b of builders) b.placeholder(r);
    }
  });
  const columns = new Map<string, Column>();
  selected.forEach((i, c) => columns.set(specs[i]!.name, builders[c]!.finish()));
  return { rows: rows.length, columns, firstRow, ...(rejects.length > 0 ? { rejects } : {}) };
}

/** Reads the first SAMPLE_ROWS of `source` into memory and then yields all of it, so one pass does both. */
export async function peek<T>(
  source: AsyncIterator<T>,
  count: number,
): Promise<{ sample: T[]; rest: AsyncIterable<T> }> {
  const sample: T[] = [];
  let done = false;
  while (sample.length < count) {
    const next = await source.next();
    if (next.done === true) {
      done = true;
      break;
    }
    sample.push(next.value);
  }
  async function* rest(): AsyncGenerator<T> {
    try {
      yield* sample;
      if (done) return;
      for (let next = await source.next(); next.done !== true; next = await source.next()) yield next.value;
    } finally {
      await source.return?.(undefined); // closes the file when the caller stops early
    }
  }
  return { sample, rest: rest() };
}
