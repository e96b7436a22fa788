import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../core/errors.js';
import type { InferRequest } from '../core/inference.js';
import type { ModelConfig } from '../core/model-config.js';
import { allocateData, elementCount, type Tensor, type TensorSpec } from '../core/tensor.js';
import type { LoadedModel } from '../runtime/runtime.js';

/** Turns a warm-up request file's bytes into a request (the V2 JSON codec, injected from above). */
export type WarmupRequestDecoder = (bytes: Uint8Array, where: string) => InferRequest;

export interface WarmupPlan {
  readonly model: LoadedModel;
  readonly config: ModelConfig;
  readonly dir: string;
  /** Store URI of the version folder, for error messages. */
  readonly where: string;
  readonly decodeRequest: WarmupRequestDecoder;
}

/**
 * Runs every declared warm-up before READY (Triton's model_warmup): generated zero inputs for each
 * batch size the server will run, then the sample requests shipped in the version folder.
 * Returns how many runs it made.
 */
export async function warmUp(plan: WarmupPlan): Promise<number> {
  const { model, config } = plan;
  const outputNames = model.metadata.outputs.map((output) => output.name);
  let runs = 0;
  if (config.warmup.generated) {
    for (const batch of warmupBatchSizes(model.metadata.inputs, config)) {
      const inputs = new Map(model.metadata.inputs.map((spec) => [spec.name, zeroTensor(spec, batch)]));
      await runOrExplain(
        () => model.infer(inputs, outputNames),
        `generated inputs at batch size ${batch}`,
        plan,
      );
      runs += 1;
    }
  }
  for (const file of config.warmup.requests) {
    const request = await readWarmupRequest(plan, file);
    const inputs = new Map(request.inputs.map((tensor) => [tensor.name, tensor]));
    const wanted = request.outputs?.map((output) => output.name) ?? outputNames;
    await runOrExplain(() => model.infer(inputs, wanted), `request file ${file}`, plan);
    runs += 1;
  }
  return runs;
}

/**
 * Reads and decodes one sample request. A file berth.yaml names but the version folder lacks, or
 * one that is not a V2 request, is the model's fault: WARMUP_FAILED with the file and the URI.
 */
async function readWarmupRequest(plan: WarmupPlan, file: string): Promise<InferRequest> {
  const uri = `${plan.where}/${file}`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(plan.dir, file));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const why = missing ? 'is not in the version folder' : `could not be read (${(error as Error).message})`;
    throw new BerthError(
      'WARMUP_FAILED',
      `${uri}: warm-up request file "${file}" (warmup.requests in berth.yaml) ${why}; expected a V2 inference request JSON file in ${plan.where}`,
      { cause: error },
    );
  }
  try {
    return plan.decodeRequest(bytes, uri);
  } catch (error) {
    throw new BerthError(
      'WARMUP_FAILED',
      `${uri}: warm-up request file "${file}" is not a valid V2 inference request: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Batch sizes to warm: declared ones, or 1, the preferred batch sizes and the largest (what the
 * batcher forms most); only 1 when dim 0 is not dynamic.
 */
export function warmupBatchSizes(inputs: readonly TensorSpec[], config: ModelConfig): number[] {
  const batchable = inputs.length > 0 && inputs.every((spec) => spec.shape[0] === -1);
  if (!batchable) return [1];
  const preferred = config.batching.preferred_batch_sizes.filter((size) => size <= config.max_batch_size);
  const sizes = config.warmup.batch_sizes ?? [1, ...preferred, config.max_batch_size];
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** A zero tensor for a spec: dim 0 becomes `batch` when dynamic, other dynamic dims become 1. */
function zeroTensor(spec: TensorSpec, batch: number): Tensor {
  const shape = spec.shape.map((dim, index) => (dim >= 0 ? dim : index === 0 ? batch : 1));
  return {
    name: spec.name,
    datatype: spec.datatype,
    shape,
    data: allocateData(spec.datatype, elementCount(shape)),
  };
}

async function runOrExplain(run: () => Promise<unknown>, what: string, plan: WarmupPlan): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new BerthError(
      'WARMUP_FAILED',
      `${plan.where}: warm-up with ${what} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
