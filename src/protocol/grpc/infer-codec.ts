/**
 * gRPC ModelInfer messages ↔ core types (inference_grpc.md, "Inference" and "Tensor Data"). Pure.
 * Raw contents go through the same codec as the REST binary extension: a typed array over the bytes
 * of the received message (copied once only when misaligned), no per-element work. Typed `contents`
 * are the slow path by nature (protobuf already made one JS value per element); they are checked for
 * the datatype's range and copied into a typed array. Outputs are always `raw_output_contents`.
 */
import { BerthError } from '../../core/errors.js';
import type { InferRequest, InferResponse, Parameters, RequestedOutput } from '../../core/inference.js';
import {
  DATATYPES,
  elementCount,
  isDataType,
  MAX_TENSOR_RANK,
  type DataType,
  type Tensor,
  type TensorData,
} from '../../core/tensor.js';
import { decodeRawData, encodeRawData } from '../v2/binary-codec.js';
import type {
  InferInputTensorMessage,
  InferTensorContentsMessage,
  Int64,
  ModelInferRequestMessage,
  ModelInferResponseMessage,
  ParameterMap,
} from './messages.js';

/** A decoded ModelInfer call: which model, and the request in core terms. */
export interface GrpcInferCall {
  readonly model: string;
  /** Undefined when the request leaves the version to the server (empty string on the wire). */
  readonly version: string | undefined;
  readonly request: InferRequest;
}

type ContentsField = keyof InferTensorContentsMessage;

/** Which `contents` field holds each datatype; FP16 has none (raw only, as the spec says). */
const CONTENTS_FIELD: Record<DataType, ContentsField | undefined> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const CONTENTS_FIELDS: readonly ContentsField[] = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
];

/** int_contents / uint_contents carry 32-bit values; narrower datatypes must fit their range. */
const NARROW_RANGES: Partial<Record<DataType, readonly [number, number]>> = {
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
};

export function decodeModelInferRequest(message: ModelInferRequestMessage): GrpcInferCall {
  const model = message.model_name ?? '';
  if (model.length === 0) throw invalid('model_name', 'a non-empty model name', '""');
  const inputs = message.inputs ?? [];
  if (inputs.length === 0) throw invalid('inputs', 'at least one input tensor', 'none');
  const raw = message.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw new BerthError(
      'INVALID_REQUEST',
      `raw_input_contents: ${raw.length} entries for ${inputs.length} inputs; expected one per input, in input order`,
    );
  }
  const tensors = inputs.map((input, index) => decodeInput(input, index, raw[index], raw.length > 0));
  const outputs = message.outputs?.map((output, index): RequestedOutput => {
    const name = output.name ?? '';
    if (name.length === 0) throw invalid(`outputs[${index}].name`, 'a non-empty string', '""');
    const parameters = decodeParameters(output.parameters);
    return { name, ...(parameters !== undefined ? { parameters } : {}) };
  });
  const parameters = decodeParameters(message.parameters);
  const id = message.id ?? '';
  const request: InferRequest = {
    ...(id.length > 0 ? { id } : {}),
    inputs: tensors,
    // An empty list means "every output", as an absent one does in REST.
    ...(outputs !== undefined && outputs.length > 0 ? { outputs } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
  const version = message.model_version ?? '';
  return { model, version: version.length > 0 ? version : undefined, request };
}

/** Every output as raw little-endian bytes, numeric ones as views of the output memory (no copy). */
export function encodeModelInferResponse(response: InferResponse): ModelInferResponseMessage {
  return {
    model_name: response.modelName,
    model_version: response.modelVersion,
    ...(response.id !== undefined ? { id: response.id } : {}),
    ...(response.parameters !== undefined ? { parameters: encodeParameters(response.parameters)! } : {}),
    outputs: response.outputs.map((tensor) => ({
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape as number[],
    })),
    raw_output_contents: response.outputs.map((tensor) => encodeRawData(tensor.datatype, tensor.data)),
  };
}

function decodeInput(
  input: InferInputTensorMessage,
  index: number,
  raw: Uint8Array | undefined,
  usesRaw: boolean,
): Tensor {
  const name = input.name ?? '';
  if (name.length === 0) throw invalid(`inputs[${index}].name`, 'a non-empty string', '""');
  const where = `inputs[${index}] ("${name}")`;
  const datatype = input.datatype;
  if (!isDataType(datatype)) {
    throw invalid(`${where}.datatype`, `one of ${DATATYPES.join(', ')}`, JSON.stringify(datatype ?? ''));
  }
  const shape = decodeShape(input.shape ?? [], `${where}.shape`);
  let data: TensorData;
  if (usesRaw) {
    if (input.contents) {
      throw new BerthError(
        'INVALID_REQUEST',
        `${where}.contents: given together with raw_input_contents; send every input one way`,
      );
    }
    data = decodeRawData(datatype, raw!, shape, `raw_input_contents[${index}] (input "${name}")`);
  } else {
    data = decodeContents(datatype, input.contents ?? undefined, shape, where);
  }
  return { name, datatype, shape, data };
}

function decodeContents(
  datatype: DataType,
  contents: InferTensorContentsMessage | undefined,
  shape: readonly number[],
  where: string,
): TensorData {
  const expected = elementCount(shape);
  const field = CONTENTS_FIELD[datatype];
  for (const other of CONTENTS_FIELDS) {
    if (other !== field && (contents?.[other]?.length ?? 0) > 0) {
      const wanted = field === undefined ? 'raw_input_contents' : `contents.${field}`;
      throw new BerthError(
        'INVALID_REQUEST',
        `${where}.contents.${other}: given for datatype ${datatype}, which takes ${wanted}`,
      );
    }
  }
  if (field === undefined) {
    if (expected === 0) return new Uint16Array(0);
    throw new BerthError(
      'INVALID_REQUEST',
      `${where}: FP16 data must be sent in raw_input_contents (contents has no 16-bit float field)`,
    );
  }
  const values = (contents?.[field] ?? []) as unknown[];
  if (values.length !== expected) {
    if (contents === undefined) {
      throw new BerthError(
        'INVALID_REQUEST',
        `${where}: no data; expected contents.${field} or raw_input_contents`,
      );
    }
    throw new BerthError(
      'INPUT_SHAPE',
      `${where}.contents.${field}: ${values.length} elements, shape [${shape.join(', ')}] needs ${expected}`,
    );
  }
  const at = `${where}.contents.${field}`;
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from(values as boolean[], (value) => (value ? 1 : 0));
    case 'INT8':
      return Int8Array.from(checkRange(values as number[], datatype, at));
    case 'INT16':
      return Int16Array.from(checkRange(values as number[], datatype, at));
    case 'INT32':
      return Int32Array.from(values as number[]);
    case 'UINT8':
      return Uint8Array.from(checkRange(values as number[], datatype, at));
    case 'UINT16':
      return Uint16Array.from(checkRange(values as number[], datatype, at));
    case 'UINT32':
      return Uint32Array.from(values as number[]);
    case 'INT64':
      return BigInt64Array.from(values as Int64[], (value) => BigInt(value));
    case 'UINT64':
      return BigUint64Array.from(values as Int64[], (value) => BigInt(value));
    case 'FP32':
      return Float32Array.from(values as number[]);
    case 'FP64':
      return Float64Array.from(values as number[]);
    case 'BYTES':
      return values as Uint8Array[];
    case 'FP16':
      throw new Error('unreachable: FP16 has no contents field');
  }
}

