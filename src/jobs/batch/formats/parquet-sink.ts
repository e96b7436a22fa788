import { stat, unlink } from 'node:fs/promises';
import type { ColumnSource } from 'hyparquet-writer';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { BerthError } from '../../../core/errors.js';
import type { Column, RecordBatch, RecordSink } from '../records.js';
import { parquetTypeOf, schemaElements, type ParquetColumnType } from './parquet-schema.js';

/** Rows per row group: 64 FP32 features × 64 Ki rows is 16 MiB buffered, and readers get one group per read. */
export const DEFAULT_ROW_GROUP_ROWS = 65_536;

/**
 * Writes batches to a local Parquet file (SNAPPY), one row group per `rowGroupRows` rows. Column
 * types come from the first batch (Float32Array → FLOAT, Float64Array → DOUBLE, Int32Array → INT32,
 * bigint → INT64, list → LIST of FLOAT/DOUBLE), or from `schema` when given. Numeric, boolean and
 * list columns are REQUIRED (readers then decode them straight into typed arrays); string and
 * `mixed` columns are OPTIONAL, and a null in a REQUIRED column is an INVALID_REQUEST.
 */
export class ParquetSink implements RecordSink {
  private writer: ParquetWriter | undefined;
  private types: ParquetColumnType[] | undefined;
  private pending: RecordBatch[] = [];
  private pendingRows = 0;
  private rows = 0;

  constructor(
    private readonly path: string,
    private readonly options: {
      readonly schema?: ReadonlyMap<string, Column['kind']>;
      readonly rowGroupRows?: number;
    } = {},
  ) {}

  async write(batch: RecordBatch): Promise<void> {
    if (batch.rows === 0) return;
    this.open(batch);
    this.pending.push(batch);
    this.pendingRows += batch.rows;
    if (this.pendingRows >= (this.options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS)) await this.flush();
  }

  async close(): Promise<{ readonly rows: number; readonly bytes: number }> {
    this.open(undefined);
    await this.flush();
    await this.writer!.finish();
    return { rows: this.rows, bytes: (await stat(this.path)).size };
  }

  async abort(): Promise<void> {
    this.pending = [];
    await unlink(this.path).catch(() => undefined);
  }

  private open(first: RecordBatch | undefined): void {
    if (this.writer !== undefined) return;
    const { schema } = this.options;
    this.types = schema
      ? [...schema].map(([name, kind]) => {
          const column = first?.columns.get(name);
          return parquetTypeOf(name, column ?? kind);
        })
      : [...(first?.columns ?? [])].map(([name, column]) => parquetTypeOf(name, column));
    this.writer = new ParquetWriter({
      writer: fileWriter(this.path),
      schema: schemaElements(this.types),
      createdBy: 'berth',
    });
  }

  private async flush(): Promise<void> {
    if (this.pendingRows === 0) return;
    const batches = this.pending;
    const rows = this.pendingRows;
    this.pending = [];
    this.pendingRows = 0;
    const columnData = this.types!.map((type) => ({
      name: type.name,
      data: columnValues(type, batches, rows),
    }));
    await this.writer!.write({ columnData, rowGroupSize: rows });
    this.rows += rows;
  }
}

/** One column of a row group as hyparquet-writer takes it: a typed array where possible, else values. */
function columnValues(
  type: ParquetColumnType,
  batches: readonly RecordBatch[],
  rows: number,
): ColumnSource['data'] {
  const columns = batches.map((b) => {
    const column = b.columns.get(type.name);
    if (column === undefined) {
      throw new BerthError(
        'INVALID_REQUEST',
        `a batch has no column ${type.name}, which the output file has`,
      );
    }
    return column;
  });
  if (!type.list) {
    const typed = typedConcat(type.leaf, columns, rows);
    if (typed !== undefined) return typed;
  }
  const out: unknown[] = new Array(rows);
  let at = 0;
  for (const column of columns) {
    const n =
      column.kind === 'list' ? column.values.length / Math.max(column.width, 1) : column.values.length;
    for (let r = 0; r < n; r += 1) out[at++] = valueAt(type, column, r);
  }
  return out;
}

function typedConcat(
  leaf: string,
  columns: readonly Column[],
  rows: number,
): ColumnSource['data'] | undefined {
  const Ctor = { FLOAT: Float32Array, DOUBLE: Float64Array, INT32: Int32Array, INT64: BigInt64Array }[leaf];
  if (Ctor === undefined) return undefined;
  if (!columns.every((c) => (c.kind === 'number' || c.kind === 'bigint') && c.values instanceof Ctor))
    return undefined;
  const out = new Ctor(rows);
  let at = 0;
  for (const c of columns) {
    out.set(c.values as never, at);
    at += c.values.length;
  }
  return out.subarray(0, at) as ColumnSource['data'];
}

function valueAt(type: ParquetColumnType, column: Column, row: number): unknown {
  switch (column.kind) {
    case 'list':
      return Array.from(column.values.subarray(row * column.width, (row + 1) * column.width));
    case 'boolean':
      return column.values[row] === 1;
    case 'string':
      return column.values[row];
    default: {
      const value: unknown = column.values[row];
      if (value === null || value === undefined) {
        if (type.required) {
          throw new BerthError(
            'INVALID_REQUEST',
            `column ${type.name} has a null at row ${row}, but the output file declared it REQUIRED from the first batch`,
          );
        }
        return null;
      }
      if (type.leaf === 'STRING') return typeof value === 'string' ? value : JSON.stringify(value);
      if (type.leaf === 'INT64') return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
      if (type.leaf === 'BOOLEAN') return Boolean(value);
      return Number(value);
    }
  }
}
