/**
 * Verifies a trained model before it is published: it must load in the runtime serving will use,
 * answer a smoke request built from its own signature (dynamic dimensions as 1, zeros), and, when
 * the job names sample rows, answer those, within tolerance of any expected outputs. A NaN in any
 * output fails too: a model that diverged in training still loads and runs.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../core/errors.js';
import type { ModelConfig } from '../../core/model-config.js';
import { allocateData, elementCount, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { readModelConfig } from '../../config/model-config-file.js';
import { fromHalfBits } from '../../core/float16.js';
import { decodeInferRequest } from '../../protocol/v2/json-codec.js';
import type { LoadedModel, Runtime } from '../../runtime/runtime.js';

/** Sample rows: a V2 request body, with optional expected outputs (flat numbers) to compare. */
export interface VerifySamples {
  /** The JSON bytes of `{"inputs": [...], "expected_outputs": [{"name", "data"}]}`. */
  readonly bytes: Uint8Array;
  /** Names the samples in errors (their path or URI). */
  readonly where: string;
}

/** What to verify and how strictly. */
export interface VerifyOptions {
  readonly runtime: Runtime;
  /** Names the model folder in errors. */
  readonly where: string;
  readonly samples?: VerifySamples;
  /** Absolute and relative tolerance of expected outputs (numpy's allclose with atol = rtol). */
  readonly tolerance: number;
}

/** What verification ran. */
export interface VerifyReport {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Requests run: the smoke request, plus one for the samples. */
  readonly runs: number;
}

/** Loads and runs the model in `dir`; TRAIN_NO_MODEL or TRAIN_VERIFY_FAILED saying why otherwise. */
export async function verifyModel(dir: string, options: VerifyOptions): Promise<VerifyReport> {
  const config = await readConfig(dir, options.where);
  const file = join(dir, config.model_file);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new BerthError(
      'TRAIN_NO_MODEL',
      `${options.where}: no ${config.model_file} in the output folder; expected the trainer to write it to $BERTH_OUTPUT_DIR/${config.model_file}`,
    );
  }
  // One inline session: verification runs a couple of requests, so worker threads would only cost.
  const single: ModelConfig = { ...config, execution: 'inline', instances: 1 };
  let model: LoadedModel;
  try {
    model = await options.runtime.load(dir, single);
  } catch (error) {
    throw failed(`${options.where}: ${config.model_file} does not load: ${(error as Error).message}`, error);
  }
  try {
    const { inputs, outputs } = model.metadata;
    const names = outputs.map((output) => output.name);
    const smoke = new Map(inputs.map((spec) => [spec.name, zeroTensor(spec)]));
    checkOutputs(
      await run(model, smoke, names, `${options.where}: the smoke request`),
      `${options.where}: the smoke request`,
    );
    let runs = 1;
    if (options.samples) {
      await runSamples(model, names, options.samples, options.tolerance);
      runs += 1;
    }
    return { inputs, outputs, runs };
  } finally {
    await model.dispose();
  }
}

async function readConfig(dir: string, where: string): Promise<ModelConfig> {
  try {
    return await readModelConfig(dir, where);
  } catch (error) {
    throw failed(`${where}: berth.yaml is not valid: ${(error as Error).message}`, error);
  }
}

async function run(
  model: LoadedModel,
  inputs: ReadonlyMap<string, Tensor>,
  names: readonly string[],
  what: string,
): Promise<Map<string, Tensor>> {
  try {
    return await model.infer(inputs, names);
  } catch (error) {
    throw failed(`${what} failed: ${(error as Error).message}`, error);
  }
}

/** Runs the sample request and compares what it expects. */
async function runSamples(
  model: LoadedModel,
  names: readonly string[],
  samples: VerifySamples,
  tolerance: number,
): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(samples.bytes).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw failed(`${samples.where}: sample rows are not valid JSON (${(error as Error).message})`, error);
  }
  const { expected_outputs: expected, ...request } = body ?? {};
  let decoded;
  try {
    decoded = decodeInferRequest(request);
  } catch (error) {
    throw failed(
      `${samples.where}: sample rows are not a V2 inference request: ${(error as Error).message}`,
      error,
    );
  }
  const inputs = new Map(decoded.inputs.map((tensor) => [tensor.name, tensor]));
  const what = `${samples.where}: the sample rows`;
  const outputs = await run(model, inputs, names, what);
  checkOutputs(outputs, what);
  if (expected === undefined) return;
  if (!Array.isArray(expected))
    throw failed(`${samples.where}: expected_outputs: expected an array of {"name", "data"}`);
  for (const [index, entry] of expected.entries()) {
    const { name, data } = (entry ?? {}) as { name?: unknown; data?: unknown };
    const field = `${samples.where}: expected_outputs[${index}]`;
    if (
      typeof name !== 'string' ||
      !Array.isArray(data) ||
      !data.every((value) => typeof value === 'number')
    ) {
      throw failed(`${field}: expected {"name": <output>, "data": [flat numbers]}`);
    }
    const tensor = outputs.get(name);
    if (tensor === undefined)
      throw failed(`${field}: the model has no output "${name}"; it has ${names.join(', ')}`);
    const actual = numbers(tensor);
    if (actual.length !== data.length) {
      throw failed(
        `${field}: output "${name}" has ${actual.length} values, expected_outputs has ${data.length}`,
      );
    }
    for (let i = 0; i < actual.length; i += 1) {
      const got = actual[i] ?? NaN;
      const want = data[i] as number;
      // numpy.allclose: |got - want| <= atol + rtol * |want|, here with atol = rtol = tolerance.
      if (!(Math.abs(got - want) <= tolerance + tolerance * Math.abs(want))) {
        throw failed(
          `${field}: output "${name}"[${i}] is ${got}, expected ${want} within tolerance ${tolerance}`,
        );
      }
    }
  }
}

/** A NaN anywhere in a floating output fails verification. */
function checkOutputs(outputs: ReadonlyMap<string, Tensor>, what: string): void {
  for (const tensor of outputs.values()) {
    if (tensor.datatype !== 'FP32' && tensor.datatype !== 'FP64' && tensor.datatype !== 'FP16') continue;
    const index = numbers(tensor).findIndex((value) => Number.isNaN(value));
    if (index >= 0) throw failed(`${what}: output "${tensor.name}"[${index}] is NaN; expected a number`);
  }
}

/** A tensor's values as numbers (BYTES: none). */
function numbers(tensor: Tensor): number[] {
  if (tensor.datatype === 'BYTES') return [];
  if (tensor.datatype === 'FP16') return Array.from(tensor.data as Uint16Array, fromHalfBits);
  return Array.from(tensor.data as ArrayLike<number | bigint>, Number);
}

/** Zeros shaped by the spec, every dynamic dimension 1. */
function zeroTensor(spec: TensorSpec): Tensor {
  const shape = spec.shape.map((dim) => (dim >= 0 ? dim : 1));
  return {
    name: spec.name,
    datatype: spec.datatype,
    shape,
    data: allocateData(spec.datatype, elementCount(shape)),
  };
}

function failed(message: string, cause?: unknown): BerthError {
  return new BerthError('TRAIN_VERIFY_FAILED', message, cause === undefined ? undefined : { cause });
}
