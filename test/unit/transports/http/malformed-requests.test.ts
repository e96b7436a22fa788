/**
 * Property test: thousands of malformed inference bodies, generated from a seeded PRNG, against the
 * in-process app. Every one must be answered 4xx with a BerthError body naming a field, never 5xx
 * (hostile nesting used to overflow the stack into a 500). Each body is a valid request with at
 * least one mutation that is sure to break it, plus harmless ones (unknown keys holding deep values),
 * so a 200 is a failure too. A failing case prints its seed and index, so it can be replayed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { mulberry32 } from '../../../support/prng.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

const SEED = 20_251_203;
const V2_CASES = 2_500;
const TF_CASES = 500;

/** The fields an error message may start with: each one names what was wrong. */
const NAMES_A_FIELD =
  /^(request body|inputs|outputs|parameters|id|input "|output "|instances|signature_name|Inference-Header-Content-Length)\b/;

type Random = () => number;

/** A JSON text spliced into a body verbatim, so values too deep for JSON.stringify can be sent. */
class Raw {
  constructor(readonly text: string) {}
}

function int(random: Random, below: number): number {
  return Math.floor(random() * below);
}

function pick<T>(random: Random, values: readonly T[]): T {
  return values[int(random, values.length)]!;
}

function deepList(random: Random, minDepth = 2): Raw {
  const depth = Math.max(minDepth, pick(random, [2, 65, 300, 5_000, 20_000]));
  return new Raw(`${'['.repeat(depth)}${pick(random, ['1', '"x"', 'null', ''])}${']'.repeat(depth)}`);
}

function deepObject(random: Random): Raw {
  const depth = pick(random, [2, 100, 20_000]);
  return new Raw(`${'{"k":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

/** A value of no use where a tensor field is expected. */
function hostile(random: Random): unknown {
  switch (int(random, 8)) {
    case 0:
      return deepList(random);
    case 1:
      return deepObject(random);
    case 2:
      return pick(random, [null, true, false, 0, -1, 1.5, 1e308, 2 ** 60, -0]);
    case 3:
      return pick(random, ['', 'x', '1e3', 'null', 'NaN', '∞', '\u0000', 'x'.repeat(10_000)]);
    case 4:
      return pick(random, [[], {}, [null], [{}], [[]], { b64: 'AAAA' }]);
    case 5:
      return Array.from({ length: 3_000 }, (_, index) => index);
    case 6:
      return [1, 2, deepList(random, 65)];
    default:
      return { nested: deepList(random) };
  }
}

/** Serialises a body in which Raw leaves are spliced in as they are. */
function toText(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (!(value instanceof Raw)) return value;
    raws.push(value.text);
    return `\u0000raw${raws.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)]!);
}

interface Tensor {
  [key: string]: unknown;
  name: unknown;
  datatype: unknown;
  shape: unknown;
  data: unknown;
}

interface Body {
  [key: string]: unknown;
  inputs: Tensor[];
}

function validBody(random: Random): Body {
  const rows = 1 + int(random, 3);
  const tensor = (name: string): Tensor => ({
    name,
    datatype: 'FP32',
    shape: [rows, 4],
    data: Array.from({ length: rows * 4 }, () => Math.round(random() * 100) / 4),
  });
  const body: Body = { inputs: [tensor('a'), tensor('b')] };
  if (random() < 0.3) body.id = `req-${int(random, 1000)}`;
  if (random() < 0.3) body.outputs = [{ name: 'sum' }];
  return body;
}

/** One mutation sure to make the request invalid; returns the body text, or a binary body. */
type Breaking = (random: Random, body: Body) => string | { binary: Buffer; header: string } | void;

