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
import { selectColumns } from './column-builder.js';
import { sliceColumn, specsOf, toColumn, type ParquetSpec } from './parquet-columns.js';

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
