import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Column, RecordBatch, RecordSource } from '../../../../../src/jobs/batch/records.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-formats-'));
  dirs.push(dir);
  return dir;
}

/** Every batch of `source`. */
export async function collect(
  source: RecordSource,
  options: { batchRows: number; columns?: readonly string[] },
): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of source.batches(options)) out.push(batch);
  return out;
}

/** The values of column `name` over all batches, as plain JS (lists as arrays of numbers). */
export function valuesOf(batches: readonly RecordBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const batch of batches) {
    const column = batch.columns.get(name);
    if (column === undefined) throw new Error(`no column ${name}`);
    for (let r = 0; r < batch.rows; r += 1) out.push(valueAt(column, r));
  }
  return out;
}

function valueAt(column: Column, row: number): unknown {
  if (column.kind === 'list')
    return Array.from(column.values.subarray(row * column.width, (row + 1) * column.width));
  if (column.kind === 'boolean') return column.values[row] === 1;
  return column.values[row];
}

/** A batch of `rows` rows from `firstRow`: id, a FP32 feature, a double, a flag, a name and a 3-wide vector. */
export function sampleBatch(firstRow: number, rows: number): RecordBatch {
  const ids = new Float64Array(rows);
  const f32 = new Float32Array(rows);
  const flag = new Uint8Array(rows);
  const names: string[] = [];
  const vec = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r += 1) {
    const i = firstRow + r;
    ids[r] = i;
    f32[r] = i / 4; // exact in FP32 and as decimal text
    flag[r] = i % 2;
    names.push(i % 7 === 0 ? `name, "quoted"\n${i}` : `n${i}`);
    vec.set([i, -i - 1, i + 0.5], r * 3);
  }
  return {
    rows,
    firstRow,
    columns: new Map<string, Column>([
      ['id', { kind: 'number', values: ids }],
      ['f', { kind: 'number', values: f32 }],
      ['flag', { kind: 'boolean', values: flag }],
      ['name', { kind: 'string', values: names }],
      ['vec', { kind: 'list', values: vec, width: 3 }],
    ]),
  };
}
