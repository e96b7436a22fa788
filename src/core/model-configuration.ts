/** The effective configuration of a READY model version (model configuration extension), in core terms. */
import type { ModelConfig } from './model-config.js';
import type { TensorSpec } from './tensor.js';

/** Whether the version is served through the dynamic batcher, with what settings, and why. */
export interface BatchingDecision {
  readonly enabled: boolean;
  /** One phrase: why batching is on or off. */
  readonly reason: string;
  readonly maxBatchSize: number;
  readonly maxQueueDelayUs: number;
  readonly preferredBatchSizes: readonly number[];
  readonly maxQueueSize: number;
  readonly timeoutMs: number;
}

/** What a version is served with: its signature, berth.yaml after server overrides, and batching. */
export interface EffectiveModelConfig {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly config: ModelConfig;
  readonly batching: BatchingDecision;
}
