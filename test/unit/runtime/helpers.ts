/** Shared pieces of the runtime tests: model files in temp folders, tensors, error assertions. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError, type ErrorId } from '../../../src/core/errors.js';
import { modelConfigSchema, type ModelConfig } from '../../../src/core/model-config.js';
import { allocateData, type DataType, type Tensor, type TensorData } from '../../../src/core/tensor.js';
import { Worker } from 'node:worker_threads';
import {
  OnnxRuntime,
  type OnnxRuntimeOptions,
  type RunReport,
} from '../../../src/runtime/onnx/onnx-runtime.js';
import type { SpawnWorker } from '../../../src/runtime/onnx/worker-pool.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';

export const EXECUTIONS = ['worker', 'inline'] as const satisfies ReadonlyArray<ModelConfig['execution']>;

const utf8 = new TextEncoder();

/** Temp folders holding one model.onnx each; `cleanUp` removes them all. */
export class ModelFiles {
  readonly #dirs: string[] = [];

  async write(bytes: Uint8Array, file = 'model.onnx'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-onnx-'));
    this.#dirs.push(dir);
    await writeFile(join(dir, file), bytes);
    return dir;
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export function config(values: Record<string, unknown> = {}): ModelConfig {
  return modelConfigSchema.parse(values);
}

export function tensor(name: string, datatype: DataType, shape: number[], data: TensorData): Tensor {
  return { name, datatype, shape, data };
}

export function fp32(name: string, shape: number[], values: ArrayLike<number>): Tensor {
  return tensor(name, 'FP32', shape, Float32Array.from(values));
}

export async function infer(
  model: LoadedModel,
  inputs: Tensor[],
  outputs: string[] = [],
): Promise<Map<string, Tensor>> {
  return model.infer(new Map(inputs.map((t) => [t.name, t])), outputs);
}

export async function rejectsWith(
  promise: Promise<unknown>,
  id: ErrorId,
  mentions: string[] = [],
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    assert.equal(error.id, id, error.message);
    for (const text of mentions)
      assert.ok(error.message.includes(text), `'${error.message}' should name ${text}`);
    return true;
  });
}

export function bytesOf(data: TensorData): Buffer {
  const view = data as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Outputs equal bit for bit (NaN payloads and -0 included); BYTES element by element. */
export function assertSameTensor(actual: Tensor | undefined, expected: Tensor | undefined): void {
  assert.ok(actual && expected, 'both outputs exist');
  assert.equal(actual.name, expected.name);
  assert.equal(actual.datatype, expected.datatype);
  assert.deepEqual(actual.shape, expected.shape);
  if (actual.datatype === 'BYTES') assert.deepEqual(actual.data, expected.data);
  else {
    assert.equal(actual.data.constructor, expected.data.constructor);
    assert.ok(
      bytesOf(actual.data).equals(bytesOf(expected.data)),
      `output '${actual.name}' differs in its bits`,
    );
  }
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
export const STRINGS = ['', 'a', 'héllo', '€', '🙂', 'two words'];

export function sampleData(datatype: DataType, count: number): TensorData {
  if (datatype === 'BYTES')
    return Array.from({ length: count }, (_, i) => utf8.encode(STRINGS[i % STRINGS.length]));
  const data = allocateData(datatype, count) as unknown as { [i: number]: number | bigint };
  const edges = EDGES[datatype];
  for (let i = 0; i < count; i++) data[i] = edges[i % edges.length] as number | bigint;
  return data as unknown as TensorData;
}

export function assertClose(actual: TensorData, expected: Float32Array, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((value, i) => {
    const got = Number((actual as Float32Array)[i]);
    assert.ok(Math.abs(got - value) <= tolerance, `element ${i}: ${got} vs ${value}`);
  });
}

/** A runtime and what the test can see of it. */
export interface Harness {
  readonly runtime: OnnxRuntime;
  readonly workers: Worker[];
  readonly reports: RunReport[];
  readonly logs: Array<Record<string, unknown>>;
}

/** A runtime whose workers, run reports and log lines the test can see. */
export function harness(options: OnnxRuntimeOptions = {}): Harness {
  const workers: Worker[] = [];
  const reports: RunReport[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const spawnWorker: SpawnWorker = (script, workerOptions) => {
    const worker = new Worker(script, workerOptions);
    workers.push(worker);
    return worker;
  };
  const logger = {
    info: (details: Record<string, unknown>, msg: string) => logs.push({ level: 'info', msg, ...details }),
    error: (details: Record<string, unknown>, msg: string) => logs.push({ level: 'error', msg, ...details }),
  };
  const runtime = new OnnxRuntime({
    cores: 1,
    spawnWorker,
    logger,
    onRun: (r) => reports.push(r),
    ...options,
  });
  return { runtime, workers, reports, logs };
}
