/**
 * Raw tensor bytes ↔ typed tensor data, as the binary tensor data extension (Triton
 * docs/protocol/extension_binary_data.md) and gRPC `raw_input_contents` / `raw_output_contents`
 * (inference_grpc.md, "Tensor Data") lay them out: row-major, little-endian, no padding; BOOL is one
 * byte; each BYTES element is a 4-byte little-endian length followed by its bytes.
 *
 * Pure and zero-copy where the layout allows: fixed-size data becomes a typed array over the caller's
 * bytes when they are aligned for the element size, and is copied once when they are not (a typed
 * array cannot start at a misaligned offset). BYTES elements are views into the caller's bytes.
 */
import { BerthError } from '../../core/errors.js';
import { elementCount, elementSize, type DataType, type TensorData } from '../../core/tensor.js';

// Typed arrays use the host's byte order; every platform Node ships ONNX Runtime for is little-endian.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes one tensor's raw bytes and checks them against its shape. `field` names the bytes in
 * errors, e.g. `inputs[0] ("x").parameters.binary_data_size` or `raw_input_contents[1] (input "y")`.
 * The result may share memory with `bytes`: the caller must not reuse that memory while it is in use.
 */
export function decodeRawData(
  datatype: DataType,
  bytes: Uint8Array,
  shape: readonly number[],
  field: string,
): TensorData {
  const expected = elementCount(shape);
  if (datatype === 'BYTES') {
    const elements = decodeBytesElements(bytes, field);
    if (elements.length !== expected) {
      throw new BerthError(
        'INPUT_SHAPE',
        `${field}: ${bytes.length} bytes hold ${elements.length} BYTES elements, shape [${shape.join(', ')}] needs ${expected}`,
      );
    }
    return elements;
  }
  const size = elementSize(datatype)!;
  if (bytes.length % size !== 0) {
    throw new BerthError(
      'INPUT_SHAPE',
      `${field}: ${bytes.length} bytes is not a multiple of ${size} bytes, the size of one ${datatype} element`,
    );
  }
  if (bytes.length / size !== expected) {
    throw new BerthError(
      'INPUT_SHAPE',
      `${field}: ${bytes.length} bytes hold ${bytes.length / size} ${datatype} elements, shape [${shape.join(', ')}] needs ${expected} (${expected * size} bytes)`,
    );
  }
  return viewFixed(datatype, bytes, size);
}

/**
 * The raw bytes of typed data. Fixed-size data is returned as a view of the same memory (no copy);
 * BYTES elements are written into one new buffer with their length prefixes.
 */
export function encodeRawData(datatype: DataType, data: TensorData): Uint8Array {
  assertLittleEndianHost();
  if (datatype === 'BYTES') return encodeBytesElements(data as Uint8Array[]);
  const view = data as Exclude<TensorData, Uint8Array[]>;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Bytes `encodeRawData` will produce, without producing them. */
export function rawByteLength(datatype: DataType, data: TensorData): number {
  if (datatype !== 'BYTES') return (data as Exclude<TensorData, Uint8Array[]>).byteLength;
  let total = 0;
  for (const element of data as Uint8Array[]) total += 4 + element.length;
  return total;
}

function viewFixed(datatype: Exclude<DataType, 'BYTES'>, bytes: Uint8Array, size: number): TensorData {
  assertLittleEndianHost();
  let buffer = bytes.buffer;
  let offset = bytes.byteOffset;
  if (offset % size !== 0) {
    // The one copy: a typed array must start at a multiple of its element size.
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    buffer = aligned.buffer;
    offset = 0;
  }
  const count = bytes.length / size;
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(buffer, offset, count);
    case 'INT8':
      return new Int8Array(buffer, offset, count);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(buffer, offset, count);
    case 'INT16':
      return new Int16Array(buffer, offset, count);
    case 'UINT32':
      return new Uint32Array(buffer, offset, count);
    case 'INT32':
      return new Int32Array(buffer, offset, count);
    case 'FP32':
      return new Float32Array(buffer, offset, count);
    case 'UINT64':
      return new BigUint64Array(buffer, offset, count);
    case 'INT64':
      return new BigInt64Array(buffer, offset, count);
    case 'FP64':
      return new Float64Array(buffer, offset, count);
  }
}

function decodeBytesElements(bytes: Uint8Array, field: string): Uint8Array[] {
  const elements: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) {
      throw new BerthError(
        'INPUT_DATA',
        `${field}: BYTES element ${elements.length} starts at byte ${offset} but its 4-byte length prefix needs ${offset + 4 - bytes.length} more bytes`,
      );
    }
    const length =
      (bytes[offset]! |
        (bytes[offset + 1]! << 8) |
        (bytes[offset + 2]! << 16) |
        (bytes[offset + 3]! << 24)) >>>
      0;
    const start = offset + 4;
    if (start + length > bytes.length) {
      throw new BerthError(
        'INPUT_DATA',
        `${field}: BYTES element ${elements.length} declares ${length} bytes but only ${bytes.length - start} remain`,
      );
    }
    elements.push(bytes.subarray(start, start + length));
    offset = start + length;
  }
  return elements;
}

function encodeBytesElements(elements: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const element of elements) total += 4 + element.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const element of elements) {
    const length = element.length;
    out[offset] = length & 0xff;
    out[offset + 1] = (length >>> 8) & 0xff;
    out[offset + 2] = (length >>> 16) & 0xff;
    out[offset + 3] = (length >>> 24) & 0xff;
    out.set(element, offset + 4);
    offset += 4 + length;
  }
  return out;
}

function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new BerthError('INTERNAL', 'raw tensor data needs a little-endian host; this one is big-endian');
  }
}
