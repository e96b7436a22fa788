/**
 * Model configuration extension JSON (Triton docs/protocol/extension_model_configuration.md): the
 * effective configuration in the shape of Triton's ModelConfig, so Triton tools (perf_analyzer, the
 * tritonclient `get_model_config`) read it, plus a `berth` object with what Triton has no field for:
 * the version, the OIP signature, the batching decision and berth.yaml after server overrides. Pure.
 */
import type { BatchingDecision, EffectiveModelConfig } from '../../core/model-configuration.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { DataType, TensorSpec } from '../../core/tensor.js';

/** ModelInput / ModelOutput: `dims` leave out the batch dimension when max_batch_size > 0. */
export interface TensorConfigJson {
  name: string;
  data_type: string;
  dims: number[];
}

/** ModelDynamicBatching, present only when the version is served through the batcher. */
export interface DynamicBatchingJson {
  preferred_batch_size: number[];
  max_queue_delay_microseconds: number;
  default_queue_policy: {
    timeout_action: 'REJECT';
    default_timeout_microseconds: number;
    max_queue_size: number;
  };
}

/** The Berth extension: fields with no Triton equivalent, in Berth's own (berth.yaml) names. */
export interface BerthConfigJson {
  version: string;
  inputs: Array<{ name: string; datatype: DataType; shape: number[] }>;
  outputs: Array<{ name: string; datatype: DataType; shape: number[] }>;
  batching: {
    enabled: boolean;
    reason: string;
    max_batch_size: number;
    max_queue_delay_us: number;
    preferred_batch_sizes: number[];
    max_queue_size: number;
    timeout_ms: number;
  };
  /** berth.yaml with defaults filled in and server-wide overrides applied. */
  config: ModelConfig;
}

export interface ModelConfigJson {
  name: string;
  platform: string;
  backend: string;
  /** 0 when the signature has no dynamic first dimension (Triton: the model does not batch). */
  max_batch_size: number;
  input: TensorConfigJson[];
  output: TensorConfigJson[];
  dynamic_batching?: DynamicBatchingJson;
  default_model_filename: string;
  berth: BerthConfigJson;
}

/** Triton's backend names for Berth's runtimes. */
const BACKENDS: Record<ModelConfig['runtime'], string> = {
  onnx: 'onnxruntime',
  lookup: 'berth_lookup',
};

export function encodeModelConfig(effective: EffectiveModelConfig): ModelConfigJson {
  const { inputs, outputs, batching, config } = effective;
  // Triton's max_batch_size > 0 means "every tensor has a leading batch dimension not listed in dims".
  const batchDim = inputs.length > 0 && inputs.every((spec) => spec.shape[0] === -1);
  const tensor = (spec: TensorSpec): TensorConfigJson => ({
    name: spec.name,
    data_type: tritonDataType(spec.datatype),
    dims: batchDim && spec.shape[0] === -1 ? spec.shape.slice(1) : [...spec.shape],
  });
  return {
    name: effective.name,
    platform: effective.platform,
    backend: BACKENDS[config.runtime],
    max_batch_size: batchDim ? batching.maxBatchSize : 0,
    input: inputs.map(tensor),
    output: outputs.map(tensor),
    ...(batching.enabled ? { dynamic_batching: dynamicBatching(batching) } : {}),
    default_model_filename: config.model_file,
    berth: {
      version: effective.version,
      inputs: inputs.map(signature),
      outputs: outputs.map(signature),
      batching: {
        enabled: batching.enabled,
        reason: batching.reason,
        max_batch_size: batching.maxBatchSize,
        max_queue_delay_us: batching.maxQueueDelayUs,
        preferred_batch_sizes: [...batching.preferredBatchSizes],
        max_queue_size: batching.maxQueueSize,
        timeout_ms: batching.timeoutMs,
      },
      config,
    },
  };
}

/** Triton's DataType enum name for an OIP datatype (BYTES is TYPE_STRING there). */
export function tritonDataType(datatype: DataType): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

function dynamicBatching(batching: BatchingDecision): DynamicBatchingJson {
  return {
    preferred_batch_size: [...batching.preferredBatchSizes],
    max_queue_delay_microseconds: batching.maxQueueDelayUs,
    // Berth's timeout_ms bounds the time in the queue, as Triton's default queue policy timeout does.
    default_queue_policy: {
      timeout_action: 'REJECT',
      default_timeout_microseconds: batching.timeoutMs * 1000,
      max_queue_size: batching.maxQueueSize,
    },
  };
}

function signature(spec: TensorSpec): { name: string; datatype: DataType; shape: number[] } {
  return { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
}
