/**
 * The binary tensor data extension of the v2 REST protocol (Triton
 * docs/protocol/extension_binary_data.md; KServe "Binary Tensor Data Extension"): a body is a JSON
 * header of `Inference-Header-Content-Length` bytes followed by the raw data of every input that has
 * `parameters.binary_data_size`, in input order. Outputs are returned the same way when the request
 * asks (`parameters.binary_data_output`, or `binary_data` on one output, which wins).
 */
import { BerthError } from '../../core/errors.js';
import type { InferRequest, InferResponse } from '../../core/inference.js';
import type { Tensor } from '../../core/tensor.js';
import { previewJson } from '../json-preview.js';
import { decodeRawData, encodeRawData, rawByteLength } from './binary-codec.js';
import { decodeInferRequest } from './json-codec.js';
import { dataToJsonText } from './tensor-json.js';

/** The HTTP header giving the length of the JSON part of a binary body (requests and responses). */
export const INFERENCE_HEADER = 'inference-header-content-length';

const HEADER_NAME = 'Inference-Header-Content-Length';

/**
 * Decodes a request body. `headerLength` is the `Inference-Header-Content-Length` header as received;
 * without it the whole body is the JSON header, as Triton reads it. Raw inputs may share memory
 * with `body` (see decodeRawData).
 */
export function decodeBinaryInferRequest(
  body: Uint8Array,
  headerLength: string | readonly string[] | undefined,
): InferRequest {
  const jsonLength = parseHeaderLength(headerLength, body.length);
  const header = parseJsonHeader(body, jsonLength);
  const sizes = new Map<number, number>();
  if (isRecord(header) && Array.isArray(header.inputs)) {
    header.inputs = header.inputs.map((input: unknown, index: number) => {
      const size = binaryDataSize(input, index);
      if (size === undefined) return input;
      sizes.set(index, size);
      // The JSON decoder checks name, datatype, shape and parameters; the data comes from the body.
      return { ...(input as object), data: [] };
    });
  }
  const request = decodeInferRequest(header);
  if (sizes.size === 0 && jsonLength === body.length) return request;
  let offset = jsonLength;
  const inputs = request.inputs.map((tensor, index): Tensor => {
    const size = sizes.get(index);
    if (size === undefined) return tensor;
    const field = `inputs[${index}] ("${tensor.name}").parameters.binary_data_size`;
    if (offset + size > body.length) {
      throw new BerthError(
        'INVALID_REQUEST',
        `${field}: ${size} bytes, but only ${body.length - offset} bytes of binary data remain in the body`,
      );
    }
    const data = decodeRawData(tensor.datatype, body.subarray(offset, offset + size), tensor.shape, field);
    offset += size;
    return { ...tensor, data };
  });
  if (offset !== body.length) {
    throw new BerthError(
      'INVALID_REQUEST',
      `request body: ${body.length - offset} bytes follow the JSON header and the inputs' binary data (binary_data_size adds up to ${offset - jsonLength}); expected none`,
    );
  }
  return { ...request, inputs };
}

/** Which outputs go back as raw bytes; undefined when none do (answer plain JSON). */
export interface BinaryOutputSelection {
  isBinary(name: string): boolean;
}

/**
 * Reads `parameters.binary_data_output` and each output's `parameters.binary_data`; call it before
 * inference so a malformed parameter costs no compute.
 */
export function selectBinaryOutputs(request: InferRequest): BinaryOutputSelection | undefined {
  const all =
    optionalBoolean(request.parameters?.binary_data_output, 'parameters.binary_data_output') ?? false;
  const byName = new Map<string, boolean>();
  request.outputs?.forEach((output, index) => {
    const value = optionalBoolean(output.parameters?.binary_data, `outputs[${index}].parameters.binary_data`);
    if (value !== undefined) byName.set(output.name, value);
  });
  // Outputs that are not listed are returned only when no list is given, so `all` then covers them.
  const listed = request.outputs?.map((output) => byName.get(output.name) ?? all);
  const any = listed === undefined ? all : listed.includes(true);
  return any ? { isBinary: (name) => byName.get(name) ?? all } : undefined;
}

/** A response body with binary outputs: JSON header then raw output bytes, in output order. */
export interface BinaryResponseBody {
  /** Value of the `Inference-Header-Content-Length` response header. */
  readonly headerLength: number;
  readonly body: Buffer;
}

/** Encodes a response; output bytes are copied once, into the one response buffer. */
export function encodeBinaryInferResponse(
  response: InferResponse,
  selection: BinaryOutputSelection,
): BinaryResponseBody {
  const head: string[] = [`"model_name":${JSON.stringify(response.modelName)}`];
  head.push(`"model_version":${JSON.stringify(response.modelVersion)}`);
  if (response.id !== undefined) head.push(`"id":${JSON.stringify(response.id)}`);
  if (response.parameters !== undefined) head.push(`"parameters":${JSON.stringify(response.parameters)}`);
  const raw: Tensor[] = [];
  let rawLength = 0;
  const outputs = response.outputs.map((tensor) => {
    const start = `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (!selection.isBinary(tensor.name)) {
      return `${start},"data":${dataToJsonText(tensor.datatype, tensor.data)}}`;
    }
    const size = rawByteLength(tensor.datatype, tensor.data);
    raw.push(tensor);
    rawLength += size;
    return `${start},"parameters":{"binary_data_size":${size}}}`;
  });
  const json = `{${head.join(',')},"outputs":[${outputs.join(',')}]}`;
  const headerLength = Buffer.byteLength(json);
  const body = Buffer.allocUnsafe(headerLength + rawLength);
  body.write(json, 0, 'utf8');
  let offset = headerLength;
  for (const tensor of raw) {
    const bytes = encodeRawData(tensor.datatype, tensor.data);
    body.set(bytes, offset);
    offset += bytes.length;
  }
  return { headerLength, body };
}

function parseHeaderLength(value: string | readonly string[] | undefined, bodyLength: number): number {
  if (value === undefined) return bodyLength;
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${HEADER_NAME}: expected one non-negative integer (bytes of JSON at the start of the body), got ${JSON.stringify(value)}`,
    );
  }
  const length = Number(text);
  if (length > bodyLength) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${HEADER_NAME}: ${length} bytes of JSON header, but the body has only ${bodyLength} bytes`,
    );
  }
  return length;
}

function parseJsonHeader(body: Uint8Array, length: number): unknown {
  const text = Buffer.from(body.buffer, body.byteOffset, length).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BerthError(
      'MALFORMED_JSON',
      `request body: the JSON header (the first ${length} bytes, ${HEADER_NAME}) is not valid JSON (${(error as Error).message})`,
    );
  }
}

/** `parameters.binary_data_size` of one input as sent, or undefined when its data is JSON. */
function binaryDataSize(input: unknown, index: number): number | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { name, data, parameters } = input as { name?: unknown; data?: unknown; parameters?: unknown };
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const size = (parameters as Record<string, unknown>).binary_data_size;
  // null is absent, as the JSON codec reads every optional field.
  if (size === undefined || size === null) return undefined;
  const where = `inputs[${index}]${typeof name === 'string' ? ` ("${name}")` : ''}`;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${where}.parameters.binary_data_size: expected a non-negative integer (bytes), got ${previewJson(size)}`,
    );
  }
  if (data !== undefined && data !== null) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${where}: both data and parameters.binary_data_size are given; send the tensor one way`,
    );
  }
  return size;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new BerthError('INVALID_REQUEST', `${field}: expected true or false, got ${previewJson(value)}`);
}
