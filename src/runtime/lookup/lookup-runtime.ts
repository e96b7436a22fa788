/**
 * The `lookup` runtime: serves a table of precomputed predictions by key. Input `key` (INT64 or
 * BYTES, [-1]); outputs are the value columns ([-1] or [-1, N]) and `found` (BOOL, [-1]). A missing
 * key answers found=false and zeros, so a batch with unknown keys still answers every row.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../core/errors.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { Tensor, TensorSpec } from '../../core/tensor.js';
import type { LoadedModel, LoadedModelMetadata, Runtime } from '../runtime.js';
import { decodeLookupTable, findRows, type LookupColumn, type LookupTable } from './lookup-file.js';

/** Loads `lookup.bin` tables (berth.yaml `runtime: lookup`). */
export class LookupRuntime implements Runtime {
  readonly name = 'lookup';

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    const path = join(dir, config.model_file);
    const bytes = await readFile(path).catch((error: unknown) => {
      throw new BerthError(
        'MODEL_LOAD_FAILED',
        `${path}: cannot read the lookup table (${(error as NodeJS.ErrnoException).code})`,
        { cause: error },
      );
    });
    return new LookupModel(decodeLookupTable(bytes, path));
  }
}

class LookupModel implements LoadedModel {
  readonly metadata: LoadedModelMetadata;
  #table: LookupTable | undefined;

  constructor(table: LookupTable) {
    this.#table = table;
    const outputs: TensorSpec[] = table.columns.map((column) => ({
      name: column.name,
      datatype: column.datatype,
      shape: column.width === 0 ? [-1] : [-1, column.width],
    }));
    outputs.push({ name: 'found', datatype: 'BOOL', shape: [-1] });
    this.metadata = {
      platform: 'berth_lookup',
      inputs: [{ name: 'key', datatype: table.keys.kind, shape: [-1] }],
      outputs,
    };
  }

  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputNames: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Tensor>> {
    const table = this.#table;
    if (table === undefined) throw new BerthError('MODEL_NOT_READY', 'lookup model is unloaded');
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the run was cancelled before it started');
    const key = inputs.get('key');
    if (key === undefined) throw new BerthError('MISSING_INPUT', 'input "key" is missing');
    const keys = key.data as BigInt64Array | Uint8Array[];
    const rows = new Int32Array(keys.length);
    findRows(table.keys, keys, rows);
    const result = new Map<string, Tensor>();
    for (const name of outputNames) {
      if (name === 'found') {
        const found = Uint8Array.from(rows, (row) => (row >= 0 ? 1 : 0));
        result.set(name, { name, datatype: 'BOOL', shape: [rows.length], data: found });
        continue;
      }
      const column = table.columns.find((candidate) => candidate.name === name);
      if (column === undefined) throw new BerthError('INTERNAL', `lookup output ${name} is unknown`);
      const width = Math.max(column.width, 1);
      const out = new (column.values.constructor as new (n: number) => LookupColumn['values'])(
        rows.length * width,
      );
      copyRows(column.values, out, rows, width);
      const shape = column.width === 0 ? [rows.length] : [rows.length, column.width];
      result.set(name, { name, datatype: column.datatype, shape, data: out });
    }
    return result;
  }

  async dispose(): Promise<void> {
    this.#table = undefined; // the views go with the file's buffer
  }
}

/**
 * Copies row `rows[i]` of `from` to row i of `to` (width elements each), leaving missing rows zero.
 * Element by element, since a subarray per row allocates an object per key; INT64 columns move as
 * 32-bit halves, since reading a BigInt64Array element allocates a BigInt.
 */
function copyRows(
  from: LookupColumn['values'],
  to: LookupColumn['values'],
  rows: Int32Array,
  width: number,
): void {
  const halves = from instanceof BigInt64Array ? 2 : 1;
  const source =
    halves === 2 ? new Int32Array(from.buffer, from.byteOffset, from.length * 2) : (from as Float64Array);
  const target =
    halves === 2 ? new Int32Array(to.buffer, to.byteOffset, to.length * 2) : (to as Float64Array);
  const step = width * halves;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row < 0) continue;
    for (let j = 0; j < step; j++) target[i * step + j] = source[row * step + j]!;
  }
}
