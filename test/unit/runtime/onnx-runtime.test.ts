import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { BerthError, type ErrorId } from '../../../src/core/errors.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import {
  allocateData,
  DATATYPES,
  type DataType,
  type Tensor,
  type TensorData,
} from '../../../src/core/tensor.js';
import { OnnxRuntime, type OnnxLoadedModel } from '../../../src/runtime/onnx/onnx-runtime.js';
import { toOrtTensor } from '../../../src/runtime/onnx/tensor-convert.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';
import * as models from '../../fixtures/onnx/models.js';

const runtime = new OnnxRuntime();
const dirs: string[] = [];
const loaded: LoadedModel[] = [];
const utf8 = new TextEncoder();

afterEach(async () => {
  await Promise.all(loaded.splice(0).map((model) => model.dispose()));
});
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function writeModel(bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-onnx-'));
  dirs.push(dir);
  await writeFile(join(dir, 'model.onnx'), bytes);
  return dir;
}

async function load(bytes: Uint8Array, config: Record<string, unknown> = {}): Promise<LoadedModel> {
  const model = await runtime.load(await writeModel(bytes), modelConfigSchema.parse(config));
  loaded.push(model);
  return model;
}

function tensor(name: string, datatype: DataType, shape: number[], data: TensorData): Tensor {
  return { name, datatype, shape, data };
}

function fp32(name: string, shape: number[], values: number[]): Tensor {
  return tensor(name, 'FP32', shape, Float32Array.from(values));
}

async function infer(
  model: LoadedModel,
  inputs: Tensor[],
  outputs: string[] = [],
): Promise<Map<string, Tensor>> {
  return model.infer(new Map(inputs.map((t) => [t.name, t])), outputs);
}

async function rejectsWith(promise: Promise<unknown>, id: ErrorId, mentions: string[] = []): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    assert.equal(error.id, id, error.message);
    for (const text of mentions)
      assert.ok(error.message.includes(text), `'${error.message}' should name ${text}`);
    return true;
  });
}

function assertClose(actual: TensorData, expected: Float32Array, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((value, i) => {
    const got = Number((actual as Float32Array)[i]);
    assert.ok(Math.abs(got - value) <= tolerance, `element ${i}: ${got} vs ${value}`);
  });
}

// Edge values per datatype (extremes, -0, infinities, NaN, subnormals) that must survive exactly.
const EDGES: Record<Exclude<DataType, 'BYTES'>, ArrayLike<number | bigint>> = {
  BOOL: [1, 0, 0, 1],
  UINT8: [0, 1, 128, 255],
  UINT16: [0, 1, 32768, 65535],
  UINT32: [0, 1, 2 ** 31, 2 ** 32 - 1],
  UINT64: [0n, 1n, 2n ** 63n, 2n ** 64n - 1n],
  INT8: [-128, -1, 0, 127],
  INT16: [-32768, -1, 0, 32767],
  INT32: [-(2 ** 31), -1, 0, 2 ** 31 - 1],
  INT64: [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n],
  FP16: [0x3c00, 0x8000, 0x7c00, 0xfc00, 0x0001, 0x7e00],
  FP32: [1.5, -0, Infinity, -Infinity, 1e-45, NaN, 3.4028234663852886e38],
  FP64: [Math.PI, -0, Infinity, -Infinity, 5e-324, NaN, Number.MAX_VALUE],
};
const STRINGS = ['', 'a', 'héllo', '€', '🙂', 'two words'];

function sampleData(datatype: DataType, count: number): TensorData {
  if (datatype === 'BYTES')
    return Array.from({ length: count }, (_, i) => utf8.encode(STRINGS[i % STRINGS.length]));
  const data = allocateData(datatype, count) as unknown as { [i: number]: number | bigint };
  const edges = EDGES[datatype];
  for (let i = 0; i < count; i++) data[i] = edges[i % edges.length] as number | bigint;
  return data as unknown as TensorData;
}

