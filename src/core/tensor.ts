/**
 * Tensors as every layer sees them: a name, an Open Inference Protocol datatype, a shape and the
 * data in a typed array (row-major). Transports convert to this once; runtimes convert from it once.
 */

/** Open Inference Protocol tensor datatypes (inference_rest.md, "Tensor Data Types"). */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export type DataType = (typeof DATATYPES)[number];

/**
 * The array type that holds each datatype. BOOL is one byte per element (0/1); FP16 holds the raw
 * IEEE half bits; BYTES holds one Uint8Array per element (strings are their UTF-8 bytes).
 */
export interface TensorDataByType {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: Uint8Array[];
}

export type TensorData = TensorDataByType[DataType];

/** A tensor with its data; `shape` uses concrete sizes only. */
export interface Tensor {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A tensor as a model declares it: -1 marks a dynamic dimension. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
}

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

/** The datatypes held in a JS number that is always an integer. */
export type SmallIntegerDataType = 'UINT8' | 'UINT16' | 'UINT32' | 'INT8' | 'INT16' | 'INT32';

/** Inclusive range of each small integer datatype. */
export const INTEGER_RANGES: Readonly<Record<SmallIntegerDataType, readonly [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

/**
 * Most dimensions a tensor may have (numpy's limit). Nested request data deeper than this is refused
 * before it is walked, so a body nested 10,000 deep cannot exhaust the call stack.
 */
export const MAX_TENSOR_RANK = 64;

/** Number of elements for a concrete shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** Bytes per element for fixed-size datatypes; undefined for BYTES. */
export function elementSize(datatype: DataType): number | undefined {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
    case 'INT8':
      return 1;
    case 'UINT16':
    case 'INT16':
    case 'FP16':
      return 2;
    case 'UINT32':
    case 'INT32':
    case 'FP32':
      return 4;
    case 'UINT64':
    case 'INT64':
    case 'FP64':
      return 8;
    case 'BYTES':
      return undefined;
  }
}

/** Allocates a zero-filled data array of the given datatype and element count. */
export function allocateData(datatype: DataType, count: number): TensorData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(count);
    case 'INT8':
      return new Int8Array(count);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(count);
    case 'INT16':
      return new Int16Array(count);
    case 'UINT32':
      return new Uint32Array(count);
    case 'INT32':
      return new Int32Array(count);
    case 'UINT64':
      return new BigUint64Array(count);
    case 'INT64':
      return new BigInt64Array(count);
    case 'FP32':
      return new Float32Array(count);
    case 'FP64':
      return new Float64Array(count);
    case 'BYTES':
      return Array.from({ length: count }, () => new Uint8Array(0));
  }
}

/** Number of elements held by a data array. */
export function dataLength(data: TensorData): number {
  return data.length;
}
