/**
 * How the batch runner opens parts: an injected factory, so the Parquet, CSV and JSON Lines readers
 * and writers (formats/) plug in without the runner knowing any file format.
 */
import { BerthError } from '../../core/errors.js';
import type { ModelStore } from '../../storage/model-store.js';
import type { RecordFormat, RecordSink, RecordSource } from './records.js';

/** Opens a reader for one input part and a writer for one output part, both at a store path. */
export interface RecordFormats {
  openSource(store: ModelStore, path: string, format: RecordFormat): RecordSource;
  /** The sink writes `path` only; the runner writes it under a temp name and renames it. */
  openSink(store: ModelStore, path: string, format: RecordFormat): RecordSink;
}

const EXTENSIONS: Readonly<Record<string, RecordFormat>> = {
  parquet: 'parquet',
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

/** The format a file name's extension names, or undefined. */
export function formatOfName(name: string): RecordFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? EXTENSIONS[name.slice(dot + 1).toLowerCase()] : undefined;
}

/** Parses a `--format` / `--output-format` value. */
export function parseRecordFormat(value: string, flag: string): RecordFormat {
  const format = EXTENSIONS[value.toLowerCase()];
  if (format === undefined) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `${flag} ${JSON.stringify(value)}: expected parquet, csv or jsonl`,
    );
  }
  return format;
}

/** `part-0001.parquet` written as jsonl is `part-0001.jsonl`. */
export function outputNameFor(inputName: string, format: RecordFormat): string {
  const dot = inputName.lastIndexOf('.');
  const base = dot > 0 ? inputName.slice(0, dot) : inputName;
  return `${base}.${format}`;
}
