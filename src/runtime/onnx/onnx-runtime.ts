/**
 * The ONNX Runtime adapter (onnxruntime-node, CPU execution provider). Loading reads the signature
 * from the session itself, so berth.yaml only needs overrides. `session.run` blocks the event loop
 * for the length of a run; worker threads are a later step (see session-pool.ts).
 */
import { join } from 'node:path';
import type { InferenceSession, OnnxValue } from 'onnxruntime-node';
import { BerthError } from '../../core/errors.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { Tensor } from '../../core/tensor.js';
import type { LoadedModel, LoadedModelMetadata, Runtime } from '../runtime.js';
import { SessionPool } from './session-pool.js';
import { applyOverrides, specsFromMetadata } from './signature.js';
import { fromOrtTensor, toOrtTensor } from './tensor-convert.js';

/** The platform string reported in model metadata (as Triton names ONNX Runtime models). */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

/** Loads `config.model_file` from a local folder into `config.instances` ONNX Runtime sessions. */
export class OnnxRuntime implements Runtime {
  readonly name = 'onnx';

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    const file = join(dir, config.model_file);
    let pool: SessionPool;
    try {
      pool = await SessionPool.create(file, config.instances ?? 1, sessionOptions(config.threads));
    } catch (error) {
      throw new BerthError('MODEL_LOAD_FAILED', `ONNX Runtime could not load ${file}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    try {
      const metadata: LoadedModelMetadata = {
        platform: ONNX_PLATFORM,
        inputs: applyOverrides(
          specsFromMetadata(pool.first.inputMetadata, 'input', file),
          config.inputs,
          'input',
        ),
        outputs: applyOverrides(
          specsFromMetadata(pool.first.outputMetadata, 'output', file),
          config.outputs,
          'output',
        ),
      };
      return new OnnxLoadedModel(pool, metadata);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }
}

/** A model held in one or more sessions; an empty `outputNames` means every output. */
export class OnnxLoadedModel implements LoadedModel {
  private disposed = false;

  constructor(
    private readonly pool: SessionPool,
    readonly metadata: LoadedModelMetadata,
  ) {}

  /** Number of sessions runs are spread over. */
  get instances(): number {
    return this.pool.size;
  }

  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputNames: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Tensor>> {
    if (this.disposed) {
      throw new BerthError('MODEL_NOT_READY', 'the model was unloaded; its sessions are released');
    }
    // A run cannot be interrupted once started, so cancellation is honoured only before it.
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the request was cancelled before the model ran');
    const feeds: Record<string, OnnxValue> = {};
    for (const [name, tensor] of inputs) feeds[name] = toOrtTensor(tensor);
    const fetches = outputNames.length > 0 ? outputNames : this.metadata.outputs.map((spec) => spec.name);

    let results: InferenceSession.ReturnType;
    try {
      results = await this.pool.run(feeds, fetches);
    } catch (error) {
      throw new BerthError('INFERENCE_FAILED', `ONNX Runtime failed to run the model: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const outputs = new Map<string, Tensor>();
    for (const name of fetches) {
      const value = results[name];
      if (value === undefined)
        throw new BerthError('INFERENCE_FAILED', `ONNX Runtime returned no output '${name}'`);
      outputs.set(name, fromOrtTensor(name, value));
    }
    return outputs;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.pool.close();
  }
}

// 0 threads leaves ONNX Runtime's default (one per physical core), as the config schema documents.
function sessionOptions(threads: ModelConfig['threads']): InferenceSession.SessionOptions {
  const spin = threads.spinning ? '1' : '0';
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads.intra_op > 0 ? { intraOpNumThreads: threads.intra_op } : {}),
    ...(threads.inter_op > 0 ? { interOpNumThreads: threads.inter_op } : {}),
    // Session config keys (onnxruntime_session_options_config_keys.h); the Node binding adds each
    // `extra` entry with AddConfigEntry.
    extra: { 'session.intra_op.allow_spinning': spin, 'session.inter_op.allow_spinning': spin },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
