import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DATATYPES,
  elementCount,
  type DataType,
  type Tensor,
  type TensorData,
} from '../../../src/core/tensor.js';
import { concatInputs, concatRows, splitOutputs, splitRows } from '../../../src/scheduling/batch-tensor.js';
import { mulberry32 as random } from '../../support/prng.js';

function randomData(datatype: DataType, count: number, next: () => number): TensorData {
  const int = (bound: number): number => Math.floor(next() * bound);
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from({ length: count }, () => int(2));
    case 'UINT8':
      return Uint8Array.from({ length: count }, () => int(256));
    case 'INT8':
      return Int8Array.from({ length: count }, () => int(256) - 128);
    case 'UINT16':
    case 'FP16':
      return Uint16Array.from({ length: count }, () => int(65536));
    case 'INT16':
      return Int16Array.from({ length: count }, () => int(65536) - 32768);
    case 'UINT32':
      return Uint32Array.from({ length: count }, () => int(2 ** 32));
    case 'INT32':
      return Int32Array.from({ length: count }, () => int(2 ** 32) - 2 ** 31);
    case 'UINT64':
      return BigUint64Array.from({ length: count }, () => BigInt(int(2 ** 32)) << 31n);
    case 'INT64':
      return BigInt64Array.from({ length: count }, () => BigInt(int(2 ** 32) - 2 ** 31) << 31n);
    case 'FP32':
      return Float32Array.from({ length: count }, () => next() * 2 - 1);
    case 'FP64':
      return Float64Array.from({ length: count }, () => next() * 2 - 1);
    case 'BYTES':
      return Array.from({ length: count }, () => Uint8Array.from({ length: int(5) }, () => int(256)));
  }
}

function randomTensor(datatype: DataType, rows: number, rowShape: number[], next: () => number): Tensor {
  const shape = [rows, ...rowShape];
  return { name: 'x', datatype, shape, data: randomData(datatype, elementCount(shape), next) };
}

describe('concatRows and splitRows', () => {
  for (const datatype of DATATYPES) {
    it(`split(concat(parts)) gives the parts back for ${datatype}, random row counts and shapes`, () => {
      const next = random(DATATYPES.indexOf(datatype) + 1);
      for (let trial = 0; trial < 25; trial++) {
        const rowShape = Array.from({ length: Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 4));
        const rowCounts = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 5));
        const parts = rowCounts.map((rows) => randomTensor(datatype, rows, rowShape, next));

        const batch = concatRows(parts);
        const total = rowCounts.reduce((sum, rows) => sum + rows, 0);
        assert.deepEqual(batch.shape, [total, ...rowShape]);
        assert.equal(batch.data.length, elementCount(batch.shape));

        const back = splitRows(batch, rowCounts);
        assert.equal(back.length, parts.length);
        back.forEach((part, index) => {
          assert.deepEqual(part.shape, parts[index]!.shape);
          assert.deepEqual([...part.data], [...parts[index]!.data]);
          assert.equal(part.data.constructor, parts[index]!.data.constructor);
        });
      }
    });
  }

  it('allocates one array for the batch and splits into views of it, without copies', () => {
    const parts = [1, 2, 3].map((rows) => randomTensor('FP32', rows, [4], random(rows)));
    const batch = concatRows(parts);
    const data = batch.data as Float32Array;
    assert.equal(data.buffer.byteLength, 6 * 4 * Float32Array.BYTES_PER_ELEMENT);
    for (const part of splitRows(batch, [1, 2, 3]))
      assert.equal((part.data as Float32Array).buffer, data.buffer);
  });

  it('keeps BYTES elements by reference (no byte copies)', () => {
    const element = new Uint8Array([104, 105]);
    const batch = concatRows([
      { name: 't', datatype: 'BYTES', shape: [1], data: [element] },
      { name: 't', datatype: 'BYTES', shape: [1], data: [new Uint8Array(0)] },
    ]);
    assert.equal((batch.data as Uint8Array[])[0], element);
    assert.equal((splitRows(batch, [1, 1])[0]!.data as Uint8Array[])[0], element);
  });
});

describe('concatInputs and splitOutputs', () => {
  const fp32 = (name: string, shape: number[], values: number[]): Tensor => ({
    name,
    datatype: 'FP32',
    shape,
    data: Float32Array.from(values),
  });

  it('concatenates every input by name across requests', () => {
    const batch = concatInputs([
      new Map([
        ['a', fp32('a', [1, 2], [1, 2])],
        ['b', fp32('b', [1, 1], [9])],
      ]),
      new Map([
        ['b', fp32('b', [2, 1], [8, 7])],
        ['a', fp32('a', [2, 2], [3, 4, 5, 6])],
      ]),
    ]);
    assert.deepEqual([...batch.get('a')!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(batch.get('a')!.shape, [3, 2]);
    assert.deepEqual([...batch.get('b')!.data], [9, 8, 7]);
  });

  it('splits batch outputs by rows and gives outputs without the batch dimension whole to every request', () => {
    const count: Tensor = { name: 'count', datatype: 'INT64', shape: [1], data: BigInt64Array.of(3n) };
    const outputs = new Map<string, Tensor>([
      ['y', fp32('y', [3, 2], [1, 2, 3, 4, 5, 6])],
      ['count', count],
    ]);
    const specs = [
      { name: 'y', datatype: 'FP32' as const, shape: [-1, 2] },
      { name: 'count', datatype: 'INT64' as const, shape: [1] },
    ];
    const [first, second] = splitOutputs(outputs, [1, 2], specs);
    assert.deepEqual([...first!.get('y')!.data], [1, 2]);
    assert.deepEqual(second!.get('y')!.shape, [2, 2]);
    assert.deepEqual([...second!.get('y')!.data], [3, 4, 5, 6]);
    assert.equal(first!.get('count'), count);
    assert.equal(second!.get('count'), count);
  });

  it('gives an output declared dynamic but not batch-sized (a reduction) whole to every request', () => {
    const total = fp32('total', [1], [21]);
    const [first, second] = splitOutputs(
      new Map([['total', total]]),
      [2, 1],
      [{ name: 'total', datatype: 'FP32', shape: [-1] }],
    );
    assert.equal(first!.get('total'), total);
    assert.equal(second!.get('total'), total);
  });
});
