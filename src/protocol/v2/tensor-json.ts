/**
 * JSON values ↔ typed tensor data for the Open Inference Protocol (inference_rest.md, "Tensor Data").
 * `data` may be flat or nested row-major; both become one typed array, checked element by element
 * so a bad value is reported with its index.
 */
import { BerthError } from '../../core/errors.js';
import { fromHalfBits, toHalfBits } from '../../core/float16.js';
import {
  allocateData,
  INTEGER_RANGES,
  MAX_TENSOR_RANK,
  type DataType,
  type SmallIntegerDataType,
  type TensorData,
} from '../../core/tensor.js';
import { previewJson } from '../json-preview.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Converts a JSON `data` array into typed data; `field` names it in errors (e.g. inputs[0].data). */
export function dataFromJson(datatype: DataType, values: unknown, field: string): TensorData {
  if (!Array.isArray(values)) throw invalid(field, 'an array', values);
  const flat: unknown[] =
    values.length > 0 && Array.isArray(values[0]) ? flattenNested(values, field) : values;
  const data = allocateData(datatype, flat.length);
  const range = INTEGER_RANGES[datatype as SmallIntegerDataType] as readonly [number, number] | undefined;
  for (let index = 0; index < flat.length; index += 1) {
    const value = flat[index];
    const at = `${field}[${index}]`;
    switch (datatype) {
      case 'FP32':
      case 'FP64':
        if (typeof value !== 'number') throw invalid(at, `a number for ${datatype}`, value);
        (data as Float32Array)[index] = value;
        break;
      case 'FP16':
        if (typeof value !== 'number') throw invalid(at, 'a number for FP16', value);
        (data as Uint16Array)[index] = toHalfBits(value);
        break;
      case 'BOOL':
        if (typeof value !== 'boolean') throw invalid(at, 'true or false for BOOL', value);
        (data as Uint8Array)[index] = value ? 1 : 0;
        break;
      case 'INT64':
      case 'UINT64':
        (data as BigInt64Array)[index] = toBigInt(value, datatype, at);
        break;
      case 'BYTES':
        if (typeof value !== 'string') throw invalid(at, 'a string for BYTES', value);
        (data as Uint8Array[])[index] = encoder.encode(value);
        break;
      default:
        if (typeof value !== 'number' || !Number.isInteger(value) || value < range![0] || value > range![1]) {
          throw invalid(at, `an integer in [${range![0]}, ${range![1]}] for ${datatype}`, value);
        }
        (data as Int32Array)[index] = value;
    }
  }
  return data;
}

/**
 * Typed data from numbers already read into a Float64Array (infer-request-scanner.ts). A value
 * the datatype refuses is reported by dataFromJson on the same numbers, so the message is its own.
 */
export function dataFromNumbers(datatype: DataType, values: Float64Array, field: string): TensorData {
  switch (datatype) {
    case 'FP64':
      return values;
    case 'FP32':
      return new Float32Array(values);
    case 'FP16': {
      const data = new Uint16Array(values.length);
      for (let index = 0; index < values.length; index += 1) data[index] = toHalfBits(values[index]!);
      return data;
    }
    case 'BOOL':
    case 'BYTES':
    case 'INT64':
    case 'UINT64':
      return dataFromJson(datatype, Array.from(values), field);
    default: {
      const [min, max] = INTEGER_RANGES[datatype];
      for (let index = 0; index < values.length; index += 1) {
        const value = values[index]!;
        if (!Number.isInteger(value) || value < min || value > max) {
          return dataFromJson(datatype, Array.from(values), field);
        }
      }
      const data = allocateData(datatype, values.length) as Int32Array;
      data.set(values);
      return data;
    }
  }
}

/**
 * Nested row-major data as one flat list. An explicit stack, not recursion or Array.prototype.flat
 * (both overflow the call stack on a body nested 10,000 deep); nesting beyond MAX_TENSOR_RANK is
 * refused with the field named.
 */
function flattenNested(values: readonly unknown[], field: string): unknown[] {
  const flat: unknown[] = [];
  const lists: (readonly unknown[])[] = [values];
  const next: number[] = [0];
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const index = next[top]!;
    if (index === list.length) {
      lists.pop();
      next.pop();
      continue;
    }
    next[top] = index + 1;
    const item = list[index];
    if (!Array.isArray(item)) {
      flat.push(item);
      continue;
    }
    if (lists.length === MAX_TENSOR_RANK) {
      throw new BerthError(
        'INPUT_SHAPE',
        `${field}: nested lists deeper than ${MAX_TENSOR_RANK} levels; expected at most ${MAX_TENSOR_RANK}, one per dimension`,
      );
    }
    lists.push(item);
    next.push(0);
  }
  return flat;
}

/** 64-bit integers come as JSON numbers (safe range) or as decimal strings for full precision. */
function toBigInt(value: unknown, datatype: 'INT64' | 'UINT64', at: string): bigint {
  let result: bigint | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) result = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) result = BigInt(value);
  const [min, max] = datatype === 'INT64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  if (result === undefined || result < min || result > max) {
    throw invalid(at, `an integer for ${datatype} (a JSON number up to 2^53, or a decimal string)`, value);
  }
  return result;
}

/** Writes typed data as the text of a JSON array, without building an intermediate JS array. */
export function dataToJsonText(datatype: DataType, data: TensorData): string {
  switch (datatype) {
    case 'BYTES':
      return JSON.stringify((data as Uint8Array[]).map((bytes) => decoder.decode(bytes)));
    case 'BOOL':
      return `[${Array.from(data as Uint8Array, (value) => (value ? 'true' : 'false')).join(',')}]`;
    case 'FP16':
      return floatsToJson(Array.from(data as Uint16Array, fromHalfBits));
    case 'FP32':
    case 'FP64':
      return floatsToJson(data as Float32Array);
    default:
      // Integer typed arrays (bigint ones included) print exactly with join.
      return `[${(data as Int32Array).join(',')}]`;
  }
}

/** JSON has no NaN or Infinity: those become null, as JSON.stringify does. */
function floatsToJson(values: ArrayLike<number> & { join(separator: string): string }): string {
  const text = values.join(',');
  return text.includes('N') || text.includes('I')
    ? JSON.stringify(Array.from(values as ArrayLike<number>))
    : `[${text}]`;
}

function invalid(field: string, expected: string, value: unknown): BerthError {
  return new BerthError('INPUT_DATA', `${field}: expected ${expected}, got ${previewJson(value, 40)}`);
}
