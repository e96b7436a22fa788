import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import { DATATYPES, type DataType, type Tensor } from '../../../src/core/tensor.js';
import { decodeInferRequest, encodeInferResponse } from '../../../src/protocol/v2/json-codec.js';

function decodeError(body: unknown): BerthError {
  try {
    decodeInferRequest(body);
  } catch (error) {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to be rejected');
}

const sampleValues: Record<DataType, unknown[]> = {
  BOOL: [true, false],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, '18446744073709551615'],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: ['-9223372036854775808', 9007199254740991],
  FP16: [0.5, -2],
  FP32: [1.5, -0.25],
  FP64: [0.1, 1e300],
  BYTES: ['héllo', ''],
};

describe('V2 JSON codec', () => {
  it('decodes a request with id, parameters and output selection', () => {
    const request = decodeInferRequest({
      id: 'req-1',
      parameters: { priority: 1 },
      inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }],
      outputs: [{ name: 'y', parameters: { binary_data: false } }],
    });
    assert.equal(request.id, 'req-1');
    assert.deepEqual(request.parameters, { priority: 1 });
    assert.deepEqual(request.outputs, [{ name: 'y', parameters: { binary_data: false } }]);
    const input = request.inputs[0]!;
    assert.deepEqual(input.shape, [1, 2]);
    assert.deepEqual(Array.from(input.data as Float32Array), [1, 2]);
  });

  it('accepts nested row-major data', () => {
    const request = decodeInferRequest({
      inputs: [
        {
          name: 'x',
          shape: [2, 2],
          datatype: 'INT32',
          data: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
    });
    assert.deepEqual(Array.from(request.inputs[0]!.data as Int32Array), [1, 2, 3, 4]);
  });

  for (const datatype of DATATYPES) {
    it(`round-trips ${datatype} through decode and encode`, () => {
      const values = sampleValues[datatype];
      const request = decodeInferRequest({ inputs: [{ name: 't', shape: [2], datatype, data: values }] });
      const text = encodeInferResponse({
        modelName: 'm',
        modelVersion: '1',
        outputs: request.inputs as Tensor[],
      });
      const data = (JSON.parse(text) as { outputs: [{ data: unknown[] }] }).outputs[0].data;
      const expected = values.map((value) =>
        typeof value === 'string' && datatype !== 'BYTES' ? Number(value) : value,
      );
      if (datatype.endsWith('64') && datatype !== 'FP64') {
        // 64-bit integers are written exactly; JSON.parse loses precision past 2^53, so compare text.
        assert.match(text, new RegExp(`"data":\\[${values.map(String).join(',')}\\]`));
      } else {
        assert.deepEqual(data, expected);
      }
    });
  }

  it('encodes model name, version, id and non-finite floats as null', () => {
    const text = encodeInferResponse({
      modelName: 'm',
      modelVersion: '3',
      id: 'abc',
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [3], data: new Float32Array([1, Number.NaN, Infinity]) },
      ],
    });
    assert.deepEqual(JSON.parse(text), {
      model_name: 'm',
      model_version: '3',
      id: 'abc',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [1, null, null] }],
    });
  });

  const badRequests: Array<[string, unknown, RegExp, string]> = [
    ['not an object', [1, 2], /request body: expected a JSON object/, 'INVALID_REQUEST'],
    ['no inputs', {}, /inputs: expected a non-empty array/, 'INVALID_REQUEST'],
    [
      'input without name',
      { inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] },
      /inputs\[0\]\.name/,
      'INVALID_REQUEST',
    ],
    [
      'unknown datatype',
      { inputs: [{ name: 'x', shape: [1], datatype: 'FLOAT', data: [1] }] },
      /inputs\[0\] \("x"\)\.datatype: expected one of BOOL/,
      'INVALID_REQUEST',
    ],
    [
      'negative dim',
      { inputs: [{ name: 'x', shape: [-1], datatype: 'FP32', data: [1] }] },
      /\.shape: expected an array of non-negative integers/,
      'INVALID_REQUEST',
    ],
    [
      'string in FP32 data',
      { inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, 'a'] }] },
      /inputs\[0\] \("x"\)\.data\[1\]: expected a number for FP32, got "a"/,
      'INPUT_DATA',
    ],
    [
      'out of range UINT8',
      { inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', data: [256] }] },
      /data\[0\]: expected an integer in \[0, 255\]/,
      'INPUT_DATA',
    ],
    [
      'fraction for INT32',
      { inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1.5] }] },
      /data\[0\]: expected an integer/,
      'INPUT_DATA',
    ],
    [
      'unsafe INT64 number',
      { inputs: [{ name: 'x', shape: [1], datatype: 'INT64', data: [2 ** 60] }] },
      /decimal string/,
      'INPUT_DATA',
    ],
    [
      'missing data',
      { inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] },
      /\.data: expected an array/,
      'INVALID_REQUEST',
    ],
    [
      'bad id',
      { id: 5, inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] },
      /^id: expected a string/,
      'INVALID_REQUEST',
    ],
    [
      'bad outputs',
      { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }], outputs: 'y' },
      /^outputs: expected an array/,
      'INVALID_REQUEST',
    ],
  ];
  for (const [what, body, message, id] of badRequests) {
    it(`rejects ${what} with a message naming the field`, () => {
      const error = decodeError(body);
      assert.equal(error.id, id);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, message);
    });
  }
});
