/**
 * The parts of a job's input: one file, or every file directly in a folder (prefix), sorted by
 * name, without names starting with `_` or `.` (markers, temp files). A shard takes every part
 * whose index is its own modulo the shard count, so n processes split a job with no coordination.
 */
import { BerthError } from '../../core/errors.js';
import type { ModelStore } from '../../storage/model-store.js';
import type { Shard } from './job-options.js';
import { formatOfName, outputNameFor } from './record-formats.js';
import type { RecordFormat } from './records.js';

/** One input part and the output part it becomes. */
export interface InputPart {
  /** Position among all parts of the job (not only this shard's), from 0. */
  readonly index: number;
  readonly name: string;
  /** Path inside the input store. */
  readonly path: string;
  readonly format: RecordFormat;
  readonly output: string;
  readonly outputFormat: RecordFormat;
}

/** Every part of the input, in name order; `file` names a single-file input inside `store`. */
export async function listInputParts(
  store: ModelStore,
  options: { readonly file?: string; readonly format?: RecordFormat; readonly outputFormat?: RecordFormat },
): Promise<InputPart[]> {
  const names =
    options.file !== undefined
      ? [options.file]
      : (await store.list(''))
          .filter((entry) => entry.type === 'file' && !/^[_.]/.test(entry.name))
          .map((entry) => entry.name)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new BerthError('BATCH_JOB_INVALID', `--input ${store.uri}: holds no part files`);
  }
  const outputs = new Map<string, string>();
  return names.map((name, index) => {
    const format = options.format ?? formatOfName(name);
    if (format === undefined) {
      throw new BerthError(
        'BATCH_JOB_INVALID',
        `--input part ${JSON.stringify(name)}: unknown extension; expected .parquet, .csv or .jsonl, or give --format`,
      );
    }
    const outputFormat = options.outputFormat ?? format;
    const output = outputNameFor(name, outputFormat);
    const clash = outputs.get(output);
    if (clash !== undefined) {
      throw new BerthError(
        'BATCH_JOB_INVALID',
        `--input parts ${JSON.stringify(clash)} and ${JSON.stringify(name)} would both write ${JSON.stringify(output)}`,
      );
    }
    outputs.set(output, name);
    return { index, name, path: name, format, output, outputFormat };
  });
}

/** This shard's share of the parts. */
export function partsOfShard(parts: readonly InputPart[], shard: Shard): InputPart[] {
  return parts.filter((part) => part.index % shard.count === shard.index);
}
