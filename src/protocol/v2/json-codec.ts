/**
 * Open Inference Protocol v2 JSON ↔ core types (inference_rest.md "Inference Request JSON Object",
 * "Inference Response JSON Object"). Pure functions: the HTTP layer hands in parsed JSON.
 */
import { BerthError } from '../../core/errors.js';
import type {
  InferRequest,
  InferResponse,
  ModelMetadata,
  Parameters,
  RequestedOutput,
  ServerMetadata,
} from '../../core/inference.js';
import { isDataType, DATATYPES, MAX_TENSOR_RANK, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { previewJson } from '../json-preview.js';
import { ScannedNumbers, scanInferRequest } from './infer-request-scanner.js';
import { parseJsonText } from './json-text.js';
import { dataFromJson, dataFromNumbers, dataToJsonText } from './tensor-json.js';

/**
 * Decodes the text of a `$inference_request`: the scanner reads numeric `data` lists straight into
 * typed arrays. Whatever it does not cover, and every request it would reject, goes through
 * JSON.parse + decodeInferRequest instead, so results and error messages are theirs exactly.
 */
export function decodeInferRequestText(text: string): InferRequest {
  let scanned: unknown;
  try {
    scanned = scanInferRequest(text);
    return decodeInferRequest(scanned);
  } catch {
    // Errors are rare and cheap to redo; redoing them gives the reference message and id.
    return decodeInferRequest(parseJsonText(text));
  }
}

/**
 * Decodes a parsed `$inference_request` object. `null` for an optional field (id, parameters,
 * outputs, a tensor's parameters, one parameter's value) means absent, as pydantic clients send
 * unset fields; an empty `outputs` list asks for every output, as KServe and Triton read it.
 */
export function decodeInferRequest(body: unknown): InferRequest {
  const request = asObject(body, 'request body');
  const id = optionalString(request.id, 'id');
  const parameters = optionalParameters(request.parameters, 'parameters');
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) {
    throw invalid('inputs', 'a non-empty array of input tensors', request.inputs);
  }
  const inputs = request.inputs.map((input, index) => decodeInput(input, `inputs[${index}]`));
  const outputs = isAbsent(request.outputs)
    ? undefined
    : Array.isArray(request.outputs)
      ? request.outputs.map((output, index) => decodeOutput(output, `outputs[${index}]`))
      : invalid('outputs', 'an array of {"name": ...} objects', request.outputs);
  return {
    ...(id !== undefined ? { id } : {}),
    inputs,
    ...(outputs !== undefined && outputs.length > 0 ? { outputs } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
}

function decodeInput(value: unknown, field: string): Tensor {
  const input = asObject(value, field);
  if (typeof input.name !== 'string' || input.name.length === 0) {
    throw invalid(`${field}.name`, 'a non-empty string', input.name);
  }
  const name = input.name;
  const where = `${field} ("${name}")`;
  if (!isDataType(input.datatype)) {
    throw invalid(`${where}.datatype`, `one of ${DATATYPES.join(', ')}`, input.datatype);
  }
  const shape = decodeShape(input.shape, `${where}.shape`);
  optionalParameters(input.parameters, `${where}.parameters`);
  if (input.data === undefined) throw invalid(`${where}.data`, 'an array of values', undefined);
  const data =
    input.data instanceof ScannedNumbers
      ? dataFromNumbers(input.datatype, input.data.values, `${where}.data`)
      : dataFromJson(input.datatype, input.data, `${where}.data`);
  return { name, datatype: input.datatype, shape, data };
}

function decodeShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw invalid(field, 'an array of non-negative integers', value);
  }
  if (value.length > MAX_TENSOR_RANK) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${field}: expected at most ${MAX_TENSOR_RANK} dimensions, got ${value.length}`,
    );
  }
  return value as number[];
}

function decodeOutput(value: unknown, field: string): RequestedOutput {
  const output = asObject(value, field);
  if (typeof output.name !== 'string' || output.name.length === 0) {
    throw invalid(`${field}.name`, 'a non-empty string', output.name);
  }
  const parameters = optionalParameters(output.parameters, `${field}.parameters`);
  return { name: output.name, ...(parameters !== undefined ? { parameters } : {}) };
}

/** Encodes a response as JSON text; tensor data is written straight from the typed arrays. */
export function encodeInferResponse(response: InferResponse): string {
  const head: string[] = [`"model_name":${JSON.stringify(response.modelName)}`];
  head.push(`"model_version":${JSON.stringify(response.modelVersion)}`);
  if (response.id !== undefined) head.push(`"id":${JSON.stringify(response.id)}`);
  if (response.parameters !== undefined) head.push(`"parameters":${JSON.stringify(response.parameters)}`);
  const outputs = response.outputs.map(
    (tensor) =>
      `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}],"data":${dataToJsonText(tensor.datatype, tensor.data)}}`,
  );
  return `{${head.join(',')},"outputs":[${outputs.join(',')}]}`;
}

/** `$metadata_model_response`. */
export function encodeModelMetadata(metadata: ModelMetadata): object {
  return {
    name: metadata.name,
    versions: metadata.versions,
    platform: metadata.platform,
    inputs: metadata.inputs.map(specJson),
    outputs: metadata.outputs.map(specJson),
  };
}

/** `$metadata_server_response`. */
export function encodeServerMetadata(metadata: ServerMetadata): object {
  return { name: metadata.name, version: metadata.version, extensions: metadata.extensions };
}

function specJson(spec: TensorSpec): object {
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape };
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(field, 'a JSON object', value);
  return value as Record<string, unknown>;
}

function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'a string', value);
  return value;
}

function optionalParameters(value: unknown, field: string): Parameters | undefined {
  if (isAbsent(value)) return undefined;
  const entries = Object.entries(asObject(value, field)).filter(([, entry]) => entry !== null);
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') {
      throw invalid(`${field}.${key}`, 'a string, number or boolean', entry);
    }
  }
  // fromEntries defines keys as own properties, so even "__proto__" stays a plain parameter.
  return Object.fromEntries(entries) as Parameters;
}

function invalid(field: string, expected: string, value: unknown): never {
  throw new BerthError('INVALID_REQUEST', `${field}: expected ${expected}, got ${previewJson(value)}`);
}
