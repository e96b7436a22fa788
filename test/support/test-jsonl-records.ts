/**
 * A tiny JSON Lines RecordSource / RecordSink for tests of the batch runner only (the real
 * readers and writers live in src/jobs/batch/formats/). It reads a whole part into memory, which
 * is fine for test-sized files and nothing else.
 */
import { BerthError } from '../../src/core/errors.js';
import { cellValue } from '../../src/jobs/batch/from-tensors.js';
import type { RecordFormats } from '../../src/jobs/batch/record-formats.js';
import type { Column, RecordBatch, RecordSink, RecordSource } from '../../src/jobs/batch/records.js';
import type { ModelStore } from '../../src/storage/model-store.js';

/** Opens JSON Lines parts whatever the format asked for; counts what was opened. */
export function testJsonlFormats(): RecordFormats & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    openSource: (store, path) => {
      opened.push(path);
      return jsonlSource(store, path);
    },
    openSink: (store, path) => jsonlSink(store, path),
  };
}

function jsonlSource(store: ModelStore, path: string): RecordSource {
  const rowsOf = async (): Promise<Array<Record<string, unknown>>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  };
  return {
    async schema() {
      const rows = await rowsOf();
      const names = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      return new Map(names.map((name) => [name, toColumn(rows.map((row) => row[name])).kind]));
    },
    async *batches({ batchRows, columns }) {
      const rows = await rowsOf();
      const names = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
      for (let first = 0; first < rows.length; first += batchRows) {
        const slice = rows.slice(first, first + batchRows);
        const map = new Map<string, Column>();
        for (const name of names) {
          // A column no row of the part has is absent, as a file without it would be.
          if (!rows.some((row) => name in row)) continue;
          map.set(name, toColumn(slice.map((row) => row[name])));
        }
        yield { rows: slice.length, columns: map, firstRow: first } satisfies RecordBatch;
      }
    },
  };
}

/** Numbers → number, texts → string, equal-length numeric lists → list, anything else → mixed. */
function toColumn(values: unknown[]): Column {
  if (values.every((value) => typeof value === 'number'))
    return { kind: 'number', values: Float64Array.from(values as number[]) };
  if (values.every((value) => typeof value === 'string'))
    return { kind: 'string', values: values as string[] };
  const width = Array.isArray(values[0]) ? (values[0] as unknown[]).length : -1;
  if (
    width > 0 &&
    values.every(
      (value) =>
        Array.isArray(value) && value.length === width && value.every((item) => typeof item === 'number'),
    )
  ) {
    return { kind: 'list', values: Float64Array.from((values as number[][]).flat()), width };
  }
  return { kind: 'mixed', values };
}

function jsonlSink(store: ModelStore, path: string): RecordSink {
  const lines: string[] = [];
  let rows = 0;
  let closed = false;
  return {
    async write(batch) {
      if (closed) throw new BerthError('INTERNAL', `${path}: write after close`);
      for (let row = 0; row < batch.rows; row++) {
        const record: Record<string, unknown> = {};
        for (const [name, column] of batch.columns) record[name] = cellValue(column, row);
        lines.push(JSON.stringify(record));
      }
      rows += batch.rows;
    },
    async close() {
      closed = true;
      const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
      await store.write(path, bytes);
      return { rows, bytes: bytes.byteLength };
    },
    async abort() {
      closed = true;
    },
  };
}
