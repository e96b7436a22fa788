import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tensor } from '../../../src/core/tensor.js';
import { prepareInput } from '../../../src/runtime/onnx/tensor-convert.js';
import { inputsForWorker, outputTransferList } from '../../../src/runtime/onnx/worker-protocol.js';
import { fp32, tensor } from './helpers.js';

describe('inputsForWorker', () => {
  it('posts a tensor that is most of its buffer as is, to be cloned, transferring nothing', () => {
    const own = prepareInput(fp32('a', [1, 4], [1, 2, 3, 4]));
    const { inputs, transfer } = inputsForWorker([own]);
    assert.equal(inputs[0]?.data, own.data);
    assert.deepEqual(transfer, []);
  });

  it('copies a small view into a larger buffer once and transfers the copy, leaving the caller its buffer', () => {
    const body = new Float32Array(64).map((_, i) => i);
    const view = prepareInput(tensor('a', 'FP32', [1, 4], body.subarray(8, 12)));
    const { inputs, transfer } = inputsForWorker([view]);
    const sent = inputs[0]?.data as Float32Array;
    assert.notEqual(sent.buffer, body.buffer);
    assert.deepEqual(sent, Float32Array.of(8, 9, 10, 11));
    assert.equal(sent.byteLength, sent.buffer.byteLength, 'exactly the view, not the whole body');
    assert.deepEqual(transfer, [sent.buffer]);
    assert.equal(body.byteLength, 256, 'the caller keeps its buffer');
  });

  it('copies memory shared with the caller, so a run sees a snapshot', () => {
    const shared = new Float32Array(new SharedArrayBuffer(16)).fill(2);
    const { inputs, transfer } = inputsForWorker([prepareInput(tensor('a', 'FP32', [1, 4], shared))]);
    assert.ok((inputs[0]?.data as Float32Array).buffer instanceof ArrayBuffer);
    assert.equal(transfer.length, 1);
  });

  it('sends strings as they are', () => {
    const text = prepareInput(tensor('t', 'BYTES', [2], [Uint8Array.of(104, 105), Uint8Array.of(0x79)]));
    const { inputs, transfer } = inputsForWorker([text]);
    assert.deepEqual(inputs[0]?.data, ['hi', 'y']);
    assert.deepEqual(transfer, []);
  });
});

describe('outputTransferList', () => {
  it('lists each buffer once, numeric and BYTES alike', () => {
    const shared = new Float32Array(8);
    const outputs: Tensor[] = [
      tensor('x', 'FP32', [4], shared.subarray(0, 4)),
      tensor('y', 'FP32', [4], shared.subarray(4)),
      tensor('s', 'BYTES', [2], [Uint8Array.of(1), Uint8Array.of(2)]),
    ];
    const list = outputTransferList(outputs);
    assert.equal(list.length, 3);
    assert.ok(list.includes(shared.buffer as ArrayBuffer));
  });
});
