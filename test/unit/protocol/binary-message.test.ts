import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import type { InferRequest, InferResponse } from '../../../src/core/inference.js';
import {
  decodeBinaryInferRequest,
  encodeBinaryInferResponse,
  selectBinaryOutputs,
} from '../../../src/protocol/v2/binary-message.js';

/** A binary body: the JSON header, then each raw part; returns it with its header length. */
function binaryBody(header: unknown, ...parts: Uint8Array[]): { body: Buffer; headerLength: string } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headerLength: String(json.length) };
}

const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer);

function rejection(body: Uint8Array, headerLength: string | undefined): BerthError {
  try {
    decodeBinaryInferRequest(body, headerLength);
  } catch (error) {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to be rejected');
}

describe('V2 binary tensor extension', () => {
  it('reads raw inputs after the JSON header, in input order, next to JSON inputs', () => {
    const { body, headerLength } = binaryBody(
      {
        id: 'r1',
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP32', parameters: { binary_data_size: 8 } },
          { name: 'b', shape: [1], datatype: 'INT32', data: [7] },
          { name: 'c', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
        ],
      },
      f32(1.5, -2),
      Uint8Array.of(1, 0, 1),
    );
    const request = decodeBinaryInferRequest(body, headerLength);
    assert.equal(request.id, 'r1');
    assert.deepEqual(
      request.inputs.map((tensor) => [
        tensor.name,
        tensor.datatype,
        tensor.shape,
        Array.from(tensor.data as ArrayLike<number>),
      ]),
      [
        ['a', 'FP32', [2], [1.5, -2]],
        ['b', 'INT32', [1], [7]],
        ['c', 'BOOL', [3], [1, 0, 1]],
      ],
    );
  });

  it('reads the whole body as JSON without the header', () => {
    const body = Buffer.from(
      JSON.stringify({ inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: [3] }] }),
    );
    const request = decodeBinaryInferRequest(body, undefined);
    assert.deepEqual(Array.from(request.inputs[0]!.data as Float32Array), [3]);
  });

  const input = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'a', shape: [2], datatype: 'FP32', parameters, ...extra }],
  });
  const cases: Array<[string, () => [Uint8Array, string | undefined], string, RegExp]> = [
    [
      'binary_data_size larger than the body',
      () => swap(binaryBody(input({ binary_data_size: 16 }), f32(1, 2))),
      'INVALID_REQUEST',
      /^inputs\[0\] \("a"\)\.parameters\.binary_data_size: 16 bytes, but only 8 bytes of binary data remain in the body$/,
    ],
    [
      'a size that is not a multiple of the element size',
      () => swap(binaryBody(input({ binary_data_size: 6 }), new Uint8Array(6))),
      'INPUT_SHAPE',
      /^inputs\[0\] \("a"\)\.parameters\.binary_data_size: 6 bytes is not a multiple of 4 bytes/,
    ],
    [
      'a size that does not match the shape',
      () => swap(binaryBody(input({ binary_data_size: 12 }), f32(1, 2, 3))),
      'INPUT_SHAPE',
      /^inputs\[0\] \("a"\)\.parameters\.binary_data_size: 12 bytes hold 3 FP32 elements, shape \[2\] needs 2 \(8 bytes\)$/,
    ],
    [
      'both data and binary_data_size',
      () => swap(binaryBody(input({ binary_data_size: 8 }, { data: [1, 2] }), f32(1, 2))),
      'INVALID_REQUEST',
      /^inputs\[0\] \("a"\): both data and parameters\.binary_data_size are given/,
    ],
    [
      'a header length beyond the body',
      () => [Buffer.from('{}'), '50'],
      'INVALID_REQUEST',
      /^Inference-Header-Content-Length: 50 bytes of JSON header, but the body has only 2 bytes$/,
    ],
    [
      'a header length that is not a number',
      () => [Buffer.from('{}'), '2x'],
      'INVALID_REQUEST',
      /^Inference-Header-Content-Length: expected one non-negative integer/,
    ],
    [
      'a binary_data_size that is not an integer',
      () => swap(binaryBody(input({ binary_data_size: 'eight' }), f32(1, 2))),
      'INVALID_REQUEST',
      /^inputs\[0\] \("a"\)\.parameters\.binary_data_size: expected a non-negative integer \(bytes\), got "eight"$/,
    ],
    [
      'bytes left over after every input',
      () => swap(binaryBody(input({ binary_data_size: 8 }), f32(1, 2, 3))),
      'INVALID_REQUEST',
      /^request body: 4 bytes follow the JSON header and the inputs' binary data \(binary_data_size adds up to 8\); expected none$/,
    ],
    [
      'a header that is not JSON',
      () => [Buffer.from('{"inputs": [nope]}'), undefined],
      'MALFORMED_JSON',
      /^request body: the JSON header \(the first 18 bytes, Inference-Header-Content-Length\) is not valid JSON/,
    ],
    [
      'a bad datatype on a binary input (checked by the JSON decoder)',
      () =>
        swap(
          binaryBody(
            { inputs: [{ name: 'a', shape: [2], datatype: 'FP8', parameters: { binary_data_size: 2 } }] },
            new Uint8Array(2),
          ),
        ),
      'INVALID_REQUEST',
      /^inputs\[0\] \("a"\)\.datatype: expected one of BOOL/,
    ],
  ];
  for (const [title, make, id, message] of cases) {
    it(`rejects ${title}, naming the field`, () => {
      const [body, headerLength] = make();
      const error = rejection(body, headerLength);
      assert.equal(error.id, id, error.message);
      assert.match(error.message, message);
    });
  }

  const response: InferResponse = {
    modelName: 'm',
    modelVersion: '1',
    id: 'r',
    outputs: [
      { name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([1, 2]) },
      { name: 's', datatype: 'BYTES', shape: [1], data: [Uint8Array.of(0x61)] },
      { name: 'z', datatype: 'INT64', shape: [1], data: new BigInt64Array([-1n]) },
    ],
  };
  const request = (
    parameters?: InferRequest['parameters'],
    outputs?: InferRequest['outputs'],
  ): InferRequest => ({
    inputs: [],
    ...(parameters ? { parameters } : {}),
    ...(outputs ? { outputs } : {}),
  });

  it('returns every output as raw bytes with binary_data_output', () => {
    const selection = selectBinaryOutputs(request({ binary_data_output: true }))!;
    const { headerLength, body } = encodeBinaryInferResponse(response, selection);
    const header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
    assert.deepEqual(header, {
      model_name: 'm',
      model_version: '1',
      id: 'r',
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
        { name: 's', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 5 } },
        { name: 'z', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } },
      ],
    });
    assert.deepEqual(Array.from(body.subarray(headerLength)), [
      ...f32(1, 2),
      1,
      0,
      0,
      0,
      0x61,
      ...new Uint8Array(new BigInt64Array([-1n]).buffer),
    ]);
  });

  it('lets binary_data on an output override binary_data_output', () => {
    const selection = selectBinaryOutputs(
      request({ binary_data_output: true }, [
        { name: 'y', parameters: { binary_data: false } },
        { name: 'z' },
      ]),
    )!;
    assert.equal(selection.isBinary('y'), false);
    assert.equal(selection.isBinary('z'), true);
    const only = selectBinaryOutputs(
      request(undefined, [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }]),
    )!;
    const { headerLength, body } = encodeBinaryInferResponse(
      { ...response, outputs: [response.outputs[0]!, response.outputs[2]!] },
      only,
    );
    const header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
    assert.deepEqual(header.outputs[0].parameters, { binary_data_size: 8 });
    assert.deepEqual(header.outputs[1].data, [-1]);
    assert.equal(body.length, headerLength + 8);
  });

  it('answers JSON when no output is binary, and rejects non-boolean flags', () => {
    assert.equal(selectBinaryOutputs(request()), undefined);
    assert.equal(selectBinaryOutputs(request({ binary_data_output: false })), undefined);
    assert.equal(
      selectBinaryOutputs(
        request({ binary_data_output: true }, [{ name: 'y', parameters: { binary_data: false } }]),
      ),
      undefined,
    );
    assert.throws(
      () => selectBinaryOutputs(request({ binary_data_output: 'yes' })),
      /parameters\.binary_data_output: expected true or false, got "yes"/,
    );
    assert.throws(
      () => selectBinaryOutputs(request(undefined, [{ name: 'y', parameters: { binary_data: 1 } }])),
      /outputs\[0\]\.parameters\.binary_data: expected true or false, got 1/,
    );
  });
});

function swap({ body, headerLength }: { body: Buffer; headerLength: string }): [Uint8Array, string] {
  return [body, headerLength];
}
