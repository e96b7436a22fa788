import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { DATATYPES, type Tensor } from '../../../src/core/tensor.js';
import { OnnxRuntime, type OnnxLoadedModel } from '../../../src/runtime/onnx/onnx-runtime.js';
import { prepareInput, toOrtTensor } from '../../../src/runtime/onnx/tensor-convert.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';
import * as models from '../../fixtures/onnx/models.js';
import {
  assertClose,
  assertSameTensor,
  config,
  EXECUTIONS,
  fp32,
  infer,
  ModelFiles,
  rejectsWith,
  sampleData,
  STRINGS,
  tensor,
} from './helpers.js';

// One core whatever the machine, so each load starts one instance (a worker takes ~80 ms to start).
const runtime = new OnnxRuntime({ cores: 1 });
const files = new ModelFiles();
const loaded: LoadedModel[] = [];
const utf8 = new TextEncoder();

afterEach(async () => {
  await Promise.all(loaded.splice(0).map((model) => model.dispose()));
});
after(() => files.cleanUp());

// Every behaviour below holds for both places a run can execute.
for (const execution of EXECUTIONS) {
  async function load(bytes: Uint8Array, values: Record<string, unknown> = {}): Promise<LoadedModel> {
    const model = await runtime.load(await files.write(bytes), config({ execution, ...values }));
    loaded.push(model);
    return model;
  }

  describe(`OnnxRuntime (${execution}) fixtures give correct results`, () => {
    for (const datatype of DATATYPES) {
      it(`identity ${datatype} round-trips exactly`, async () => {
        const model = await load(models.identityModel(datatype));
        assert.deepEqual(model.metadata.inputs, [{ name: 'input', datatype, shape: [-1, 2, 3] }]);
        assert.deepEqual(model.metadata.outputs, [{ name: 'output', datatype, shape: [-1, 2, 3] }]);
        const input = tensor('input', datatype, [2, 2, 3], sampleData(datatype, 12));
        const output = (await infer(model, [input])).get('output');
        assertSameTensor(output, { ...input, name: 'output' });
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

    it('reads input views at an offset into a larger buffer, leaving the caller its buffer', async () => {
      const model = await load(models.addModel());
      const body = new Float32Array(12).map((_, i) => i);
      const a = tensor('a', 'FP32', [1, 4], body.subarray(4, 8));
      const out = await infer(model, [a, fp32('b', [1, 4], [0, 0, 0, 0])]);
      assert.deepEqual(out.get('sum')?.data, Float32Array.of(4, 5, 6, 7));
      assert.equal(body.buffer.byteLength, 48, 'the request buffer is not detached');
      assert.deepEqual(
        body,
        new Float32Array(12).map((_, i) => i),
      );
    });
  });

  describe(`OnnxRuntime (${execution}) signature and config`, () => {
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
      await rejectsWith(load(bytes, { outputs: [{ name: 'total' }] }), 'BAD_MODEL_CONFIG', [
        "'total'",
        'sum',
      ]);
      await rejectsWith(load(bytes, { inputs: [{ name: 'a', datatype: 'INT32' }] }), 'BAD_MODEL_CONFIG', [
        'INT32',
      ]);
      await rejectsWith(load(bytes, { inputs: [{ name: 'b', shape: [-1, 5] }] }), 'BAD_MODEL_CONFIG', [
        "'b'",
      ]);
    });

    it('accepts every thread setting, including runtime defaults and spinning', async () => {
      const model = await load(models.addModel(), { threads: { intra_op: 0, inter_op: 0, spinning: true } });
      const out = await infer(model, [fp32('a', [1, 4], [1, 1, 1, 1]), fp32('b', [1, 4], [1, 1, 1, 1])]);
      assert.deepEqual(out.get('sum')?.data, Float32Array.of(2, 2, 2, 2));
    });

    it('defaults instances from the cores and reports its concurrency', async () => {
      const model = (await new OnnxRuntime({ cores: 2 }).load(
        await files.write(models.addModel()),
        config({ execution }),
      )) as OnnxLoadedModel;
      loaded.push(model);
      assert.equal(model.execution, execution);
      // 2 cores ÷ 1 intra-op thread on workers; inline runs serialise, so one session.
      assert.equal(model.instances, execution === 'worker' ? 2 : 1);
      assert.equal(model.concurrency, execution === 'worker' ? 2 : 1);
      const override = (await new OnnxRuntime({ cores: 2, instances: 3 }).load(
        await files.write(models.addModel()),
        config({ execution, instances: 1 }),
      )) as OnnxLoadedModel;
      loaded.push(override);
      assert.equal(override.instances, 3, 'the server override wins over berth.yaml');
    });
  });

  describe(`OnnxRuntime (${execution}) failures and lifecycle`, () => {
    it('fails to load a corrupted, truncated or missing file, naming it', async () => {
      const base = config({ execution });
      const garbage = await files.write(utf8.encode('this is not a protobuf'));
      await rejectsWith(runtime.load(garbage, base), 'MODEL_LOAD_FAILED', [join(garbage, 'model.onnx')]);
      const full = models.mlpModel([32, 16, 1], 5);
      const truncated = await files.write(full.subarray(0, full.length - 100));
      await rejectsWith(runtime.load(truncated, base), 'MODEL_LOAD_FAILED', [join(truncated, 'model.onnx')]);
      const missing = { ...base, model_file: 'absent.onnx' };
      await rejectsWith(runtime.load(garbage, missing), 'MODEL_LOAD_FAILED', [join(garbage, 'absent.onnx')]);
    });

    it('wraps runtime errors and refuses bytes ONNX strings cannot hold', async () => {
      const fixed = await load(models.fixedBatchModel());
      await rejectsWith(infer(fixed, [fp32('x', [3, 3], Array(9).fill(0))]), 'INFERENCE_FAILED', [
        'ONNX Runtime failed to run the model',
        'x',
      ]);
      const strings = await load(models.identityModel('BYTES'));
      const bad = (element: Uint8Array): Tensor =>
        tensor('input', 'BYTES', [1, 2, 3], [element, ...Array.from({ length: 5 }, () => utf8.encode('ok'))]);
      await rejectsWith(infer(strings, [bad(Uint8Array.of(0xff, 0xfe))]), 'INPUT_DATA', ["'input'", 'UTF-8']);
      await rejectsWith(infer(strings, [bad(utf8.encode('a\0b'))]), 'INPUT_DATA', ['NUL']);
      await rejectsWith(infer(fixed, [fp32('x', [2, 3], [1, 2])]), 'INPUT_SHAPE', ["'x'"]);
      // The model still serves after each failure.
      const out = await infer(fixed, [fp32('x', [2, 3], [0, 0, 0, 0, 0, 0])]);
      assert.deepEqual(out.get('y')?.data, Float32Array.of(1, 1, 1, 1, 1, 1));
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
      const model = await runtime.load(await files.write(models.addModel()), config({ execution }));
      const started = infer(model, [fp32('a', [1, 4], [1, 2, 3, 4]), fp32('b', [1, 4], [1, 2, 3, 4])]);
      await model.dispose();
      assert.deepEqual((await started).get('sum')?.data, Float32Array.of(2, 4, 6, 8));
      await rejectsWith(infer(model, [fp32('a', [1, 4], [0, 0, 0, 0])]), 'MODEL_NOT_READY');
      await model.dispose();
    });
  });
}

describe('tensor-convert', () => {
  it('hands numeric data to ONNX Runtime without a copy', () => {
    const body = new Float32Array(12);
    const a = tensor('a', 'FP32', [1, 4], body.subarray(4, 8));
    assert.equal(toOrtTensor(prepareInput(a)).data, a.data);
  });
});
