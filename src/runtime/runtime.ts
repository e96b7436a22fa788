import type { ModelConfig } from '../core/model-config.js';
import type { Tensor, TensorSpec } from '../core/tensor.js';

/** Signature of a loaded model, after berth.yaml overrides. */
export interface LoadedModelMetadata {
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/**
 * A model loaded into an inference engine. `infer` takes whole (possibly batched) tensors keyed by
 * input name, already validated against `metadata`, and returns the requested outputs by name.
 */
export interface LoadedModel {
  readonly metadata: LoadedModelMetadata;
  /** How many runs may usefully be in flight at once (its instances); absent means 1. */
  readonly concurrency?: number;
  infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputNames: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Tensor>>;
  /** False once no instance can run any more (every worker crashed past restarts); absent means healthy. */
  healthy?(): boolean;
  dispose(): Promise<void>;
}

/** An inference engine adapter: loads a model from a local folder (never from a store). */
export interface Runtime {
  readonly name: string;
  load(dir: string, config: ModelConfig): Promise<LoadedModel>;
}