function checkRange(values: number[], datatype: DataType, at: string): number[] {
  const [min, max] = NARROW_RANGES[datatype]!;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < min || value > max) {
      throw new BerthError(
        'INPUT_DATA',
        `${at}[${index}]: expected an integer in [${min}, ${max}] for ${datatype}, got ${value}`,
      );
    }
  }
  return values;
}

function decodeShape(dims: readonly Int64[], field: string): number[] {
  if (dims.length > MAX_TENSOR_RANK) {
    throw invalid(field, `at most ${MAX_TENSOR_RANK} dimensions`, `${dims.length} dimensions`);
  }
  const shape: number[] = [];
  for (const dim of dims) {
    const value = Number(dim);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(field, 'non-negative integers', `[${dims.map(String).join(', ')}]`);
    }
    shape.push(value);
  }
  return shape;
}

/**
 * InferParameter map → core parameters. int64 and uint64 values become numbers when a double holds
 * them exactly, else decimal strings: a uint64 of 2^64-1 must not turn into 18446744073709552000.
 */
export function decodeParameters(map: ParameterMap | undefined): Parameters | undefined {
  if (map === undefined) return undefined;
  const entries = Object.entries(map);
  if (entries.length === 0) return undefined;
  const parameters: Record<string, string | number | boolean> = {};
  for (const [key, parameter] of entries) {
    switch (parameter.parameter_choice) {
      case 'bool_param':
        parameters[key] = parameter.bool_param ?? false;
        break;
      case 'string_param':
        parameters[key] = parameter.string_param ?? '';
        break;
      case 'int64_param':
        parameters[key] = exactInteger(parameter.int64_param ?? 0);
        break;
      case 'uint64_param':
        parameters[key] = exactInteger(parameter.uint64_param ?? 0);
        break;
      case 'double_param':
        parameters[key] = parameter.double_param ?? 0;
        break;
      default:
      // No value set: the parameter carries nothing.
    }
  }
  return parameters;
}

/**
 * Core parameters → InferParameter map: integers as int64_param, other numbers as double_param.
 * Decimal strings stay string_param: the core form cannot tell them from text.
 */
export function encodeParameters(parameters: Parameters | undefined): ParameterMap | undefined {
  if (parameters === undefined) return undefined;
  const map: ParameterMap = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === 'boolean') map[key] = { bool_param: value, parameter_choice: 'bool_param' };
    else if (typeof value === 'string') map[key] = { string_param: value, parameter_choice: 'string_param' };
    else if (Number.isSafeInteger(value)) map[key] = { int64_param: value, parameter_choice: 'int64_param' };
    else map[key] = { double_param: value, parameter_choice: 'double_param' };
  }
  return map;
}

function exactInteger(value: Int64): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : String(value);
}

function invalid(field: string, expected: string, shown: string): BerthError {
  return new BerthError('INVALID_REQUEST', `${field}: expected ${expected}, got ${shown}`);
}
