/**
 * The messages of Triton's extension RPCs (statistics, model configuration, model repository) as
 * plain objects, with the loader options of messages.ts (snake_case, int64 as bigint in, numbers out).
 */
import type { Int64 } from './messages.js';

/** ModelStatisticsRequest; empty name: every model, empty version: every READY version. */
export interface ModelStatisticsRequestMessage {
  name?: string;
  version?: string;
}

/** ModelRepositoryParameter. */
export interface RepositoryParameterMessage {
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
  bytes_param?: Uint8Array;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'bytes_param';
}

export interface RepositoryIndexRequestMessage {
  repository_name?: string;
  ready?: boolean;
}

export interface RepositoryIndexResponseMessage {
  models: Array<{ name: string; version: string; state: string; reason: string }>;
}

/** RepositoryModelLoadRequest and RepositoryModelUnloadRequest. */
export interface RepositoryModelRequestMessage {
  repository_name?: string;
  model_name?: string;
  parameters?: Record<string, RepositoryParameterMessage>;
}

export interface ModelTensorConfigMessage {
  name: string;
  /** A DataType enum name, e.g. TYPE_FP32. */
  data_type: string;
  dims: Int64[];
}

/** The compact ModelConfig of model_config.proto. */
export interface ModelConfigMessage {
  name: string;
  platform: string;
  backend: string;
  max_batch_size: number;
  input: ModelTensorConfigMessage[];
  output: ModelTensorConfigMessage[];
  dynamic_batching?: {
    preferred_batch_size: number[];
    max_queue_delay_microseconds: Int64;
    default_queue_policy: {
      timeout_action: string;
      default_timeout_microseconds: Int64;
      max_queue_size: number;
    };
  };
  default_model_filename: string;
  parameters: Record<string, { string_value: string }>;
}

export interface ModelConfigResponseMessage {
  config: ModelConfigMessage;
}
