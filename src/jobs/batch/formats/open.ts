import { extname } from 'node:path';
import { BerthError } from '../../../core/errors.js';
import type { Column, RecordFormat, RecordSink, RecordSource } from '../records.js';
import type { ColumnKindHint } from './column-builder.js';
import { CsvSource } from './csv-source.js';
import { csvSink } from './csv-sink.js';
import { JsonlSource } from './jsonl-source.js';
import { jsonlSink } from './jsonl-sink.js';
import { ParquetSink } from './parquet-sink.js';
import { ParquetSource } from './parquet-source.js';
import type { TextInput } from './text-input.js';

/** File extensions and the format each means (`.json` is read as JSON Lines, one object a line). */
export const FORMAT_EXTENSIONS: Readonly<Record<string, RecordFormat>> = {
  '.parquet': 'parquet',
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
};

const FORMATS: readonly RecordFormat[] = ['parquet', 'csv', 'jsonl'];

/** The format of `path`: `override` (from `--format`) when given, else by extension; INVALID_REQUEST otherwise. */
export function formatOf(path: string, override?: string): RecordFormat {
  if (override !== undefined) {
    if ((FORMATS as readonly string[]).includes(override)) return override as RecordFormat;
    throw new BerthError('INVALID_REQUEST', `format ${override} is not one of: ${FORMATS.join(', ')}`);
  }
  const format = FORMAT_EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new BerthError(
      'INVALID_REQUEST',
      `cannot tell the format of ${path} from its extension; expected one of ${Object.keys(FORMAT_EXTENSIONS).join(', ')}, or give --format (${FORMATS.join(', ')})`,
    );
  }
  return format;
}

/**
 * A source over a local file in `format`. CSV and JSON Lines also take a factory of fresh streams,
 * and `kinds` (what the model expects) beats their inference; Parquet declares its own types and
 * needs random access, so it takes a path only.
 */
export function openSource(
  input: TextInput,
  format: RecordFormat,
  options: { readonly kinds?: ReadonlyMap<string, ColumnKindHint> } = {},
): RecordSource {
  switch (format) {
    case 'parquet':
      if (typeof input !== 'string') {
        throw new BerthError('INVALID_REQUEST', 'a Parquet source needs a local file path, not a stream');
      }
      return new ParquetSource(input);
    case 'csv':
      return new CsvSource(input, options.kinds);
    case 'jsonl':
      return new JsonlSource(input, options.kinds);
  }
}

/** A sink writing `format` to the local file `path`; `schema` fixes the columns, else the first batch does. */
export function openSink(
  path: string,
  format: RecordFormat,
  schema?: ReadonlyMap<string, Column['kind']>,
): RecordSink {
  switch (format) {
    case 'parquet':
      return new ParquetSink(path, schema ? { schema } : {});
    case 'csv':
      return csvSink(path, schema);
    case 'jsonl':
      return jsonlSink(path, schema);
  }
}
