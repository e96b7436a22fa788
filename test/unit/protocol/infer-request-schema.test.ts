/**
 * The infer request is decoded by json-codec.ts, not by the zod schema the OpenAPI document shows,
 * so the two could drift. On seeded random requests (valid ones and ones broken one way each) this
 * checks that both decoders (parsed JSON, and the text scanner) and the schema agree: every request
 * the server accepts, the document accepts, and every broken one both refuse. The schema is looser
 * in one documented place only: it does not tie nested lists to one depth (see v2-schemas.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import { DATATYPES, INTEGER_RANGES, MAX_TENSOR_RANK, type DataType } from '../../../src/core/tensor.js';
import { decodeInferRequest, decodeInferRequestText } from '../../../src/protocol/v2/json-codec.js';
import { InferRequest } from '../../../src/protocol/v2/v2-schemas.js';
import { mulberry32 } from '../../support/prng.js';

const SEED = 20261204;
const CASES = 400;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** A value `datatype` takes, as a client would write it in JSON. */
function element(random: Random, datatype: DataType): Json {
  switch (datatype) {
    case 'BOOL':
      return random() < 0.5;
    case 'BYTES':
      return pick<Json>(random, ['', 'a', 'héllo', '{"x":1}']);
    case 'FP16':
    case 'FP32':
    case 'FP64':
      return pick<Json>(random, [0, -1.5, 3.25, 1e-7, 65504, int(random, -1000, 1000)]);
    case 'INT64':
      return pick<Json>(random, [
        0,
        -42,
        Number.MAX_SAFE_INTEGER,
        '-9223372036854775808',
        '9223372036854775807',
      ]);
    case 'UINT64':
      return pick<Json>(random, [0, 7, Number.MAX_SAFE_INTEGER, '18446744073709551615']);
    default: {
      const [min, max] = INTEGER_RANGES[datatype];
      return pick<Json>(random, [min, max, 0, int(random, min, max)]);
    }
  }
}

/** A value outside what `datatype` takes. */
function wrongElement(random: Random, datatype: DataType): Json {
  switch (datatype) {
    case 'BOOL':
      return pick<Json>(random, [0, 1, 'true', null]);
    case 'BYTES':
      return pick<Json>(random, [1, true, null, { b64: 'AA==' }]);
    case 'FP16':
    case 'FP32':
    case 'FP64':
      return pick<Json>(random, ['1.0', 'NaN', true, null]);
    case 'INT64':
      return pick<Json>(random, [1.5, '12a', '9223372036854775808', 2 ** 60, true]);
    case 'UINT64':
      return pick<Json>(random, [-1, '-1', '18446744073709551616', 0.5, null]);
    default:
      return pick<Json>(random, [1.5, 2 ** 33, -(2 ** 33), '7', false]);
  }
}

/** `data` for `shape`, flat or nested one list per dimension. */
function data(random: Random, datatype: DataType, shape: readonly number[]): Json[] {
  const count = shape.reduce((product, dim) => product * dim, 1);
  const flat = Array.from({ length: count }, () => element(random, datatype));
  if (random() < 0.5 || shape.length < 2) return flat;
  const nest = (values: Json[], dims: readonly number[]): Json[] => {
    if (dims.length === 1) return values;
    const size = values.length / dims[0]!;
    return Array.from({ length: dims[0]! }, (_, row) =>
      nest(values.slice(row * size, (row + 1) * size), dims.slice(1)),
    );
  };
  return nest(flat, shape);
}

function validRequest(random: Random): { [key: string]: Json } {
  const inputs = Array.from({ length: int(random, 1, 3) }, (_, index) => {
    const datatype = pick(random, DATATYPES);
    const shape = Array.from({ length: int(random, 1, 4) }, () => int(random, 1, 3));
    const input: { [key: string]: Json } = {
      name: `in${index}`,
      datatype,
      shape,
      data: data(random, datatype, shape),
    };
    if (random() < 0.3)
      input.parameters = pick<Json>(random, [null, {}, { content_type: 'np' }, { x: null, y: 1 }]);
    return input;
  });
  const request: { [key: string]: Json } = { inputs };
  if (random() < 0.3) request.id = pick<Json>(random, [null, '', 'req-1']);
  if (random() < 0.3)
    request.parameters = pick<Json>(random, [null, { binary_data_output: false }, { a: 'b', n: 2 }]);
  if (random() < 0.3)
    request.outputs = pick<Json>(random, [null, [], [{ name: 'out' }, { name: 'o2', parameters: null }]]);
  if (random() < 0.1) request.extra = 'ignored by both';
  return request;
}

