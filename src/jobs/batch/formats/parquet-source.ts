import { open, type FileHandle } from 'node:fs/promises';
import {
  parquetMetadataAsync,
  parquetScan,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
} from 'hyparquet';
import { BerthError } from '../../../core/errors.js';
import type { Column, RecordBatch, RecordSource, RowReject } from '../records.js';
import { selectColumns, type ColumnSpec } from './column-builder.js';

type SchemaTree = ReturnType<typeof parquetSchema>;

/** The kind and list precision Berth reads a top-level Parquet column as. */
interface ParquetSpec extends ColumnSpec {
  readonly float32?: boolean;
}

/**
 * Reads a local Parquet file with positional reads, one row group at a time: only the requested
 * columns of the current row group are decoded and held (memory is one row group of those columns,
 * never the file), then sliced into batches without copying. FLOAT/DOUBLE/INT32 → number,
 * INT64 → bigint, BOOLEAN → boolean, UTF8 byte arrays → string, a LIST of FLOAT/DOUBLE → list
 * (its width from the first row; a row of another length is rejected); anything else is `mixed`.
 */
export class ParquetSource implements RecordSource {
  constructor(private readonly path: string) {}

  async schema(): Promise<ReadonlyMap<string, Column['kind']>> {
    return this.withFile(
      async (file, metadata) => new Map(specsOf(parquetSchema(metadata)).map((s) => [s.name, s.kind])),
    );
  }

  async *batches(options: {
    readonly batchRows: number;
    readonly columns?: readonly string[];
    readonly signal?: AbortSignal;
  }): AsyncIterable<RecordBatch> {
    const handle = await this.openHandle();
    try {
      const file = asyncBuffer(handle, (await handle.stat()).size);
      const metadata = await this.metadata(file);
      const specs = selectColumns(
        specsOf(parquetSchema(metadata)),
        options.columns,
        this.path,
      ) as ParquetSpec[];
      const names = specs.map((s) => s.name);
      const scan = await parquetScan({ file, metadata, columns: names });
      for (const range of scan.ranges) {
        options.signal?.throwIfAborted();
        // A column chunk decodes as a whole, so the row group is read once and then sliced.
        const data = await Promise.all(
          names.map((column) => scan.readColumn({ column, rowStart: range.rowStart, rowEnd: range.rowEnd })),
        );
        const rows = range.rowEnd - range.rowStart;
        const rejects: RowReject[] = [];
        const group = specs.map((spec, i) => toColumn(spec, data[i]!, rows, range.rowStart, rejects));
        rejects.sort((a, b) => a.row - b.row);
        for (let start = 0; start < rows; start += options.batchRows) {
          options.signal?.throwIfAborted();
          const end = Math.min(start + options.batchRows, rows);
          const firstRow = range.rowStart + start;
          const columns = new Map<string, Column>(
            group.map((c, i) => [names[i]!, sliceColumn(c, start, end)]),
          );
          const mine = rejects.filter((r) => r.row >= firstRow && r.row < range.rowStart + end);
          yield { rows: end - start, columns, firstRow, ...(mine.length > 0 ? { rejects: mine } : {}) };
        }
      }
    } finally {
      await handle.close();
    }
  }

  private async withFile<T>(fn: (file: AsyncBuffer, metadata: FileMetaData) => Promise<T>): Promise<T> {
    const handle = await this.openHandle();
    try {
      const file = asyncBuffer(handle, (await handle.stat()).size);
      return await fn(file, await this.metadata(file));
    } finally {
      await handle.close();
    }
  }

