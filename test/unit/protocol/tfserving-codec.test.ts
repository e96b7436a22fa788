import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import type { TensorSpec } from '../../../src/core/tensor.js';
import {
  decodePredictRequest,
  encodePredictResponse,
} from '../../../src/protocol/tfserving/predict-codec.js';

const single: TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }];
const pair: TensorSpec[] = [
  { name: 'a', datatype: 'FP32', shape: [-1, 2] },
  { name: 'b', datatype: 'INT64', shape: [-1] },
];

describe('TF Serving predict codec', () => {
  it('decodes row format for a single input', () => {
    const { request, format } = decodePredictRequest(
      {
        instances: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
      single,
    );
    assert.equal(format, 'row');
    assert.deepEqual(request.inputs[0]!.shape, [3, 2]);
    assert.deepEqual(Array.from(request.inputs[0]!.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  });

  it('decodes row format with named inputs', () => {
    const { request } = decodePredictRequest(
      {
        instances: [
          { a: [1, 2], b: 7 },
          { a: [3, 4], b: 8 },
        ],
      },
      pair,
    );
    assert.deepEqual(
      request.inputs.map((tensor) => tensor.shape),
      [[2, 2], [2]],
    );
    assert.deepEqual(Array.from(request.inputs[1]!.data as BigInt64Array), [7n, 8n]);
  });

  it('decodes columnar format', () => {
    const { request, format } = decodePredictRequest({ inputs: { a: [[1, 2]], b: [9] } }, pair);
    assert.equal(format, 'columnar');
    assert.deepEqual(request.inputs[0]!.shape, [1, 2]);
  });

  it('decodes b64 strings for BYTES inputs', () => {
    const spec: TensorSpec[] = [{ name: 's', datatype: 'BYTES', shape: [-1] }];
    const { request } = decodePredictRequest(
      { instances: [{ b64: Buffer.from('hi').toString('base64') }, 'yo'] },
      spec,
    );
    assert.deepEqual(
      (request.inputs[0]!.data as Uint8Array[]).map((bytes) => Buffer.from(bytes).toString()),
      ['hi', 'yo'],
    );
  });

  it('encodes predictions per row and outputs per column', () => {
    const outputs = [
      { name: 'score', datatype: 'FP32' as const, shape: [2, 1], data: new Float32Array([0.5, 0.25]) },
      { name: 'label', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([1n, 0n]) },
    ];
    const response = { modelName: 'm', modelVersion: '1', outputs };
    assert.deepEqual(encodePredictResponse(response, 'row'), {
      predictions: [
        { score: [0.5], label: 1 },
        { score: [0.25], label: 0 },
      ],
    });
    assert.deepEqual(encodePredictResponse(response, 'columnar'), {
      outputs: { score: [[0.5], [0.25]], label: [1, 0] },
    });
    assert.deepEqual(encodePredictResponse({ ...response, outputs: [outputs[0]!] }, 'row'), {
      predictions: [[0.5], [0.25]],
    });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['both formats', { instances: [[1, 2]], inputs: [[1, 2]] }, /exactly one of "instances"/],
    ['neither format', { signature_name: 'serving_default' }, /exactly one of "instances"/],
    ['ragged rows', { instances: [[1, 2], [3]] }, /instances\[1\]: expected a list of 2 elements/],
    ['a string for FP32', { instances: [[1, 'x']] }, /instances\[1\]: expected a number for FP32/],
    ['unnamed rows for two inputs', { instances: [[1, 2]] }, /objects keyed by input name/],
  ];
  for (const [what, body, message] of bad) {
    it(`rejects ${what}`, () => {
      const specs = what.includes('two inputs') ? pair : single;
      assert.throws(
        () => decodePredictRequest(body, specs),
        (error: unknown) => error instanceof BerthError && message.test(error.message),
      );
    });
  }

  it('names the missing input in row format', () => {
    assert.throws(
      () => decodePredictRequest({ instances: [{ a: [1, 2] }] }, pair),
      (error: unknown) =>
        error instanceof BerthError && error.id === 'MISSING_INPUT' && /"b" is missing/.test(error.message),
    );
  });
});

describe('TF Serving predict codec: hostile nesting', () => {
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
  const deep = nested(10_000);
  const bodies: Array<[string, unknown, readonly TensorSpec[], RegExp]> = [
    ['row instances', { instances: deep }, single, /^instances: nested lists deeper than 64 levels/],
    ['columnar inputs', { inputs: deep }, single, /^inputs: nested lists deeper than 64 levels/],
    ['a named instance', { instances: [{ a: deep, b: [1] }] }, pair, /^instances\[\*\]\.a: nested lists/],
    ['a named column', { inputs: { a: [[1, 2]], b: deep } }, pair, /^inputs\.b: nested lists deeper/],
    [
      'a BYTES instance',
      { instances: deep },
      [{ name: 's', datatype: 'BYTES', shape: [-1] }],
      /^instances: nested lists deeper/,
    ],
  ];
  for (const [where, body, specs, message] of bodies) {
    it(`refuses a 10,000-deep list in ${where} as INPUT_SHAPE`, () => {
      assert.throws(
        () => decodePredictRequest(body, specs),
        (error: unknown) =>
          error instanceof BerthError && error.id === 'INPUT_SHAPE' && message.test(error.message),
      );
    });
  }

  it('still decodes 64 levels, the largest rank', () => {
    const { request } = decodePredictRequest({ instances: nested(64) }, single);
    assert.equal(request.inputs[0]!.shape.length, 64);
  });
});
