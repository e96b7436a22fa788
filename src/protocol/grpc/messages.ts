/**
 * The gRPC messages of inference.GRPCInferenceService (grpc_service.proto) as plain objects, in the
 * shape @grpc/proto-loader produces with LOADER_OPTIONS: snake_case names as in the proto, int64 as
 * bigint on the way in (numbers are accepted on the way out), bytes as Buffer views of the message,
 * repeated fields always arrays, maps always objects, and `parameter_choice` naming the set oneof.
 */

/** The @grpc/proto-loader options the types below assume; the server and tests load with these. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: BigInt,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;

/** int64 fields: bigint when decoded; numbers (or decimal strings) are accepted when encoding. */
export type Int64 = bigint | number | string;

export interface InferParameterMessage {
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

export type ParameterMap = Record<string, InferParameterMessage>;

export interface InferTensorContentsMessage {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64[];
  uint_contents?: number[];
  uint64_contents?: Int64[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface InferInputTensorMessage {
  name?: string;
  datatype?: string;
  shape?: Int64[];
  parameters?: ParameterMap;
  contents?: InferTensorContentsMessage | null;
}

export interface InferRequestedOutputTensorMessage {
  name?: string;
  parameters?: ParameterMap;
}

export interface ModelInferRequestMessage {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: ParameterMap;
  inputs?: InferInputTensorMessage[];
  outputs?: InferRequestedOutputTensorMessage[];
  raw_input_contents?: Uint8Array[];
}

export interface InferOutputTensorMessage {
  name: string;
  datatype: string;
  shape: Int64[];
  parameters?: ParameterMap;
}

export interface ModelInferResponseMessage {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: ParameterMap;
  outputs: InferOutputTensorMessage[];
  raw_output_contents: Uint8Array[];
}

/** ModelReadyRequest and ModelMetadataRequest. */
export interface ModelRefMessage {
  name?: string;
  version?: string;
}

export interface TensorMetadataMessage {
  name: string;
  datatype: string;
  shape: Int64[];
}

export interface ModelMetadataResponseMessage {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadataMessage[];
  outputs: TensorMetadataMessage[];
}

export interface ServerMetadataResponseMessage {
  name: string;
  version: string;
  extensions: string[];
}
