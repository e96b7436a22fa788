/**
 * TensorFlow Serving REST predict API (`POST /v1/models/{m}:predict`) ↔ core types. The JSON carries
 * no datatypes, so decoding takes the model's input specs. Row ("instances") and columnar ("inputs")
 * formats both decode to the same request; the response uses the format the request used.
 */
import { BerthError } from '../../core/errors.js';
import { fromHalfBits } from '../../core/float16.js';
import type { InferRequest, InferResponse } from '../../core/inference.js';
import type { Tensor, TensorSpec } from '../../core/tensor.js';
import { dataFromJson } from '../v2/tensor-json.js';
import { flatten, nest, shapeOf } from './nested.js';

export type PredictFormat = 'row' | 'columnar';

/** Decodes a predict body; returns the format so the response can match it. */
export function decodePredictRequest(
  body: unknown,
  inputs: readonly TensorSpec[],
): { request: InferRequest; format: PredictFormat } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('request body', 'a JSON object with "instances" or "inputs"');
  }
  const record = body as Record<string, unknown>;
  if ((record.instances === undefined) === (record.inputs === undefined)) {
    throw invalid('request body', 'exactly one of "instances" (row format) or "inputs" (columnar format)');
  }
  if (record.signature_name !== undefined && typeof record.signature_name !== 'string') {
    throw invalid('signature_name', 'a string');
  }
  if (record.instances !== undefined)
    return { request: { inputs: decodeRows(record.instances, inputs) }, format: 'row' };
  return { request: { inputs: decodeColumns(record.inputs, inputs) }, format: 'columnar' };
}

function decodeRows(instances: unknown, specs: readonly TensorSpec[]): Tensor[] {
  if (!Array.isArray(instances) || instances.length === 0) throw invalid('instances', 'a non-empty list');
  const named = isPlainObject(instances[0]) && !isB64(instances[0]);
  if (!named) {
    if (specs.length !== 1) throw invalid('instances', `objects keyed by input name (${names(specs)})`);
    return [toTensor(specs[0]!, instances, 'instances')];
  }
  return specs.map((spec) => {
    const rows = instances.map((instance, index) => {
      if (!isPlainObject(instance) || !(spec.name in instance)) {
        throw new BerthError('MISSING_INPUT', `instances[${index}]: input "${spec.name}" is missing`);
      }
      return instance[spec.name];
    });
    return toTensor(spec, rows, `instances[*].${spec.name}`);
  });
}

function decodeColumns(columns: unknown, specs: readonly TensorSpec[]): Tensor[] {
  if (!isPlainObject(columns) || isB64(columns)) {
    if (specs.length !== 1) throw invalid('inputs', `an object keyed by input name (${names(specs)})`);
    return [toTensor(specs[0]!, columns, 'inputs')];
  }
  for (const key of Object.keys(columns)) {
    if (!specs.some((spec) => spec.name === key)) {
      throw new BerthError(
        'UNKNOWN_INPUT',
        `inputs.${key}: not an input of the model (expected: ${names(specs)})`,
      );
    }
  }
  return specs.map((spec) => {
    if (!(spec.name in columns))
      throw new BerthError('MISSING_INPUT', `inputs: input "${spec.name}" is missing`);
    return toTensor(spec, columns[spec.name], `inputs.${spec.name}`);
  });
}

function toTensor(spec: TensorSpec, value: unknown, field: string): Tensor {
  const shape = shapeOf(value, field);
  const flat = flatten(value, shape, field);
  if (spec.datatype === 'BYTES') {
    const data = flat.map((item, index) => bytesOf(item, `${field}[${index}]`));
    return { name: spec.name, datatype: 'BYTES', shape, data };
  }
  return { name: spec.name, datatype: spec.datatype, shape, data: dataFromJson(spec.datatype, flat, field) };
}

/** Strings are UTF-8; binary values come as {"b64": "..."} (TF Serving's convention). */
function bytesOf(item: unknown, field: string): Uint8Array {
  if (typeof item === 'string') return Buffer.from(item, 'utf8');
  if (isPlainObject(item) && typeof item.b64 === 'string') return Buffer.from(item.b64, 'base64');
  throw new BerthError('INPUT_DATA', `${field}: expected a string or {"b64": "..."}`);
}

/** Encodes a response in the request's format: {"predictions": rows} or {"outputs": columns}. */
export function encodePredictResponse(response: InferResponse, format: PredictFormat): object {
  const values = new Map(
    response.outputs.map((tensor) => [tensor.name, nest(jsonValues(tensor), tensor.shape)]),
  );
  if (format === 'columnar') {
    return { outputs: values.size === 1 ? [...values.values()][0] : Object.fromEntries(values) };
  }
  if (values.size === 1) return { predictions: [...values.values()][0] };
  const rows = Math.min(...response.outputs.map((tensor) => tensor.shape[0] ?? 1));
  const predictions = Array.from({ length: rows }, (_, row) =>
    Object.fromEntries([...values].map(([name, nested]) => [name, (nested as unknown[])[row]])),
  );
  return { predictions };
}

function jsonValues(tensor: Tensor): ArrayLike<unknown> {
  switch (tensor.datatype) {
    case 'BYTES':
      return (tensor.data as Uint8Array[]).map((bytes) => Buffer.from(bytes).toString('utf8'));
    case 'BOOL':
      return Array.from(tensor.data as Uint8Array, Boolean);
    case 'FP16':
      return Array.from(tensor.data as Uint16Array, fromHalfBits);
    case 'INT64':
    case 'UINT64':
      return Array.from(tensor.data as BigInt64Array, Number);
    default:
      return tensor.data as Float32Array;
  }
}

/** {"b64": "..."} is one binary value, not a map of input names. */
function isB64(value: Record<string, unknown>): boolean {
  return typeof value.b64 === 'string' && Object.keys(value).length === 1;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => `"${spec.name}"`).join(', ');
}

function invalid(field: string, expected: string): BerthError {
  return new BerthError('INVALID_REQUEST', `${field}: expected ${expected}`);
}
