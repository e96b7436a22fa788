import type { Tensor, TensorSpec } from './tensor.js';

/** Free-form parameters as the Open Inference Protocol carries them. */
export type Parameters = Readonly<Record<string, string | number | boolean>>;

/** One requested output; `parameters` pass through (e.g. binary_data for the binary extension). */
export interface RequestedOutput {
  readonly name: string;
  readonly parameters?: Parameters;
}

/** An inference request in core terms: what every codec decodes to. */
export interface InferRequest {
  readonly id?: string;
  readonly inputs: readonly Tensor[];
  /** Absent: return every output. */
  readonly outputs?: readonly RequestedOutput[];
  readonly parameters?: Parameters;
}

/** An inference response in core terms: what every codec encodes from. */
export interface InferResponse {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id?: string;
  readonly outputs: readonly Tensor[];
  readonly parameters?: Parameters;
}

/** Model metadata (Open Inference Protocol "Model Metadata"). */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}
