/**
 * The effective batching of a model version, in two pure steps: server-wide settings (flags, BERTH_*
 * variables, the server config file) override berth.yaml, then the signature decides whether the
 * model can batch at all. Warm-up, the batcher and the start-up log all read the same result.
 */
import type { ModelConfig } from '../core/model-config.js';
import type { TensorSpec } from '../core/tensor.js';
import type { DynamicBatcherOptions } from './dynamic-batcher.js';

/** The server settings that override every model's berth.yaml (see config/server-config.ts). */
export interface BatchingOverrides {
  readonly batching?: boolean | undefined;
  readonly max_batch_size?: number | undefined;
  readonly max_queue_delay_us?: number | undefined;
  readonly max_queue_size?: number | undefined;
  readonly request_timeout_ms?: number | undefined;
}

/** What a model version is served with, and why. */
export interface BatchingSettings extends DynamicBatcherOptions {
  readonly enabled: boolean;
  /** One phrase for the log: why batching is on or off. */
  readonly reason: string;
  /** Batching was asked for but the signature cannot batch: worth a warning. */
  readonly refused: boolean;
  readonly strictMaxBatchSize: boolean;
}

/** berth.yaml with the server-wide overrides applied; a setting not given keeps the file's value. */
export function withServerOverrides(config: ModelConfig, server: BatchingOverrides): ModelConfig {
  const batching = config.batching;
  return Object.freeze({
    ...config,
    max_batch_size: server.max_batch_size ?? config.max_batch_size,
    batching: {
      ...batching,
      ...(server.batching !== undefined ? { enabled: server.batching } : {}),
      max_queue_delay_us: server.max_queue_delay_us ?? batching.max_queue_delay_us,
      max_queue_size: server.max_queue_size ?? batching.max_queue_size,
      timeout_ms: server.request_timeout_ms ?? batching.timeout_ms,
    },
  });
}

/**
 * Batching is on when asked for (or not turned off) and every input has a dynamic first dimension;
 * a model that cannot batch is served unbatched whatever was asked. Preferred sizes over
 * max_batch_size are dropped.
 */
export function batchingSettings(inputs: readonly TensorSpec[], config: ModelConfig): BatchingSettings {
  const fixed = inputs.find((spec) => spec.shape[0] !== -1);
  const canBatch = inputs.length > 0 && fixed === undefined;
  const asked = config.batching.enabled;
  const enabled = canBatch && asked !== false;
  let reason: string;
  if (!canBatch)
    reason = fixed
      ? `input "${fixed.name}" has a fixed first dimension (${fixed.shape[0] ?? 'scalar'}), so the model cannot batch`
      : 'the model has no inputs to batch';
  else if (asked === false) reason = 'turned off (batching.enabled: false or --no-batching)';
  else if (asked === true) reason = 'turned on (batching.enabled: true or --batching)';
  else reason = 'every input has a dynamic first dimension';
  return {
    enabled,
    reason,
    refused: asked === true && !canBatch,
    maxBatchSize: config.max_batch_size,
    maxQueueDelayUs: config.batching.max_queue_delay_us,
    preferredBatchSizes: [...new Set(config.batching.preferred_batch_sizes)]
      .filter((size) => size <= config.max_batch_size)
      .sort((a, b) => a - b),
    maxQueueSize: config.batching.max_queue_size,
    timeoutMs: config.batching.timeout_ms,
    strictMaxBatchSize: config.batching.strict_max_batch_size,
  };
}