function bytesOf(data: TensorData): Buffer {
  const view = data as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

describe('OnnxRuntime fixtures give correct results', () => {
  for (const datatype of DATATYPES) {
    it(`identity ${datatype} round-trips exactly`, async () => {
      const model = await load(models.identityModel(datatype));
      assert.deepEqual(model.metadata.inputs, [{ name: 'input', datatype, shape: [-1, 2, 3] }]);
      assert.deepEqual(model.metadata.outputs, [{ name: 'output', datatype, shape: [-1, 2, 3] }]);
      const input = tensor('input', datatype, [2, 2, 3], sampleData(datatype, 12));
      const output = (await infer(model, [input])).get('output');
      assert.ok(output);
      assert.equal(output.datatype, datatype);
      assert.deepEqual(output.shape, [2, 2, 3]);
      if (datatype === 'BYTES') assert.deepEqual(output.data, input.data);
      else {
        assert.equal(output.data.constructor, input.data.constructor);
        assert.ok(bytesOf(output.data).equals(bytesOf(input.data)), 'the bits differ');
      }
    });
  }

  it('add sums element-wise', async () => {
    const model = await load(models.addModel());
    const out = await infer(model, [fp32('a', [1, 4], [1, 2, 3, 4]), fp32('b', [1, 4], [10, 20, 30, 40])]);
    assert.deepEqual(out.get('sum')?.data, Float32Array.of(11, 22, 33, 44));
  });

  it('dense relu matches the TypeScript reference', async () => {
    const model = await load(models.denseReluModel(6, 5, 11));
    const input = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i) * 2);
    const out = (await infer(model, [tensor('x', 'FP32', [3, 6], input)])).get('y');
    assert.deepEqual(out?.shape, [3, 5]);
    const expected = models.denseReference(models.denseReluWeights(6, 5, 11), input, 'relu');
    assert.ok(
      expected.some((v) => v === 0) && expected.some((v) => v > 0),
      'the sample should hit both relu sides',
    );
    assertClose(out?.data ?? [], expected, 1e-6);
  });

  it('multi-io returns both outputs, or only those requested', async () => {
    const model = await load(models.multiIoModel());
    const inputs = [
      fp32('features', [2, 3], [1, 2, 3, 4, 5, 6]),
      tensor('scale', 'INT64', [2, 1], BigInt64Array.of(2n, -1n)),
    ];
    const both = await infer(model, inputs);
    assert.deepEqual(both.get('scaled')?.data, Float32Array.of(2, 4, 6, -4, -5, -6));
    assert.deepEqual(both.get('doubled')?.data, BigInt64Array.of(4n, -2n));
    const one = await infer(model, inputs, ['doubled']);
    assert.deepEqual([...one.keys()], ['doubled']);
  });

  it('strings pass through next to numbers', async () => {
    const model = await load(models.stringInputModel());
    const text = STRINGS.slice(1, 4).map((s) => utf8.encode(s));
    const out = await infer(model, [tensor('text', 'BYTES', [3], text), fp32('value', [3], [1, -2, 0.5])]);
    assert.deepEqual(out.get('echo'), { name: 'echo', datatype: 'BYTES', shape: [3], data: text });
    assert.deepEqual(out.get('count')?.data, BigInt64Array.of(3n));
    assert.deepEqual(out.get('negated')?.data, Float32Array.of(-1, 2, -0.5));
  });

  it('the MLP matches mlpReference within 1e-5', async () => {
    const sizes = [32, 16, 8, 1];
    const model = await load(models.mlpModel(sizes, 42));
    const input = Float32Array.from({ length: 5 * 32 }, (_, i) => Math.cos(i * 0.37));
    const out = (await infer(model, [tensor('features', 'FP32', [5, 32], input)])).get('score');
    assert.deepEqual(out?.shape, [5, 1]);
    assertClose(out?.data ?? [], models.mlpReference(models.mlpWeights(sizes, 42), input), 1e-5);
  });

  it('reads input views at an offset into a larger buffer (as a binary request body)', async () => {
    const model = await load(models.addModel());
    const body = new Float32Array(12).map((_, i) => i);
    const a = tensor('a', 'FP32', [1, 4], body.subarray(4, 8));
    const out = await infer(model, [a, fp32('b', [1, 4], [0, 0, 0, 0])]);
    assert.deepEqual(out.get('sum')?.data, Float32Array.of(4, 5, 6, 7));
    assert.equal(toOrtTensor(a).data, a.data, 'numeric data is handed over without a copy');
  });
});