const BREAKING: Record<string, Breaking> = {
  'data nested too deep': (random, body) => {
    pick(random, body.inputs).data = deepList(random, 65);
  },
  'a data element that is not a number': (random, body) => {
    const tensor = pick(random, body.inputs);
    const data = tensor.data as unknown[];
    // An array at index 0 would turn on nested reading, where [5] is as good as 5: keep it scalar.
    data[int(random, data.length - 1) + 1] = pick(random, ['1', null, true, {}, [], deepList(random)]);
    if (random() < 0.5) data[0] = pick(random, ['x', null, false, {}]);
  },
  'a bad shape': (random, body) => {
    pick(random, body.inputs).shape = pick(random, [
      [-1, 4],
      [1.5, 4],
      ['1', 4],
      [2 ** 53, 4],
      [2 ** 40, 2 ** 40],
      [1e300],
      [99, 4],
      [1, 4, 1],
      [],
      null,
      'x',
      {},
      deepList(random),
    ]);
  },
  'a bad datatype': (random, body) => {
    pick(random, body.inputs).datatype = pick(random, [
      'fp32',
      'FLOAT',
      '',
      7,
      null,
      'INT32',
      'BYTES',
      'BOOL',
      deepList(random),
    ]);
  },
  'a bad or duplicate name': (random, body) => {
    const index = int(random, 2);
    body.inputs[index]!.name = pick(random, ['', 7, null, 'zz', deepList(random), index === 0 ? 'b' : 'a']);
  },
  'a missing tensor field': (random, body) => {
    delete pick(random, body.inputs)[pick(random, ['name', 'datatype', 'shape', 'data'])];
  },
  'a missing input': (random, body) => {
    body.inputs.splice(int(random, 2), 1);
  },
  'a data count that does not match the shape': (random, body) => {
    const data = pick(random, body.inputs).data as number[];
    if (random() < 0.5) data.pop();
    else data.push(1);
  },
  'bad inputs': (random, body) => {
    body.inputs = pick(random, [
      [],
      null,
      {},
      'x',
      [null],
      [1],
      [deepList(random)],
      deepList(random),
    ]) as never;
  },
  'bad parameters': (random, body) => {
    body.parameters = pick(random, [
      'x',
      1,
      [],
      deepList(random),
      deepObject(random),
      { p: deepList(random) },
      { p: [] },
      { p: {} },
      { binary_data_output: 'yes' },
    ]);
  },
  'bad tensor parameters': (random, body) => {
    pick(random, body.inputs).parameters = pick(random, ['x', [], { p: deepList(random) }, { p: {} }]);
  },
  'bad outputs': (random, body) => {
    body.outputs = pick(random, [
      'x',
      {},
      deepList(random),
      [null],
      [{}],
      [{ name: '' }],
      [{ name: 'nope' }],
      [{ name: deepList(random) }],
      [{ name: 'sum', parameters: 'x' }],
      [{ name: 'sum', parameters: { binary_data: 'yes' } }],
    ]);
  },
  'a bad id': (random, body) => {
    body.id = pick(random, [1, true, {}, [], deepList(random), deepObject(random)]);
  },
  'a body that is not a request object': (random, body) =>
    pick(random, [
      'null',
      '[]',
      '1',
      '"x"',
      '',
      (deepList(random) as Raw).text,
      (deepObject(random) as Raw).text,
      '{"inputs": [',
      '\u00ff\u00fe garbage',
      // Every proper prefix of an object's JSON text is invalid JSON.
      toText(body).slice(0, 1 + int(random, toText(body).length - 1)),
    ]),
  'a binary body with a bad header or sizes': (random, body) => {
    const tensor = pick(random, body.inputs);
    const bytes = Buffer.from(new Float32Array(tensor.data as number[]).buffer);
    delete tensor.data;
    tensor.parameters = {
      binary_data_size: pick(random, [-4, 'x', 1.5, bytes.length + 4, bytes.length - 4, deepList(random)]),
    };
    const json = Buffer.from(toText(body));
    const header = pick(random, [String(json.length), String(json.length), '-1', 'x', '1e3', '99999999']);
    return { binary: Buffer.concat([json, bytes]), header };
  },
};

