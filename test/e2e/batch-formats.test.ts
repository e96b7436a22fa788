/**
 * `berth batch` as users run it: the real binary over Parquet and CSV parts in a local store, with
 * the real readers and writers, checked against the model's reference numbers per key.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ParquetSink } from '../../src/jobs/batch/formats/parquet-sink.js';
import { ParquetSource } from '../../src/jobs/batch/formats/parquet-source.js';
import type { Column, RecordBatch } from '../../src/jobs/batch/records.js';
import { denseReluModel } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer } from '../support/spawn-server.js';
import { featuresOf, IN, OUT, referenceOf, SEED } from '../unit/jobs/batch/batch-harness.js';
import { runBerth } from '../support/run-berth.js';

const berth = (...args: string[]) => runBerth(args, { BERTH_LOG_LEVEL: 'warn' });

/** A batch of rows `ids` with scalar feature columns f0..f3, as a data engineer's table has them. */
function featureBatch(ids: number[]): RecordBatch {
  const columns = new Map<string, Column>([['id', { kind: 'number', values: Float64Array.from(ids) }]]);
  for (let f = 0; f < IN; f++)
    columns.set(`f${f}`, { kind: 'number', values: Float64Array.from(ids, (id) => featuresOf(id)[f]!) });
  return { rows: ids.length, columns, firstRow: 0 };
}

function assertPredictions(rows: Array<{ id: number; y: number[] }>, ids: number[]): void {
  assert.deepEqual(
    rows.map((row) => row.id),
    ids,
  );
  for (const row of rows) {
    const expected = referenceOf(row.id);
    assert.equal(row.y.length, OUT);
    row.y.forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-5, `id ${row.id}`));
  }
}

describe('berth batch over real file formats', () => {
  let fixture: StoreFixture;
  let dir: string;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'dense', onnx: denseReluModel(IN, OUT, SEED) });
    dir = await mkdtemp(join(tmpdir(), 'berth-batch-e2e-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await fixture.cleanup();
  });

  it('Parquet parts in, Parquet parts out, keys passed through, in order', async () => {
    const input = join(dir, 'pq-in');
    const output = join(dir, 'pq-out');
    await mkdir(input);
    const parts = [Array.from({ length: 300 }, (_, i) => i), Array.from({ length: 123 }, (_, i) => 300 + i)];
    for (const [index, ids] of parts.entries()) {
      const sink = new ParquetSink(join(input, `part-${index}.parquet`), { rowGroupRows: 100 });
      await sink.write(featureBatch(ids));
      await sink.close();
    }
    const result = await berth(
      'batch',
      ...['--model', `${fixture.uri}/dense`, '--input', input, '--output', output],
      ...['--key', 'id', '--features', 'f0..f3', '--batch-rows', '64', '--cache-dir', fixture.cacheDir],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /423 rows in, 423 out, 0 rejected, 2 parts/);
    const names = (await readdir(output)).sort();
    assert.ok(
      names.includes('_SUCCESS') && names.includes('part-0.parquet') && names.includes('part-1.parquet'),
    );
    for (const [index, ids] of parts.entries()) {
      const rows: Array<{ id: number; y: number[] }> = [];
      for await (const batch of new ParquetSource(join(output, `part-${index}.parquet`)).batches({
        batchRows: 1000,
      })) {
        const id = batch.columns.get('id')!;
        const y = batch.columns.get('y')!;
        assert.equal(y.kind, 'list');
        for (let row = 0; row < batch.rows; row++) {
          const values = y.values as Float32Array;
          rows.push({
            id: Number((id.values as ArrayLike<number | bigint>)[row]),
            y: [...values.subarray(row * OUT, row * OUT + OUT)],
          });
        }
      }
      assertPredictions(rows, ids);
    }
  });

  it('publishes the Parquet predictions as a lookup model and serves them by key', async () => {
    const output = join(dir, 'pq-out');
    const published = await berth('lookup', 'publish', output, `${fixture.uri}/scores`, '--key', 'id');
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /423 keys from 423 rows in 2 parts/);
    const server = spawnServer(['--store', fixture.uri, '--model', 'scores'], {
      BERTH_CACHE_DIR: fixture.cacheDir,
    });
    try {
      const url = await server.url;
      await server.waitForLog('ready');
      const response = await fetch(`${url}/v2/models/scores/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'key', datatype: 'INT64', shape: [3], data: [7, 9999, 422] }],
        }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as {
        outputs: Array<{ name: string; shape: number[]; data: unknown[] }>;
      };
      const found = body.outputs.find((output) => output.name === 'found')!;
      assert.deepEqual(found.data, [true, false, true]);
      const y = body.outputs.find((output) => output.name === 'y')!;
      assert.deepEqual(y.shape, [3, OUT]);
      const values = y.data as number[];
      referenceOf(7).forEach((value, i) => assert.ok(Math.abs(value - values[i]!) < 1e-5));
      assert.deepEqual(values.slice(OUT, 2 * OUT), [0, 0, 0], 'a missing key answers zeros');
      referenceOf(422).forEach((value, i) => assert.ok(Math.abs(value - values[2 * OUT + i]!) < 1e-5));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('CSV in and out; a row the reader cannot parse goes to the rejects file with its key', async () => {
    const input = join(dir, 'csv-in');
    const output = join(dir, 'csv-out');
    await mkdir(input);
    const lines = ['id,f0,f1,f2,f3'];
    for (let id = 0; id < 50; id++) lines.push([id, ...featuresOf(id)].join(','));
    lines[11] = '10,0.5,abc,0.25,1'; // row of id 10: "abc" is no number
    await writeFile(join(input, 'part-0.csv'), `${lines.join('\n')}\n`);
    const result = await berth(
      'batch',
      ...['--model', `${fixture.uri}/dense`, '--input', input, '--output', output],
      ...['--key', 'id', '--features', 'f0..f3', '--cache-dir', fixture.cacheDir, '--max-rejects', '1'],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /50 rows in, 49 out, 1 rejected/);
    const rejects = (await readFile(join(output, '_rejects', 'part-0.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(rejects.length, 1);
    const reject = JSON.parse(rejects[0]!) as { row: number; keys: Record<string, unknown>; reason: string };
    assert.equal(reject.row, 10);
    assert.match(reject.reason, /abc/);
    const text = (await readFile(join(output, 'part-0.csv'), 'utf8')).trim().split('\n');
    assert.equal(text.length, 50, 'a header and 49 rows');
    assert.match(text[0]!, /^id,y$/);
  });
});