  private async openHandle(): Promise<FileHandle> {
    try {
      return await open(this.path, 'r');
    } catch (error) {
      throw new BerthError(
        'BAD_RECORD_FILE',
        `${this.path}: cannot open the Parquet file (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
  }

  private async metadata(file: AsyncBuffer): Promise<FileMetaData> {
    try {
      return await parquetMetadataAsync(file);
    } catch (error) {
      throw new BerthError(
        'BAD_RECORD_FILE',
        `${this.path} is not a Parquet file: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** An AsyncBuffer over a file handle: each slice is one positional read, so nothing else is loaded. */
function asyncBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const length = Math.max(0, (end ?? size) - start);
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

function specsOf(tree: SchemaTree): ParquetSpec[] {
  return tree.children.map((node) => {
    const { element } = node;
    const name = element.name;
    const logical = element.logical_type?.type;
    const list = element.converted_type === 'LIST' || logical === 'LIST';
    if (list) {
      // 3-level form (group LIST > repeated group > leaf) or the legacy 2-level form (repeated leaf).
      const repeated = node.children[0];
      const leaf = repeated?.children.length === 1 ? repeated.children[0] : repeated;
      const type = leaf?.children.length === 0 ? leaf.element.type : undefined;
      if (type === 'FLOAT' || type === 'DOUBLE') return { name, kind: 'list', float32: type === 'FLOAT' };
      return { name, kind: 'mixed' };
    }
    if (node.children.length > 0) return { name, kind: 'mixed' };
    const annotated =
      element.converted_type !== undefined || (logical !== undefined && logical !== 'INTEGER');
    switch (element.type) {
      case 'FLOAT':
      case 'DOUBLE':
        return { name, kind: 'number' };
      case 'INT32':
        return { name, kind: annotated && element.converted_type !== 'INT_32' ? 'mixed' : 'number' };
      case 'INT64':
        return { name, kind: annotated && element.converted_type !== 'INT_64' ? 'mixed' : 'bigint' };
      case 'BOOLEAN':
        return { name, kind: 'boolean' };
      case 'BYTE_ARRAY':
      case 'FIXED_LEN_BYTE_ARRAY':
        return {
          name,
          kind:
            element.converted_type === 'UTF8' || logical === 'STRING' || logical === 'ENUM'
              ? 'string'
              : 'mixed',
        };
      default:
        return { name, kind: 'mixed' };
    }
  });
}

type Decoded = ArrayLike<unknown> & { slice(start?: number, end?: number): ArrayLike<unknown> };

/** Converts one decoded row group column; a null makes a numeric column `mixed`, as records.ts says. */
function toColumn(
  spec: ParquetSpec,
  data: Decoded,
  rows: number,
  firstRow: number,
  rejects: RowReject[],
): Column {
  const values = data as unknown;
  switch (spec.kind) {
    case 'number':
      if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array) {
        return { kind: 'number', values };
      }
      return hasNull(data)
        ? mixed(data)
        : { kind: 'number', values: Float64Array.from(data as ArrayLike<number>) };
    case 'bigint':
      if (values instanceof BigInt64Array) return { kind: 'bigint', values };
      return hasNull(data)
        ? mixed(data)
        : { kind: 'bigint', values: BigInt64Array.from(data as ArrayLike<bigint>) };
    case 'boolean':
      return hasNull(data)
        ? mixed(data)
        : { kind: 'boolean', values: Uint8Array.from(data as ArrayLike<boolean>, Number) };
    case 'string':
      return {
        kind: 'string',
        values: Array.from(data, (v) => (v === null || v === undefined ? null : String(v))),
      };
    case 'list':
      return toList(spec, data, rows, firstRow, rejects);
    default:
      return mixed(data);
  }
}

function toList(
  spec: ParquetSpec,
  data: Decoded,
  rows: number,
  firstRow: number,
  rejects: RowReject[],
): Column {
  const first = Array.from(data).find((v) => v !== null && v !== undefined) as ArrayLike<number> | undefined;
  const width = first?.length ?? 0;
  const values = spec.float32 === true ? new Float32Array(rows * width) : new Float64Array(rows * width);
  for (let r = 0; r < rows; r += 1) {
    const row = data[r] as ArrayLike<number | null> | null | undefined;
    if (row === null || row === undefined || row.length !== width) {
      values.fill(Number.NaN, r * width, (r + 1) * width);
      rejects.push({
        row: firstRow + r,
        reason: `column ${spec.name} has ${row?.length ?? 'no'} values, expected ${width}`,
      });
      continue;
    }
    for (let i = 0; i < width; i += 1) values[r * width + i] = row[i] ?? Number.NaN;
  }
  return { kind: 'list', values, width };
}

function hasNull(data: ArrayLike<unknown>): boolean {
  for (let i = 0; i < data.length; i += 1) if (data[i] === null || data[i] === undefined) return true;
  return false;
}

function mixed(data: ArrayLike<unknown>): Column {
  return { kind: 'mixed', values: Array.from(data, (v) => (v === undefined ? null : v)) };
}

/** Rows [start, end) of a column; typed arrays are views, not copies. */
export function sliceColumn(column: Column, start: number, end: number): Column {
  if (start === 0 && end * (column.kind === 'list' ? column.width : 1) === column.values.length)
    return column;
  switch (column.kind) {
    case 'list':
      return {
        kind: 'list',
        values: column.values.subarray(start * column.width, end * column.width),
        width: column.width,
      };
    case 'number':
      return { kind: 'number', values: column.values.subarray(start, end) };
    case 'bigint':
      return { kind: 'bigint', values: column.values.subarray(start, end) };
    case 'boolean':
      return { kind: 'boolean', values: column.values.subarray(start, end) };
    case 'string':
      return { kind: 'string', values: column.values.slice(start, end) };
    case 'mixed':
      return { kind: 'mixed', values: column.values.slice(start, end) };
  }
}
