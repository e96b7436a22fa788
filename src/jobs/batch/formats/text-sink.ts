import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { once } from 'node:events';
import type { Column, RecordBatch, RecordSink } from '../records.js';

/** Turns one batch into text (whole lines); `header` is called once with the first batch's columns. */
export interface TextEncoder {
  header(names: readonly string[]): string;
  rows(batch: RecordBatch, names: readonly string[]): string;
}

/**
 * Writes a text format to a local file through a write stream, waiting for it to drain so memory
 * stays one batch of text; `abort` closes and deletes the file.
 */
export class TextSink implements RecordSink {
  private readonly stream: WriteStream;
  private names: readonly string[] | undefined;
  private rows = 0;
  private headed = false;
  private failed: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly encoder: TextEncoder,
    schema?: ReadonlyMap<string, Column['kind']>,
  ) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => (this.failed = error));
    this.names = schema ? [...schema.keys()] : undefined;
  }

  async write(batch: RecordBatch): Promise<void> {
    const names = (this.names ??= [...batch.columns.keys()]);
    if (!this.headed) await this.head();
    if (batch.rows === 0) return;
    await this.put(this.encoder.rows(batch, names));
    this.rows += batch.rows;
  }

  async close(): Promise<{ readonly rows: number; readonly bytes: number }> {
    if (!this.headed) await this.head();
    this.stream.end();
    await once(this.stream, 'close');
    if (this.failed) throw this.failed;
    return { rows: this.rows, bytes: this.stream.bytesWritten };
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await once(this.stream, 'close').catch(() => undefined);
    await unlink(this.path).catch(() => undefined);
  }

  private async head(): Promise<void> {
    this.headed = true;
    await this.put(this.encoder.header(this.names ?? []));
  }

  private async put(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (text.length > 0 && !this.stream.write(text)) await once(this.stream, 'drain');
  }
}

/** The value of `column` at `row` as JS: numbers, bigints, booleans, strings, number arrays or null. */
export function valueAt(column: Column, row: number): unknown {
  switch (column.kind) {
    case 'list':
      return Array.from(column.values.subarray(row * column.width, (row + 1) * column.width));
    case 'boolean':
      return column.values[row] === 1;
    default:
      return column.values[row] ?? null;
  }
}