describe('OnnxRuntime signature and config', () => {
  it('reports -1 for dynamic dimensions and keeps fixed ones', async () => {
    const dynamic = await load(models.mlpModel([32, 1], 1));
    assert.deepEqual(dynamic.metadata, {
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 32] }],
      outputs: [{ name: 'score', datatype: 'FP32', shape: [-1, 1] }],
    });
    const fixed = await load(models.fixedBatchModel());
    assert.deepEqual(fixed.metadata.inputs, [{ name: 'x', datatype: 'FP32', shape: [2, 3] }]);
    const out = await infer(fixed, [fp32('x', [2, 3], [0, 1, 2, 3, 4, 5])]);
    assert.deepEqual(out.get('y')?.data, Float32Array.of(1, 2, 3, 4, 5, 6));
  });

  it('applies berth.yaml overrides', async () => {
    const model = await load(models.identityModel('FP32'), {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [8, 2, 3] }],
      outputs: [{ name: 'output', shape: [8, 2, 3] }],
    });
    assert.deepEqual(model.metadata.inputs[0]?.shape, [8, 2, 3]);
    assert.deepEqual(model.metadata.outputs[0]?.shape, [8, 2, 3]);
  });

  it('rejects overrides that name no tensor or contradict the model', async () => {
    const bytes = models.addModel();
    await rejectsWith(load(bytes, { inputs: [{ name: 'nope' }] }), 'BAD_MODEL_CONFIG', ["'nope'", 'a, b']);
    await rejectsWith(load(bytes, { outputs: [{ name: 'total' }] }), 'BAD_MODEL_CONFIG', ["'total'", 'sum']);
    await rejectsWith(load(bytes, { inputs: [{ name: 'a', datatype: 'INT32' }] }), 'BAD_MODEL_CONFIG', [
      'INT32',
    ]);
    await rejectsWith(load(bytes, { inputs: [{ name: 'b', shape: [-1, 5] }] }), 'BAD_MODEL_CONFIG', ["'b'"]);
  });

  it('accepts every thread setting, including runtime defaults and spinning', async () => {
    const model = await load(models.addModel(), { threads: { intra_op: 0, inter_op: 0, spinning: true } });
    const out = await infer(model, [fp32('a', [1, 4], [1, 1, 1, 1]), fp32('b', [1, 4], [1, 1, 1, 1])]);
    assert.deepEqual(out.get('sum')?.data, Float32Array.of(2, 2, 2, 2));
  });
});

describe('OnnxRuntime failures and lifecycle', () => {
  it('fails to load a corrupted, truncated or missing file, naming it', async () => {
    const config = modelConfigSchema.parse({});
    const garbage = await writeModel(utf8.encode('this is not a protobuf'));
    await rejectsWith(runtime.load(garbage, config), 'MODEL_LOAD_FAILED', [join(garbage, 'model.onnx')]);
    const full = models.mlpModel([32, 16, 1], 5);
    const truncated = await writeModel(full.subarray(0, full.length - 100));
    await rejectsWith(runtime.load(truncated, config), 'MODEL_LOAD_FAILED', [join(truncated, 'model.onnx')]);
    const missing = { ...config, model_file: 'absent.onnx' };
    await rejectsWith(runtime.load(garbage, missing), 'MODEL_LOAD_FAILED', [join(garbage, 'absent.onnx')]);
  });

  it('wraps runtime errors and refuses bytes ONNX strings cannot hold', async () => {
    const fixed = await load(models.fixedBatchModel());
    await rejectsWith(infer(fixed, [fp32('x', [3, 3], Array(9).fill(0))]), 'INFERENCE_FAILED', ['x']);
    const strings = await load(models.identityModel('BYTES'));
    const bad = (element: Uint8Array): Tensor =>
      tensor('input', 'BYTES', [1, 2, 3], [element, ...Array.from({ length: 5 }, () => utf8.encode('ok'))]);
    await rejectsWith(infer(strings, [bad(Uint8Array.of(0xff, 0xfe))]), 'INPUT_DATA', ["'input'", 'UTF-8']);
    await rejectsWith(infer(strings, [bad(utf8.encode('a\0b'))]), 'INPUT_DATA', ['NUL']);
    await rejectsWith(infer(fixed, [fp32('x', [2, 3], [1, 2])]), 'INPUT_SHAPE', ["'x'"]);
  });

  it('spreads runs over several instances', async () => {
    const model = await load(models.addModel(), { instances: 3 });
    assert.equal((model as OnnxLoadedModel).instances, 3);
    const runs = Array.from({ length: 7 }, (_, i) =>
      infer(model, [fp32('a', [1, 4], [i, i, i, i]), fp32('b', [1, 4], [1, 2, 3, 4])]),
    );
    const sums = await Promise.all(runs);
    sums.forEach((out, i) =>
      assert.deepEqual(out.get('sum')?.data, Float32Array.of(i + 1, i + 2, i + 3, i + 4)),
    );
  });

  it('honours an aborted signal before running', async () => {
    const model = await load(models.addModel());
    const inputs = new Map([['a', fp32('a', [1, 4], [1, 2, 3, 4])]]);
    await rejectsWith(model.infer(inputs, ['sum'], AbortSignal.abort()), 'CANCELLED');
  });

  it('dispose lets started runs finish, then refuses new ones', async () => {
    const model = await runtime.load(await writeModel(models.addModel()), modelConfigSchema.parse({}));
    const started = infer(model, [fp32('a', [1, 4], [1, 2, 3, 4]), fp32('b', [1, 4], [1, 2, 3, 4])]);
    await model.dispose();
    assert.deepEqual((await started).get('sum')?.data, Float32Array.of(2, 4, 6, 8));
    await rejectsWith(infer(model, [fp32('a', [1, 4], [0, 0, 0, 0])]), 'MODEL_NOT_READY');
    await model.dispose();
  });
});
