/**
 * Core tensors ↔ ONNX Runtime tensors, in three steps that may run on different threads:
 * `prepareInput` checks an input and turns BYTES into JS strings (on the event loop, so a bad
 * request fails with its own error id before any instance is used); `toOrtTensor` wraps a prepared
 * input (in whichever thread owns the session); `collectOutputs` turns results back into core
 * tensors. Numeric data is never converted: onnxruntime-common keeps a typed array of the expected
 * class as is. Strings are the one conversion: BYTES elements are UTF-8 decoded on the way in and
 * encoded on the way out, because the Node binding only takes JS strings for ONNX string tensors;
 * bytes it would change (invalid UTF-8, NUL) are refused rather than altered.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { BerthError } from '../../core/errors.js';
import { elementCount, type Tensor, type TensorData } from '../../core/tensor.js';
import { datatypeOf, ORT_TYPE } from './dtype-map.js';

/** Data of every datatype but BYTES: one typed array. */
export type NumericData = Exclude<TensorData, Uint8Array[]>;

/** An input checked and ready for ONNX Runtime on any thread: numeric data as is, BYTES as strings. */
export interface PreparedInput {
  readonly name: string;
  readonly type: OrtTensor.Type;
  readonly dims: readonly number[];
  readonly data: NumericData | string[];
}

// fatal: bytes that are not UTF-8 would otherwise reach the model as U+FFFD, silently changed.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

// The constructor's overloads are keyed by literal type names; the table in dtype-map.ts already
// pairs each datatype with the typed array that overload expects, so one loose signature suffices.
const OrtTensorCtor = OrtTensor as unknown as new (
  type: OrtTensor.Type,
  data: OrtTensor.DataType,
  dims: readonly number[],
) => OrtTensor;

/** Checks a core tensor against its shape and decodes BYTES; numeric data is shared, not copied. */
export function prepareInput(tensor: Tensor, name = tensor.name): PreparedInput {
  const { datatype, shape, data } = tensor;
  if (elementCount(shape) !== data.length) {
    throw new BerthError(
      'INPUT_SHAPE',
      `input '${name}' has shape [${shape.join(', ')}] but ${data.length} elements; expected ${elementCount(shape)}`,
    );
  }
  const prepared = datatype === 'BYTES' ? decodeStrings(name, data as Uint8Array[]) : (data as NumericData);
  return { name, type: ORT_TYPE[datatype], dims: shape, data: prepared };
}

/** A prepared input as an ONNX Runtime tensor, sharing its data. */
export function toOrtTensor(input: PreparedInput): OrtTensor {
  return new OrtTensorCtor(input.type, input.data, input.dims);
}

/** The fetched outputs of a run, in `fetches` order, as core tensors. */
export function collectOutputs(results: InferenceSession.ReturnType, fetches: readonly string[]): Tensor[] {
  return fetches.map((name) => {
    const value = results[name];
    if (value === undefined)
      throw new BerthError('INFERENCE_FAILED', `ONNX Runtime returned no output '${name}'`);
    return fromOrtTensor(name, value);
  });
}

/** An ONNX Runtime output as a core tensor; FP16 comes back as raw half bits in a Uint16Array. */
export function fromOrtTensor(name: string, value: OrtTensor): Tensor {
  const datatype = datatypeOf(value.type);
  if (datatype === undefined) {
    throw new BerthError(
      'INFERENCE_FAILED',
      `output '${name}' has type ${value.type}, which no protocol datatype holds`,
    );
  }
  const shape = [...value.dims];
  if (datatype === 'BYTES') {
    const strings = value.data as string[];
    return { name, datatype, shape, data: strings.map((text) => utf8Encoder.encode(text)) };
  }
  if (datatype === 'FP16' && !(value.data instanceof Uint16Array)) {
    // Where the JS engine has Float16Array, onnxruntime-common returns one; keep the bits, not values.
    const half = value.data as ArrayBufferView & { length: number };
    return { name, datatype, shape, data: new Uint16Array(half.buffer, half.byteOffset, half.length) };
  }
  return { name, datatype, shape, data: value.data as TensorData };
}

function decodeStrings(name: string, elements: readonly Uint8Array[]): string[] {
  return elements.map((bytes, index) => {
    // The Node binding passes strings on as C strings, so 'a\0b' would reach the model as 'a'.
    if (bytes.includes(0)) {
      throw new BerthError(
        'INPUT_DATA',
        `input '${name}' element ${index} holds a NUL byte, which ONNX Runtime would cut the string at`,
      );
    }
    try {
      return utf8Decoder.decode(bytes);
    } catch (error) {
      throw new BerthError(
        'INPUT_DATA',
        `input '${name}' element ${index} is not valid UTF-8; ONNX string tensors hold UTF-8 text`,
        { cause: error },
      );
    }
  });
}
