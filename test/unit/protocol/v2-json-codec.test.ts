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

/** A list nested `depth` levels deep around one value, built without recursion. */
function nested(depth: number, leaf: unknown = 1): unknown {
  return JSON.parse(`${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`);
}

describe('V2 JSON codec: hostile nesting', () => {
  const input = (data: unknown, shape: number[] = [1]) => ({
    inputs: [{ name: 'x', datatype: 'FP32', shape, data }],
  });

  it('flattens data nested as deep as the largest rank', () => {
    const request = decodeInferRequest(input(nested(64, 7), Array(64).fill(1)));
    assert.deepEqual(Array.from(request.inputs[0]!.data as Float32Array), [7]);
  });

  it('refuses data nested deeper than the largest rank, naming the field', () => {
    for (const depth of [65, 10_000]) {
      const error = decodeError(input(nested(depth)));
      assert.equal(error.id, 'INPUT_SHAPE');
      assert.match(error.message, /^inputs\[0\] \("x"\)\.data: nested lists deeper than 64 levels/);
    }
  });

  const deep = nested(10_000);
  const places: Array<[string, unknown, RegExp]> = [
    ['an element of flat data', input([1, deep]), /^inputs\[0\] \("x"\)\.data\[1\]: expected a number/],
    ['the inputs list', { inputs: deep }, /^inputs\[0\]: expected a JSON object, got \[\[\[/],
    ['the shape', input([], deep as number[]), /^inputs\[0\] \("x"\)\.shape: expected an array/],
    ['the id', { id: deep, inputs: [] }, /^id: expected a string/],
    ['a parameter', { parameters: { p: deep }, inputs: [] }, /^parameters\.p: expected a string/],
    ['the outputs', { ...input([1]), outputs: [deep] }, /^outputs\[0\]: expected a JSON object/],
    ['the body', deep, /^request body: expected a JSON object/],
  ];
  for (const [where, body, message] of places) {
    it(`answers a 10,000-deep list in ${where} with a short message`, () => {
      const error = decodeError(body);
      assert.notEqual(error.id, 'INTERNAL');
      assert.match(error.message, message);
      assert.ok(error.message.length < 200, error.message);
    });
  }
});

describe('V2 JSON codec: null and empty lists as pydantic clients send them', () => {
  const x = { name: 'x', datatype: 'FP32', shape: [1], data: [1] };

  it('reads null id, parameters and outputs as absent', () => {
    const request = decodeInferRequest({ id: null, parameters: null, outputs: null, inputs: [x] });
    assert.deepEqual(Object.keys(request), ['inputs']);
  });

  it('reads null tensor parameters and null parameter values as absent', () => {
    const request = decodeInferRequest({
      parameters: { content_type: null, priority: 2 },
      inputs: [{ ...x, parameters: null }],
      outputs: [
        { name: 'y', parameters: null },
        { name: 'z', parameters: { binary_data: null } },
      ],
    });
    assert.deepEqual(request.parameters, { priority: 2 });
    assert.deepEqual(request.outputs, [{ name: 'y' }, { name: 'z', parameters: {} }]);
  });

  it('reads an empty outputs list as "every output"', () => {
    assert.equal(decodeInferRequest({ outputs: [], inputs: [x] }).outputs, undefined);
  });

  it('keeps a "__proto__" parameter as a plain parameter', () => {
    const request = decodeInferRequest(
      JSON.parse('{"parameters":{"__proto__":"p"},"inputs":[]}'.replace('[]', JSON.stringify([x]))),
    );
    assert.deepEqual(Object.entries(request.parameters!), [['__proto__', 'p']]);
  });

  it('still refuses null where a value is required', () => {
    assert.match(decodeError({ inputs: null }).message, /^inputs: expected a non-empty array/);
    assert.match(decodeError({ inputs: [{ ...x, data: null }] }).message, /\.data: expected an array/);
  });
});

describe('V2 JSON codec: shapes', () => {
  it('refuses more dimensions than the largest rank', () => {
    const error = decodeError({
      inputs: [{ name: 'x', datatype: 'FP32', shape: Array(65).fill(1), data: [1] }],
    });
    assert.equal(error.message, 'inputs[0] ("x").shape: expected at most 64 dimensions, got 65');
  });
});
