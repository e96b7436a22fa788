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
import { isDataType, DATATYPES, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { dataFromJson, dataToJsonText } from './tensor-json.js';

/** Decodes a parsed `$inference_request` object. */
export function decodeInferRequest(body: unknown): InferRequest {
  const request = asObject(body, 'request body');
  const id = optionalString(request.id, 'id');
  const parameters = optionalParameters(request.parameters, 'parameters');
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) {
    throw invalid('inputs', 'a non-empty array of input tensors', request.inputs);
  }
  const inputs = request.inputs.map((input, index) => decodeInput(input, `inputs[${index}]`));
  const outputs =
    request.outputs === undefined
      ? undefined
      : Array.isArray(request.outputs)
        ? request.outputs.map((output, index) => decodeOutput(output, `outputs[${index}]`))
        : invalid('outputs', 'an array of {"name": ...} objects', request.outputs);
  return {
    ...(id !== undefined ? { id } : {}),
    inputs,
    ...(outputs !== undefined ? { outputs } : {}),
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
  const data = dataFromJson(input.datatype, input.data, `${where}.data`);
  return { name, datatype: input.datatype, shape, data };
}

function decodeShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw invalid(field, 'an array of non-negative integers', value);
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

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'a string', value);
  return value;
}

function optionalParameters(value: unknown, field: string): Parameters | undefined {
  if (value === undefined) return undefined;
  const parameters = asObject(value, field);
  for (const [key, entry] of Object.entries(parameters)) {
    if (!['string', 'number', 'boolean'].includes(typeof entry)) {
      throw invalid(`${field}.${key}`, 'a string, number or boolean', entry);
    }
  }
  return parameters as Parameters;
}

function invalid(field: string, expected: string, value: unknown): never {
  const shown = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  throw new BerthError(
    'INVALID_REQUEST',
    `${field}: expected ${expected}, got ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`,
  );
}
