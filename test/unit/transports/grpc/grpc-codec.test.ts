import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { BerthError, ERROR_KINDS, type ErrorId } from '../../../../src/core/errors.js';
import { ERROR_ID_METADATA, grpcStatusOf, toServiceError } from '../../../../src/transports/grpc/status.js';
import {
  decodeModelInferRequest,
  decodeParameters,
  encodeModelInferResponse,
  encodeParameters,
} from '../../../../src/protocol/grpc/infer-codec.js';
import type { ModelInferRequestMessage } from '../../../../src/protocol/grpc/messages.js';
import { inferenceServiceDefinition } from '../../../../src/transports/grpc/proto.js';

describe('gRPC status mapping', () => {
  const expected: Record<string, status> = {
    INVALID_ARGUMENT: status.INVALID_ARGUMENT,
    NOT_FOUND: status.NOT_FOUND,
    ALREADY_EXISTS: status.ALREADY_EXISTS,
    FAILED_PRECONDITION: status.FAILED_PRECONDITION,
    ABORTED: status.ABORTED,
    RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
    UNAVAILABLE: status.UNAVAILABLE,
    DATA_LOSS: status.DATA_LOSS,
    INTERNAL: status.INTERNAL,
  };
  for (const id of Object.keys(ERROR_KINDS) as ErrorId[]) {
    it(`maps ${id} to the canonical status of its code`, () => {
      const error = new BerthError(id, 'm');
      assert.equal(grpcStatusOf(error), expected[error.code]);
    });
  }

  it('carries the message as details and the stable id in metadata', () => {
    const serviceError = toServiceError(new BerthError('INPUT_SHAPE', 'input "a": shape is [1]'));
    assert.equal(serviceError.code, status.INVALID_ARGUMENT);
    assert.equal(serviceError.details, 'input "a": shape is [1]');
    assert.deepEqual(serviceError.metadata?.get(ERROR_ID_METADATA), ['BERTH_ERR_INPUT_SHAPE']);
  });
});

describe('gRPC infer codec', () => {
  it('views aligned raw contents without copying', () => {
    const backing = Buffer.alloc(16 + 8);
    const raw = backing.subarray(8, 24);
    new Float32Array(raw.buffer, raw.byteOffset, 4).set([1, 2, 3, 4]);
    const { model, version, request } = decodeModelInferRequest({
      model_name: 'm',
      model_version: '',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2n, 2n] }],
      outputs: [],
      raw_input_contents: [raw],
    });
    assert.equal(model, 'm');
    assert.equal(version, undefined, 'an empty version lets the server choose');
    assert.equal(request.outputs, undefined, 'an empty output list means every output');
    const data = request.inputs[0]!.data as Float32Array;
    assert.equal(data.buffer, backing.buffer);
    assert.deepEqual(Array.from(data), [1, 2, 3, 4]);
    assert.deepEqual(request.inputs[0]!.shape, [2, 2]);
  });

  it('decodes parameters of every kind; int64 beyond 2^53 stays exact as a string', () => {
    assert.deepEqual(
      decodeParameters({
        flag: { bool_param: true, parameter_choice: 'bool_param' },
        small: { int64_param: 42n, parameter_choice: 'int64_param' },
        big: { int64_param: 9007199254740993n, parameter_choice: 'int64_param' },
        text: { string_param: 'x', parameter_choice: 'string_param' },
        unset: {},
      }),
      { flag: true, small: 42, big: '9007199254740993', text: 'x' },
    );
    assert.equal(decodeParameters({}), undefined);
  });

  it('rejects a negative or fractional shape, naming the input', () => {
    assert.throws(
      () =>
        decodeModelInferRequest({
          model_name: 'm',
          inputs: [{ name: 'x', datatype: 'FP32', shape: [-1n], contents: { fp32_contents: [] } }],
        }),
      /^BerthError: inputs\[0\] \("x"\)\.shape: expected non-negative integers, got \[-1\]$/,
    );
  });

  it('encodes every output as raw contents, numeric ones as views of the output memory', () => {
    const scores = new Float32Array([0.5, 0.25]);
    const message = encodeModelInferResponse({
      modelName: 'm',
      modelVersion: '3',
      id: 'r',
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [2, 1], data: scores },
        { name: 'label', datatype: 'BYTES', shape: [1], data: [Uint8Array.of(0x61, 0x62)] },
      ],
    });
    assert.deepEqual(message.outputs, [
      { name: 'score', datatype: 'FP32', shape: [2, 1] },
      { name: 'label', datatype: 'BYTES', shape: [1] },
    ]);
    assert.equal(message.raw_output_contents[0]!.buffer, scores.buffer);
    assert.deepEqual(Array.from(message.raw_output_contents[1]!), [2, 0, 0, 0, 0x61, 0x62]);
    assert.equal(message.id, 'r');
  });
});

