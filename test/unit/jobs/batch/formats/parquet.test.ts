import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as arrow from 'apache-arrow';
import * as wasm from 'parquet-wasm/node';
import { ParquetSink } from '../../../../../src/jobs/batch/formats/parquet-sink.js';
import { ParquetSource } from '../../../../../src/jobs/batch/formats/parquet-source.js';
import type { Column, RecordBatch } from '../../../../../src/jobs/batch/records.js';
import { collect, tempDir, valuesOf } from './helpers.js';

function batchOf(columns: Record<string, Column>, rows: number, firstRow = 0): RecordBatch {
  return { rows, firstRow, columns: new Map(Object.entries(columns)) };
}

async function written(batches: readonly RecordBatch[], rowGroupRows?: number): Promise<string> {
  const path = join(await tempDir(), 'out.parquet');
  const sink = new ParquetSink(path, rowGroupRows === undefined ? {} : { rowGroupRows });
  for (const b of batches) await sink.write(b);
  await sink.close();
  return path;
}

describe('ParquetSource and ParquetSink', () => {
  it('keeps typed-array precision: FP32, FP64, INT32, INT64, booleans, strings, FP32 and FP64 lists', async () => {
    const path = await written([
      batchOf(
        {
          f32: { kind: 'number', values: new Float32Array([0.1, 2]) },
          f64: { kind: 'number', values: new Float64Array([0.1, 2]) },
          i32: { kind: 'number', values: new Int32Array([-7, 2 ** 31 - 1]) },
          i64: { kind: 'bigint', values: new BigInt64Array([2n ** 62n, -1n]) },
          ok: { kind: 'boolean', values: new Uint8Array([1, 0]) },
          s: { kind: 'string', values: ['é', null] },
          l32: { kind: 'list', values: new Float32Array([1, 2, 3, 4]), width: 2 },
          l64: { kind: 'list', values: new Float64Array([0.1, 0.2, 0.3, 0.4]), width: 2 },
        },
        2,
      ),
    ]);
    const source = new ParquetSource(path);
    assert.deepEqual(
      [...(await source.schema())],
      [
        ['f32', 'number'],
        ['f64', 'number'],
        ['i32', 'number'],
        ['i64', 'bigint'],
        ['ok', 'boolean'],
        ['s', 'string'],
        ['l32', 'list'],
        ['l64', 'list'],
      ],
    );
    const [batch] = await collect(source, { batchRows: 10 });
    const c = batch!.columns;
    assert.deepEqual(c.get('f32'), { kind: 'number', values: new Float32Array([0.1, 2]) });
    assert.deepEqual(c.get('f64'), { kind: 'number', values: new Float64Array([0.1, 2]) });
    assert.deepEqual(c.get('i32'), { kind: 'number', values: new Int32Array([-7, 2 ** 31 - 1]) });
    assert.deepEqual(c.get('i64'), { kind: 'bigint', values: new BigInt64Array([2n ** 62n, -1n]) });
    assert.deepEqual(c.get('ok'), { kind: 'boolean', values: new Uint8Array([1, 0]) });
    assert.deepEqual(c.get('s'), { kind: 'string', values: ['é', null] });
    assert.deepEqual(c.get('l32'), { kind: 'list', values: new Float32Array([1, 2, 3, 4]), width: 2 });
    assert.deepEqual(c.get('l64'), {
      kind: 'list',
      values: new Float64Array([0.1, 0.2, 0.3, 0.4]),
      width: 2,
    });
  });

  it('writes row groups of rowGroupRows and never yields a batch larger than batchRows', async () => {
    const batches = Array.from({ length: 5 }, (_, i) =>
      batchOf(
        { x: { kind: 'number', values: Float64Array.from({ length: 500 }, (_, r) => i * 500 + r) } },
        500,
        i * 500,
      ),
    );
    const path = await written(batches, 1000);
    const read = await collect(new ParquetSource(path), { batchRows: 400 });
    assert.ok(read.every((b) => b.rows <= 400));
    assert.deepEqual(
      read.map((b) => b.firstRow),
      [0, 400, 800, 1000, 1400, 1800, 2000, 2400],
    );
    assert.deepEqual(
      valuesOf(read, 'x'),
      Array.from({ length: 2500 }, (_, r) => r),
    );
  });

  it('writes nulls of a mixed column and reads them back as mixed', async () => {
    const path = await written([batchOf({ score: { kind: 'mixed', values: [1.5, null, 3] } }, 3)]);
    const [batch] = await collect(new ParquetSource(path), { batchRows: 10 });
    assert.deepEqual(batch!.columns.get('score'), { kind: 'mixed', values: [1.5, null, 3] });
  });

  it('refuses a null in a column the first batch made REQUIRED', async () => {
    const sink = new ParquetSink(join(await tempDir(), 'x.parquet'), { rowGroupRows: 1 });
    await sink.write(batchOf({ x: { kind: 'number', values: new Float64Array([1]) } }, 1));
    await assert.rejects(sink.write(batchOf({ x: { kind: 'mixed', values: [null] } }, 1)), {
      id: 'INVALID_REQUEST',
      message: /column x has a null at row 0/,
    });
    await sink.abort();
  });

  it('reports a file that is not Parquet with its path', async () => {
    const path = join(await tempDir(), 'fake.parquet');
    await writeFile(path, 'id,x\n1,2\n');
    await assert.rejects(new ParquetSource(path).schema(), (error: Error) => {
      assert.equal((error as { id?: string }).id, 'BAD_RECORD_FILE');
      assert.ok(error.message.startsWith(`${path} is not a Parquet file`));
      return true;
    });
  });

  // A second writer (arrow-rs through parquet-wasm), so the reader is not only self-consistent.
  it('reads a file written by parquet-wasm: nullable columns, strings and a fixed-size list', async () => {
    const vec = arrow.makeData({
      type: new arrow.FixedSizeList(2, new arrow.Field('item', new arrow.Float32(), false)),
      length: 3,
      nullCount: 0,
      child: arrow.makeData({
        type: new arrow.Float32(),
        length: 6,
        data: new Float32Array([1, 2, 3, 4, 5, 6]),
      }),
    });
    const table = new arrow.Table({
      id: arrow.makeVector(new BigInt64Array([10n, 11n, 12n])),
      x: arrow.vectorFromArray([0.5, null, 2.5], new arrow.Float64()),
      name: arrow.vectorFromArray(['a', 'b', null], new arrow.Utf8()),
      vec: arrow.makeVector(vec),
    });
    const bytes = wasm.writeParquet(wasm.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')));
    const path = join(await tempDir(), 'arrow.parquet');
    await writeFile(path, bytes);

    const source = new ParquetSource(path);
    assert.deepEqual(
      [...(await source.schema())],
      [
        ['id', 'bigint'],
        ['x', 'number'],
        ['name', 'string'],
        ['vec', 'list'],
      ],
    );
    const [batch] = await collect(source, { batchRows: 10 });
    assert.deepEqual(valuesOf([batch!], 'id'), [10n, 11n, 12n]);
    assert.deepEqual(batch!.columns.get('x'), { kind: 'mixed', values: [0.5, null, 2.5] });
    assert.deepEqual(batch!.columns.get('name'), { kind: 'string', values: ['a', 'b', null] });
    assert.deepEqual(batch!.columns.get('vec'), {
      kind: 'list',
      values: new Float32Array([1, 2, 3, 4, 5, 6]),
      width: 2,
    });
  });
});