type Mutation = (random: Random, request: { [key: string]: Json }) => Json;
const first = (request: { [key: string]: Json }) => (request.inputs as { [key: string]: Json }[])[0]!;

/** Ways to break a valid request, each one the server must refuse. */
const MUTATIONS: Record<string, Mutation> = {
  'body not an object': (random) => pick<Json>(random, [null, [], 'inputs', 3]),
  'inputs missing': (_random, request) => ((request.inputs = null), request),
  'inputs empty': (_random, request) => ((request.inputs = []), request),
  'inputs not a list': (random, request) => ((request.inputs = pick<Json>(random, [{}, 'a', 1])), request),
  'input not an object': (random, request) => (
    ((request.inputs as Json[])[0] = pick<Json>(random, [null, 1, []])),
    request
  ),
  'input name empty or absent': (random, request) => (
    (first(request).name = pick<Json>(random, ['', null, 7])),
    request
  ),
  'datatype unknown': (random, request) => (
    (first(request).datatype = pick<Json>(random, ['FLOAT', 'fp32', null, 1])),
    request
  ),
  'shape not dimensions': (random, request) => (
    (first(request).shape = pick<Json>(random, [null, [-1], [1.5], ['2'], 3, [2 ** 60]])),
    request
  ),
  'shape of too many dimensions': (_random, request) => (
    (first(request).shape = Array.from({ length: MAX_TENSOR_RANK + 1 }, () => 1)),
    request
  ),
  'data missing or not a list': (random, request) => (
    (first(request).data = pick<Json>(random, [null, {}, 'abc', 1])),
    request
  ),
  'a value the datatype refuses': (random, request) => {
    const input = first(request);
    const flat = [wrongElement(random, input.datatype as DataType)];
    input.data = flat;
    input.shape = [1];
    return request;
  },
  'parameters not flat': (random, request) => (
    (request.parameters = pick<Json>(random, [[], 'p', { nested: { a: 1 } }, { list: [1] }])),
    request
  ),
  'tensor parameters not flat': (random, request) => (
    (first(request).parameters = pick<Json>(random, [[], 1, { nested: {} }])),
    request
  ),
  'id not a string': (random, request) => ((request.id = pick<Json>(random, [1, true, {}])), request),
  'outputs not a list of names': (random, request) => (
    (request.outputs = pick<Json>(random, [
      {},
      'out',
      [{}],
      [{ name: '' }],
      [null],
      [{ name: 'o', parameters: 1 }],
    ])),
    request
  ),
};

interface Verdicts {
  readonly schema: boolean;
  readonly decoder: boolean;
  readonly text: boolean;
}

function verdicts(body: Json): Verdicts {
  const accepts = (decode: () => unknown): boolean => {
    try {
      decode();
      return true;
    } catch (error) {
      // Refused as the client's mistake, with a message (never a crash of another kind).
      assert.ok(error instanceof BerthError && error.code === 'INVALID_ARGUMENT', String(error));
      return false;
    }
  };
  return {
    schema: InferRequest.safeParse(body).success,
    decoder: accepts(() => decodeInferRequest(body)),
    text: accepts(() => decodeInferRequestText(JSON.stringify(body))),
  };
}

describe('infer request schema and decoders (seeded)', () => {
  it(`accept the same valid requests (${CASES} cases, seed ${SEED})`, () => {
    const random = mulberry32(SEED);
    for (let index = 0; index < CASES; index += 1) {
      const body = validRequest(random);
      assert.deepEqual(verdicts(body), { schema: true, decoder: true, text: true }, JSON.stringify(body));
    }
  });

  it(`refuse the same broken requests, each way of breaking one (${CASES} cases each)`, () => {
    const random = mulberry32(SEED + 1);
    for (const [name, mutate] of Object.entries(MUTATIONS)) {
      for (let index = 0; index < CASES / 10; index += 1) {
        const body = mutate(random, validRequest(random));
        assert.deepEqual(
          verdicts(body),
          { schema: false, decoder: false, text: false },
          `${name}: ${JSON.stringify(body)}`,
        );
      }
    }
  });

  it('the schema is looser only on nesting: mixed or over-deep lists, which the decoder refuses', () => {
    const tooDeep: Json = [1];
    let nested: Json = tooDeep;
    for (let depth = 0; depth < MAX_TENSOR_RANK; depth += 1) nested = [nested];
    for (const body of [
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: [1, [2]] }] },
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: nested }] },
    ])
      assert.deepEqual(verdicts(body), { schema: true, decoder: false, text: false }, JSON.stringify(body));
  });
});