describe('gRPC infer codec: shapes', () => {
  it('refuses more dimensions than the largest rank', () => {
    assert.throws(
      () =>
        decodeModelInferRequest({
          model_name: 'm',
          inputs: [
            { name: 'x', datatype: 'FP32', shape: Array(65).fill(1n), contents: { fp32_contents: [1] } },
          ],
        }),
      { message: 'inputs[0] ("x").shape: expected at most 64 dimensions, got 65 dimensions' },
    );
  });
});

describe('gRPC InferParameter double_param and uint64_param', () => {
  it('decodes them; uint64 beyond 2^53 stays exact as a string', () => {
    assert.deepEqual(
      decodeParameters({
        ratio: { double_param: 0.25, parameter_choice: 'double_param' },
        count: { uint64_param: 7n, parameter_choice: 'uint64_param' },
        top: { uint64_param: 18446744073709551615n, parameter_choice: 'uint64_param' },
      }),
      { ratio: 0.25, count: 7, top: '18446744073709551615' },
    );
  });

  it("carries them on the wire with the field numbers of Triton's proto (4 and 5)", () => {
    const method = inferenceServiceDefinition().ModelInfer!;
    const bytes = method.requestSerialize({
      model_name: 'm',
      parameters: {
        d: { double_param: 0.5 },
        u: { uint64_param: '18446744073709551615' },
      },
    });
    const double = Buffer.alloc(9);
    double[0] = (4 << 3) | 1; // field 4, 64-bit
    double.writeDoubleLE(0.5, 1);
    assert.ok(Buffer.from(bytes).includes(double), 'double_param is field 4 (fixed64)');
    const uint64Max = Buffer.from([(5 << 3) | 0, ...Array(9).fill(0xff), 0x01]);
    assert.ok(Buffer.from(bytes).includes(uint64Max), 'uint64_param is field 5 (varint)');

    const decoded = method.requestDeserialize(Buffer.from(bytes)) as ModelInferRequestMessage;
    assert.deepEqual(decodeParameters(decoded.parameters), { d: 0.5, u: '18446744073709551615' });
  });

  it('encodes core parameters by kind: int64 for integers, double for the rest', () => {
    assert.deepEqual(encodeParameters({ on: true, name: 'x', n: 3, f: 0.5 }), {
      on: { bool_param: true, parameter_choice: 'bool_param' },
      name: { string_param: 'x', parameter_choice: 'string_param' },
      n: { int64_param: 3, parameter_choice: 'int64_param' },
      f: { double_param: 0.5, parameter_choice: 'double_param' },
    });
    assert.equal(encodeParameters(undefined), undefined);
  });

  it('returns response parameters', () => {
    const message = encodeModelInferResponse({
      modelName: 'm',
      modelVersion: '1',
      outputs: [],
      parameters: { ratio: 0.5 },
    });
    assert.deepEqual(message.parameters, { ratio: { double_param: 0.5, parameter_choice: 'double_param' } });
  });
});
