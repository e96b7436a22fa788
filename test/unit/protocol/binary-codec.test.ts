import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import {
  allocateData,
  DATATYPES,
  elementSize,
  type DataType,
  type TensorData,
} from '../../../src/core/tensor.js';
import { decodeRawData, encodeRawData, rawByteLength } from '../../../src/protocol/v2/binary-codec.js';
import { mulberry32 } from '../../support/prng.js';

/** Little-endian bytes written by hand, so the codec is checked against the layout, not itself. */
const le = (...bytes: number[]) => Uint8Array.from(bytes);

const decodeTable: Array<[DataType, Uint8Array, readonly number[], unknown[]]> = [
  ['BOOL', le(1, 0, 1), [3], [1, 0, 1]],
  ['UINT8', le(0, 255), [2], [0, 255]],
  ['INT8', le(0x80, 0x7f), [2], [-128, 127]],
  ['UINT16', le(0x34, 0x12), [1], [0x1234]],
  ['INT16', le(0xff, 0xff, 0x00, 0x80), [2], [-1, -32768]],
  ['FP16', le(0x00, 0x3c), [1], [0x3c00]],
  ['UINT32', le(0x78, 0x56, 0x34, 0x12), [1], [0x12345678]],
  ['INT32', le(0xfe, 0xff, 0xff, 0xff), [1, 1], [-2]],
  ['FP32', le(0x00, 0x00, 0xc0, 0x3f), [1], [1.5]],
  ['FP64', le(0, 0, 0, 0, 0, 0, 0xf0, 0xbf), [1], [-1]],
  ['INT64', le(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), [1], [2n ** 63n - 1n]],
  ['UINT64', le(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), [1], [2n ** 64n - 1n]],
];

describe('raw tensor codec', () => {
  for (const [datatype, bytes, shape, expected] of decodeTable) {
    it(`decodes little-endian ${datatype}`, () => {
      const data = decodeRawData(datatype, bytes, shape, 'x');
      assert.deepEqual(Array.from(data as ArrayLike<unknown>), expected);
      assert.deepEqual(encodeRawData(datatype, data), bytes);
    });
  }

  it('decodes BYTES as 4-byte little-endian lengths followed by the bytes', () => {
    const bytes = le(2, 0, 0, 0, 0x68, 0x69, 0, 0, 0, 0, 1, 0, 0, 0, 0xff);
    const data = decodeRawData('BYTES', bytes, [3], 'x') as Uint8Array[];
    assert.deepEqual(
      data.map((element) => Array.from(element)),
      [[0x68, 0x69], [], [0xff]],
    );
    assert.deepEqual(encodeRawData('BYTES', data), bytes);
    assert.equal(rawByteLength('BYTES', data), bytes.length);
  });

  it('views aligned bytes without copying, and copies misaligned ones once', () => {
    const backing = new Uint8Array(17);
    const aligned = backing.subarray(8, 16);
    const viewed = decodeRawData('FP32', aligned, [2], 'x') as Float32Array;
    assert.equal(viewed.buffer, backing.buffer);
    assert.equal(viewed.byteOffset, 8);
    const misaligned = backing.subarray(9, 17);
    const copied = decodeRawData('FP32', misaligned, [2], 'x') as Float32Array;
    assert.notEqual(copied.buffer, backing.buffer);
    assert.equal(copied.length, 2);
    const strings = decodeRawData('BYTES', le(1, 0, 0, 0, 7), [1], 'x') as Uint8Array[];
    assert.equal(strings[0]!.byteOffset, 4, 'BYTES elements are views too');
  });

  it('encodes numeric data as a view of the same memory', () => {
    const data = new Int32Array([1, 2, 3]).subarray(1);
    const bytes = encodeRawData('INT32', data);
    assert.equal(bytes.buffer, data.buffer);
    assert.equal(bytes.byteOffset, 4);
    assert.equal(bytes.length, 8);
  });

  const errors: Array<[string, DataType, Uint8Array, readonly number[], string, RegExp]> = [
    [
      'size not a multiple of the element size',
      'FP32',
      new Uint8Array(6),
      [2],
      'INPUT_SHAPE',
      /^f: 6 bytes is not a multiple of 4 bytes, the size of one FP32 element$/,
    ],
    [
      'size not matching the shape',
      'INT64',
      new Uint8Array(16),
      [1, 3],
      'INPUT_SHAPE',
      /^f: 16 bytes hold 2 INT64 elements, shape \[1, 3\] needs 3 \(24 bytes\)$/,
    ],
    [
      'BYTES count not matching the shape',
      'BYTES',
      le(0, 0, 0, 0),
      [2],
      'INPUT_SHAPE',
      /^f: 4 bytes hold 1 BYTES elements, shape \[2\] needs 2$/,
    ],
    [
      'BYTES length prefix cut short',
      'BYTES',
      le(0, 0, 0, 0, 1, 0),
      [2],
      'INPUT_DATA',
      /^f: BYTES element 1 starts at byte 4 but its 4-byte length prefix needs 2 more bytes$/,
    ],
    [
      'BYTES element longer than the bytes',
      'BYTES',
      le(9, 0, 0, 0, 1, 2),
      [1],
      'INPUT_DATA',
      /^f: BYTES element 0 declares 9 bytes but only 2 remain$/,
    ],
  ];
  for (const [title, datatype, bytes, shape, id, message] of errors) {
    it(`rejects ${title}`, () => {
      assert.throws(
        () => decodeRawData(datatype, bytes, shape, 'f'),
        (error: unknown) => error instanceof BerthError && error.id === id && message.test(error.message),
      );
    });
  }

  // Property: encode → decode gives the same elements for random data of every datatype, at every
  // alignment of the bytes within their buffer.
  for (const datatype of DATATYPES) {
    it(`round-trips random ${datatype} data at any alignment`, () => {
      const random = mulberry32(DATATYPES.indexOf(datatype) + 1);
      for (let trial = 0; trial < 50; trial++) {
        const count = Math.floor(random() * 20);
        const data = randomData(datatype, count, random);
        const encoded = encodeRawData(datatype, data);
        assert.equal(encoded.length, rawByteLength(datatype, data));
        const shift = Math.floor(random() * 8);
        const placed = new Uint8Array(shift + encoded.length);
        placed.set(encoded, shift);
        const decoded = decodeRawData(datatype, placed.subarray(shift), [count], 'x');
        assert.deepEqual(
          normalise(decoded),
          normalise(data),
          `${datatype}, ${count} elements, shift ${shift}`,
        );
        assert.equal(decoded.constructor, data.constructor);
      }
    });
  }
});

function randomData(datatype: DataType, count: number, random: () => number): TensorData {
  if (datatype === 'BYTES') {
    return Array.from({ length: count }, () =>
      Uint8Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * 256)),
    );
  }
  const data = allocateData(datatype, count) as Exclude<TensorData, Uint8Array[]>;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  if (datatype === 'BOOL') for (let i = 0; i < count; i++) bytes[i] = bytes[i]! & 1;
  assert.equal(bytes.length, count * elementSize(datatype)!);
  return data;
}

/** Compares by bits, so NaN payloads and -0 count as equal only to themselves. */
function normalise(data: TensorData): unknown {
  if (Array.isArray(data)) return data.map((element) => Array.from(element));
  const view = data as Exclude<TensorData, Uint8Array[]>;
  return Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}
