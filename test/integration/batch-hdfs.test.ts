/**
 * `berth batch` against a real HDFS: the model, the Parquet input parts and the output all live in
 * HDFS; the real binary stages each part through WebHDFS, predicts with the serving core and writes
 * the parts, markers and `_SUCCESS` back. A rerun finds every part finished.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { ParquetSink } from '../../src/jobs/batch/formats/parquet-sink.js';
import { ParquetSource } from '../../src/jobs/batch/formats/parquet-source.js';
import type { Column } from '../../src/jobs/batch/records.js';
import { publishVersion } from '../../src/repository/publish.js';
import { WebHdfsStore } from '../../src/storage/backends/webhdfs/webhdfs-store.js';
import { resolveStoreSettings } from '../../src/storage/store-settings-env.js';
import { denseReluModel } from '../fixtures/onnx/models.js';
import { featuresOf, IN, OUT, referenceOf, SEED } from '../unit/jobs/batch/batch-harness.js';
import { freshFolder, hdfsTestCluster, RawWebHdfs, RUN_FOLDER } from './support/webhdfs-test-cluster.js';

const cluster = hdfsTestCluster();
const skip = 'skip' in cluster ? cluster.skip : undefined;
const BIN = fileURLToPath(new URL('../../../bin/berth.js', import.meta.url));
const run = promisify(execFile);
const ENV = { BERTH_HDFS_USER: 'berth' };

describe('berth batch on a real HDFS', { skip }, () => {
  const local: string[] = [];
  after(async () => {
    if ('skip' in cluster) return;
    await new RawWebHdfs(cluster.webhdfs).remove(RUN_FOLDER).catch(() => undefined);
    await Promise.all(local.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reads Parquet parts from HDFS and writes predictions with keys back to HDFS', async () => {
    if ('skip' in cluster) return;
    const root = `webhdfs://${cluster.httpAddress}${freshFolder('batch')}`;
    const store = new WebHdfsStore(new URL(root), resolveStoreSettings(ENV, { requestTimeoutMs: 20_000 }));
    const scratch = await mkdtemp(join(tmpdir(), 'berth-batch-hdfs-'));
    local.push(scratch);
    await writeFile(join(scratch, 'model.onnx'), denseReluModel(IN, OUT, SEED));
    await publishVersion(store, 'models/dense', scratch, { lineage: { test: 'batch-hdfs' } });

    const parts = [Array.from({ length: 500 }, (_, i) => i), Array.from({ length: 250 }, (_, i) => 500 + i)];
    for (const [index, ids] of parts.entries()) {
      const file = join(scratch, `part-${index}.parquet`);
      const columns = new Map<string, Column>([
        ['id', { kind: 'bigint', values: BigInt64Array.from(ids, BigInt) }],
      ]);
      columns.set('x', { kind: 'list', width: IN, values: Float32Array.from(ids.flatMap(featuresOf)) });
      const sink = new ParquetSink(file);
      await sink.write({ rows: ids.length, columns, firstRow: 0 });
      await sink.close();
      const { createReadStream } = await import('node:fs');
      await store.write(`data/part-${index}.parquet`, createReadStream(file));
    }

    const args = [
      BIN,
      'batch',
      ...['--model', `${root}/models/dense`, '--input', `${root}/data/`, '--output', `${root}/preds/`],
      ...['--key', 'id', '--batch-rows', '128', '--cache-dir', join(scratch, 'cache')],
    ];
    const env = { ...process.env, ...ENV, BERTH_LOG_LEVEL: 'warn' };
    const first = await run(process.execPath, args, { env });
    assert.match(first.stdout, /750 rows in, 750 out, 0 rejected, 2 parts \(0 skipped\)/);

    const names = (await store.list('preds')).map((entry) => entry.name);
    for (const name of ['_SUCCESS', 'part-0.parquet', 'part-1.parquet'])
      assert.ok(names.includes(name), name);
    const success = JSON.parse(await readText(store, 'preds/_SUCCESS')) as Record<string, unknown>;
    assert.ok(JSON.stringify(success).includes('750'), 'row counts in _SUCCESS');

    for (const [index, ids] of parts.entries()) {
      const copy = join(scratch, `out-${index}.parquet`);
      const { createWriteStream } = await import('node:fs');
      const { pipeline } = await import('node:stream/promises');
      await pipeline(await store.read(`preds/part-${index}.parquet`), createWriteStream(copy));
      const seen: number[] = [];
      for await (const batch of new ParquetSource(copy).batches({ batchRows: 10_000 })) {
        const id = batch.columns.get('id')!.values as BigInt64Array;
        const y = batch.columns.get('y')!.values as Float32Array;
        for (let row = 0; row < batch.rows; row++) {
          const key = Number(id[row]);
          seen.push(key);
          referenceOf(key).forEach((value, i) =>
            assert.ok(Math.abs(value - y[row * OUT + i]!) < 1e-5, `id ${key} output ${i}`),
          );
        }
      }
      assert.deepEqual(seen, ids, 'every key once, in input order');
    }

    const again = await run(process.execPath, args, { env });
    assert.match(again.stdout, /0 rows in, 0 out, 0 rejected, 2 parts \(2 skipped\)/);
  });
});

async function readText(store: WebHdfsStore, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(path)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}
