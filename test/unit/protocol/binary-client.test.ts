import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeBinaryInferResponse,
  encodeBinaryInferRequest,
} from '../../../src/protocol/v2/binary-client.js';
import {
  decodeBinaryInferRequest,
  encodeBinaryInferResponse,
} from '../../../src/protocol/v2/binary-message.js';

describe('v2 binary client codec', () => {
  it('encodes a request the server decodes to the same tensors, asking for binary outputs', () => {
    const x = { name: 'x', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } as const;
    const n = { name: 'n', datatype: 'INT64', shape: [2], data: BigInt64Array.from([5n, -6n]) } as const;
    const { headerLength, body } = encodeBinaryInferRequest([x, n], ['y']);
    const request = decodeBinaryInferRequest(body, String(headerLength));
    assert.deepEqual(
      request.inputs.map((tensor) => [
        tensor.name,
        tensor.shape,
        Array.from(tensor.data as ArrayLike<unknown>),
      ]),
      [
        ['x', [2, 2], [1, 2, 3, 4]],
        ['n', [2], [5n, -6n]],
      ],
    );
    assert.deepEqual(request.outputs, [{ name: 'y', parameters: { binary_data: true } }]);
  });

  it('decodes binary and JSON outputs of a server response', () => {
    const y = {
      name: 'y',
      datatype: 'FP32',
      shape: [3, 1],
      data: Float32Array.from([0.5, 1.5, 2.5]),
    } as const;
    const z = { name: 'z', datatype: 'INT32', shape: [3], data: Int32Array.from([7, 8, 9]) } as const;
    const response = { modelName: 'm', modelVersion: '1', outputs: [y, z] };
    const encoded = encodeBinaryInferResponse(response, { isBinary: (name) => name === 'y' });
    const outputs = decodeBinaryInferResponse(encoded.body, encoded.headerLength);
    assert.deepEqual(outputs, [y, z]);
  });
});
