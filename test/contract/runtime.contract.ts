/**
 * The one contract every Runtime and the LoadedModel it returns pass (ONNX Runtime inline and on
 * worker threads; other engines later). Models are the toy ONNX graphs built in TypeScript
 * (test/fixtures/onnx/), so every expected number comes from plain TypeScript maths.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { modelConfigSchema, type ModelConfig } from '../../src/core/model-config.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { LoadedModel, Runtime } from '../../src/runtime/runtime.js';
import { addModel, mlpModel, mlpReference, mlpWeights, multiIoModel } from '../fixtures/onnx/models.js';
import { berthError } from '../support/store-assertions.js';
import { ModelFiles } from '../unit/runtime/helpers.js';

/** What the suite needs to know of an implementation before it runs. */
export interface RuntimeTraits {
  /** berth.yaml values every load uses (e.g. `execution`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** `concurrency` of a model loaded with `instances: 2`. */
  readonly concurrencyOfTwoInstances: number;
  /** Set when runs never wait inside the model for an instance: the reason that case is skipped. */
  readonly noRunQueue?: string;
}

const LAYERS = [5, 8, 3];
const SEED = 23;

function fp32(name: string, shape: number[], values: ArrayLike<number>): Tensor {
  return { name, datatype: 'FP32', shape, data: Float32Array.from(values) };
}

function addInputs(rows: number, seed = 0): Map<string, Tensor> {
  const a = Array.from({ length: rows * 4 }, (_, i) => seed + i);
  return new Map([
    ['a', fp32('a', [rows, 4], a)],
    [
      'b',
      fp32(
        'b',
        [rows, 4],
        a.map((value) => value * 10),
      ),
    ],
  ]);
}

/** Registers the shared Runtime suite under `name`; `runtime` is shared by every case. */
export function runtimeContract(name: string, runtime: Runtime, traits: RuntimeTraits): void {
  const files = new ModelFiles();
  const loaded: LoadedModel[] = [];
  const config = (values: Record<string, unknown> = {}): ModelConfig =>
    modelConfigSchema.parse({ ...traits.config, ...values });
  const load = async (bytes: Uint8Array, values: Record<string, unknown> = {}): Promise<LoadedModel> => {
    const model = await runtime.load(await files.write(bytes), config(values));
    loaded.push(model);
    return model;
  };

  describe(`Runtime contract: ${name}`, () => {
    afterEach(async () => {
      await Promise.all(loaded.splice(0).map((model) => model.dispose()));
    });
    after(() => files.cleanUp());

    it('loads a toy model whose metadata matches the graph', async () => {
      const model = await load(multiIoModel());
      assert.deepEqual(model.metadata.inputs, [
        { name: 'features', datatype: 'FP32', shape: [-1, 3] },
        { name: 'scale', datatype: 'INT64', shape: [-1, 1] },
      ]);
      assert.deepEqual(model.metadata.outputs, [
        { name: 'scaled', datatype: 'FP32', shape: [-1, 3] },
        { name: 'doubled', datatype: 'INT64', shape: [-1, 1] },
      ]);
      assert.equal(typeof model.metadata.platform, 'string');
    });

    it('infers the numbers the TypeScript reference computes', async () => {
      const model = await load(mlpModel(LAYERS, SEED));
      const input = Float32Array.from({ length: 2 * LAYERS[0]! }, (_, i) => Math.cos(i));
      const outputs = await model.infer(new Map([['features', fp32('features', [2, 5], input)]]), ['score']);
      const output = outputs.get('score')!;
      assert.deepEqual(output.shape, [2, LAYERS.at(-1)]);
      const expected = mlpReference(mlpWeights(LAYERS, SEED), input);
      (output.data as Float32Array).forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-5));
    });

    it('runs a batch of N rows and answers row by row, only the outputs asked for', async () => {
      const model = await load(multiIoModel());
      for (const rows of [1, 7, 64]) {
        const features = Array.from({ length: rows * 3 }, (_, i) => i / 4);
        const scale = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i + 1));
        const outputs = await model.infer(
          new Map([
            ['features', fp32('features', [rows, 3], features)],
            ['scale', { name: 'scale', datatype: 'INT64', shape: [rows, 1], data: scale }],
          ]),
          ['scaled'],
        );
        assert.deepEqual([...outputs.keys()], ['scaled']);
        const scaled = outputs.get('scaled')!;
        assert.deepEqual(scaled.shape, [rows, 3]);
        assert.deepEqual(
          [...(scaled.data as Float32Array)],
          features.map((value, i) => value * (Math.floor(i / 3) + 1)),
        );
      }
    });

    it('reports how many runs execute at once', async () => {
      const model = await load(addModel(), { instances: 2 });
      assert.equal(model.concurrency ?? 1, traits.concurrencyOfTwoInstances);
    });

    it('refuses a run whose signal is already aborted with CANCELLED, and keeps serving', async () => {
      const model = await load(addModel());
      await assert.rejects(model.infer(addInputs(1), ['sum'], AbortSignal.abort()), berthError('CANCELLED'));
      const sum = (await model.infer(addInputs(1), ['sum'])).get('sum')!;
      assert.deepEqual([...(sum.data as Float32Array)], [0, 11, 22, 33]);
    });

    it(
      'drops a run whose signal aborts while it waits for an instance',
      traits.noRunQueue === undefined ? {} : { skip: traits.noRunQueue },
      async () => {
        const model = await load(addModel(), { instances: 1 });
        const first = model.infer(addInputs(2, 1), ['sum']);
        const controller = new AbortController();
        const waiting = model.infer(addInputs(1), ['sum'], controller.signal);
        controller.abort();
        await assert.rejects(waiting, berthError('CANCELLED'));
        const sum = (await first).get('sum')!;
        assert.deepEqual([...(sum.data as Float32Array)], [11, 22, 33, 44, 55, 66, 77, 88]);
      },
    );

    it('fails clearly after dispose: MODEL_NOT_READY, and dispose twice is harmless', async () => {
      const model = await runtime.load(await files.write(addModel()), config());
      await model.dispose();
      await assert.rejects(model.infer(addInputs(1), ['sum']), berthError('MODEL_NOT_READY', 'unloaded'));
      await model.dispose();
    });

    it('fails to load a file that is not a model with MODEL_LOAD_FAILED naming the file', async () => {
      const dir = await files.write(new TextEncoder().encode('this is not a protobuf'));
      await assert.rejects(
        runtime.load(dir, config()),
        berthError('MODEL_LOAD_FAILED', join(dir, 'model.onnx')),
      );
      await assert.rejects(
        runtime.load(dir, config({ model_file: 'absent.onnx' })),
        berthError('MODEL_LOAD_FAILED', join(dir, 'absent.onnx')),
      );
    });
  });
}
