import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { modelConfigSchema } from '../../../../src/core/model-config.js';
import type { Tensor } from '../../../../src/core/tensor.js';
import { LookupTableBuilder } from '../../../../src/jobs/lookup/table-builder.js';
import { writeLookupFolder } from '../../../../src/jobs/lookup/publish-lookup.js';
import { LookupRuntime } from '../../../../src/runtime/lookup/lookup-runtime.js';
import { RuntimeByConfig } from '../../../../src/runtime/runtime-by-config.js';
import type { LoadedModel, Runtime } from '../../../../src/runtime/runtime.js';
import { berthError } from '../../../support/store-assertions.js';

const dirs: string[] = [];
const config = modelConfigSchema.parse({ runtime: 'lookup', model_file: 'lookup.bin' });

/** A folder holding a table of ids 1..3 with a scalar and a list column. */
async function tableDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lookup-rt-'));
  dirs.push(dir);
  const builder = new LookupTableBuilder('id', 'error');
  builder.add(
    {
      rows: 3,
      firstRow: 0,
      columns: new Map([
        ['id', { kind: 'bigint', values: BigInt64Array.of(3n, 1n, 2n) }],
        ['score', { kind: 'number', values: Float32Array.of(0.5, 0.25, 0.75) }],
        ['vec', { kind: 'list', values: Float64Array.of(3, 30, 1, 10, 2, 20), width: 2 }],
        ['clicks', { kind: 'bigint', values: BigInt64Array.of(-(2n ** 40n), 1n, 2n) }],
      ]),
    },
    'part-0.jsonl',
  );
  await writeLookupFolder(dir, builder.build());
  return dir;
}

const keys = (...values: bigint[]): Map<string, Tensor> =>
  new Map([
    ['key', { name: 'key', datatype: 'INT64', shape: [values.length], data: BigInt64Array.from(values) }],
  ]);

describe('LookupRuntime', () => {
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const runtime = new LookupRuntime();

  it('declares input key and outputs per value column plus found', async () => {
    const model = await runtime.load(await tableDir(), config);
    assert.deepEqual(model.metadata.inputs, [{ name: 'key', datatype: 'INT64', shape: [-1] }]);
    assert.deepEqual(model.metadata.outputs, [
      { name: 'score', datatype: 'FP32', shape: [-1] },
      { name: 'vec', datatype: 'FP64', shape: [-1, 2] },
      { name: 'clicks', datatype: 'INT64', shape: [-1] },
      { name: 'found', datatype: 'BOOL', shape: [-1] },
    ]);
    await model.dispose();
  });

  it('answers the values by key, found=false and zeros for missing keys', async () => {
    const model = await runtime.load(await tableDir(), config);
    const out = await model.infer(keys(2n, 9n, 3n), ['score', 'vec', 'clicks', 'found']);
    assert.deepEqual([...(out.get('clicks')!.data as BigInt64Array)], [2n, 0n, -(2n ** 40n)]);
    assert.deepEqual([...(out.get('found')!.data as Uint8Array)], [1, 0, 1]);
    assert.deepEqual([...(out.get('score')!.data as Float32Array)], [0.75, 0, 0.5]);
    assert.deepEqual(out.get('vec')!.shape, [3, 2]);
    assert.deepEqual([...(out.get('vec')!.data as Float64Array)], [2, 20, 0, 0, 3, 30]);
    const only = await model.infer(keys(1n), ['found']);
    assert.deepEqual([...only.keys()], ['found']);
    await model.dispose();
  });

  it('refuses an aborted run with CANCELLED and runs after dispose with MODEL_NOT_READY', async () => {
    const model: LoadedModel = await runtime.load(await tableDir(), config);
    await assert.rejects(model.infer(keys(1n), ['found'], AbortSignal.abort()), berthError('CANCELLED'));
    await model.dispose();
    await assert.rejects(model.infer(keys(1n), ['found']), berthError('MODEL_NOT_READY', 'unloaded'));
    await model.dispose();
  });

  it('fails to load a missing or corrupt file with MODEL_LOAD_FAILED naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-lookup-rt-'));
    dirs.push(dir);
    await assert.rejects(runtime.load(dir, config), berthError('MODEL_LOAD_FAILED', join(dir, 'lookup.bin')));
    await writeFile(join(dir, 'lookup.bin'), 'garbage');
    await assert.rejects(runtime.load(dir, config), berthError('MODEL_LOAD_FAILED', join(dir, 'lookup.bin')));
  });
});

describe('RuntimeByConfig', () => {
  it('delegates by berth.yaml runtime and names a runtime it does not have', async () => {
    const seen: string[] = [];
    const fake = (name: string): Runtime => ({
      name,
      load: async () => {
        seen.push(name);
        return {} as LoadedModel;
      },
    });
    const runtime = new RuntimeByConfig({ onnx: fake('onnx'), lookup: fake('lookup') });
    await runtime.load('/d', modelConfigSchema.parse({ runtime: 'lookup' }));
    await runtime.load('/d', modelConfigSchema.parse({}));
    assert.deepEqual(seen, ['lookup', 'onnx']);
    await assert.rejects(
      new RuntimeByConfig({ onnx: fake('onnx') }).load('/d', modelConfigSchema.parse({ runtime: 'lookup' })),
      berthError('MODEL_LOAD_FAILED', '"lookup"'),
    );
  });
});