/** Harmless: unknown keys are ignored, however deep their values are. */
function addNoise(random: Random, body: Body): void {
  if (random() < 0.3) body.x_extra = hostile(random);
  if (random() < 0.3) pick(random, body.inputs).x_extra = hostile(random);
}

describe('malformed inference requests never get a 5xx', () => {
  let fixture: StoreFixture;
  let server: TestServer;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 8 } });
    server = await startTestServer({ store: fixture.uri, models: ['add'], cacheDir: fixture.cacheDir });
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  /** Asserts a 4xx BerthError answer; `what` says how to replay the case. */
  function assertClientError(response: { statusCode: number; body: string }, what: string): string {
    assert.ok(
      response.statusCode >= 400 && response.statusCode < 500,
      `${what}: status ${response.statusCode}: ${response.body.slice(0, 300)}`,
    );
    const answer = JSON.parse(response.body) as { error?: unknown; code?: unknown };
    assert.equal(typeof answer.code, 'string', `${what}: ${response.body}`);
    assert.match(answer.code as string, /^BERTH_ERR_[A-Z_]+$/, what);
    assert.notEqual(answer.code, 'BERTH_ERR_INTERNAL', what);
    assert.match(String(answer.error), NAMES_A_FIELD, `${what}: the message names no field`);
    assert.ok(String(answer.error).length < 400, `${what}: message too long: ${String(answer.error)}`);
    return answer.code as string;
  }

  it(`answers ${V2_CASES} malformed V2 bodies (JSON and binary) with 4xx`, async () => {
    const random = mulberry32(SEED);
    const kinds = Object.keys(BREAKING);
    const codes = new Map<string, number>();
    for (let index = 0; index < V2_CASES; index += 1) {
      const body = validBody(random);
      addNoise(random, body);
      const kind = kinds[index % kinds.length]!;
      const mutated = BREAKING[kind]!(random, body);
      if (random() < 0.2 && typeof mutated !== 'object') BREAKING['a bad id']!(random, body);
      const request =
        typeof mutated === 'object'
          ? {
              payload: mutated.binary,
              headers: {
                'content-type': 'application/octet-stream',
                'inference-header-content-length': mutated.header,
              },
            }
          : { payload: mutated ?? toText(body), headers: { 'content-type': 'application/json' } };
      const response = await server.app.inject({ method: 'POST', url: '/v2/models/add/infer', ...request });
      const code = assertClientError(response, `seed ${SEED} case ${index} (${kind})`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // The generator reaches every layer: JSON parsing, the codec, the binary split, validation.
    for (const code of ['MALFORMED_JSON', 'INVALID_REQUEST', 'INPUT_SHAPE', 'INPUT_DATA', 'UNKNOWN_OUTPUT']) {
      assert.ok(codes.has(`BERTH_ERR_${code}`), `no case reached BERTH_ERR_${code}: ${[...codes.keys()]}`);
    }
  });

  it(`answers ${TF_CASES} malformed TF Serving bodies with 4xx`, async () => {
    const random = mulberry32(SEED + 1);
    // No generated value is a list of exactly 4 numbers, so none is a valid row for "add".
    const shapes: Array<(value: unknown) => unknown> = [
      (value) => ({ instances: value }),
      (value) => ({ inputs: value }),
      (value) => ({ instances: [{ a: value, b: [1, 2, 3, 4] }] }),
      (value) => ({ inputs: { a: [[1, 2, 3, 4]], b: value } }),
      (value) => ({
        instances: [{ a: [1, 2, 3, 4], b: [1, 2, 3, 4] }],
        signature_name: typeof value === 'string' ? 1 : value,
      }),
      (value) => ({ instances: [value], inputs: { a: [] } }),
    ];
    for (let index = 0; index < TF_CASES; index += 1) {
      const shape = shapes[index % shapes.length]!;
      const payload = toText(shape(hostile(random)));
      const response = await server.app.inject({
        method: 'POST',
        url: '/v1/models/add:predict',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      assertClientError(response, `seed ${SEED + 1} case ${index}`);
    }
  });
});
