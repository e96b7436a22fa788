import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import type { InferRequest } from '../../../src/core/inference.js';
import type { TensorData } from '../../../src/core/tensor.js';
import { ScannedNumbers, scanInferRequest } from '../../../src/protocol/v2/infer-request-scanner.js';
import { decodeInferRequest, decodeInferRequestText } from '../../../src/protocol/v2/json-codec.js';
import { parseJsonText } from '../../../src/protocol/v2/json-text.js';
import { mulberry32 } from '../../support/prng.js';

// Seeded, so a failure names a seed that reproduces it.
const prng = mulberry32;

type Outcome = { ok: true; request: InferRequest } | { ok: false; id: string; message: string };

function outcome(decode: () => InferRequest): Outcome {
  try {
    return { ok: true, request: decode() };
  } catch (error) {
    assert.ok(error instanceof BerthError, `expected a BerthError, got ${String(error)}`);
    return { ok: false, id: error.id, message: error.message };
  }
}

function bytesOf(data: TensorData): Buffer | unknown[] {
  if (Array.isArray(data)) return data.map((item) => Buffer.from(item as Uint8Array).toString('hex'));
  const view = data as Uint8Array;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Same id and message, or the same request with typed arrays of one type and equal bytes. */
function assertSame(text: string, actual: Outcome, expected: Outcome): void {
  if (!expected.ok || !actual.ok) {
    assert.deepEqual(actual, expected, text);
    return;
  }
  const strip = (request: InferRequest): unknown => ({
    ...request,
    inputs: request.inputs.map((input) => ({
      ...input,
      data: [input.data.constructor.name, bytesOf(input.data)],
    })),
  });
  assert.deepEqual(strip(actual.request), strip(expected.request), text);
}

const DIGITS = '0123456789';
function digits(random: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += DIGITS[Math.floor(random() * 10)];
  return text;
}

function numberText(random: () => number, integer: boolean): string {
  const pick = random();
  const sign = random() < 0.3 ? '-' : '';
  if (integer || pick < 0.15) {
    const length = 1 + Math.floor(random() * (random() < 0.1 ? 20 : 4));
    const body = digits(random, length).replace(/^0+(?=\d)/, '');
    return sign + body;
  }
  if (pick < 0.25) return random() < 0.5 ? '-0' : '-0.0';
  if (pick < 0.45) return sign + String(random() * 10 ** Math.floor(random() * 10 - 5));
  if (pick < 0.55) return sign + (random() * 100).toExponential(Math.floor(random() * 17));
  if (pick < 0.65) {
    // Exponent forms the grammar allows, including out-of-range ones (→ 0 or Infinity).
    const exponent = Math.floor(random() * 700) - 350;
    const marker = random() < 0.5 ? 'e' : 'E';
    const expSign = exponent < 0 ? '-' : random() < 0.5 ? '+' : '';
    return `${sign}${1 + Math.floor(random() * 9)}.${digits(random, 1 + Math.floor(random() * 3))}${marker}${expSign}${Math.abs(exponent)}`;
  }
  if (pick < 0.8) return `${sign}0.${digits(random, 17)}`; // 17 significant digits
  if (pick < 0.9)
    return `${sign}${digits(random, 1).replace('0', '7')}.${digits(random, 1 + Math.floor(random() * 25))}`;
  return (
    sign +
    ['5e-324', '2.2250738585072014e-308', '1.7976931348623157e308', '9007199254740993', '0.1'][
      Math.floor(random() * 5)
    ]!
  );
}

const WS = ['', '', '', ' ', '\n', '\t', '\r\n  '];
function ws(random: () => number): string {
  return WS[Math.floor(random() * WS.length)]!;
}

const DATATYPES = [
  'FP32',
  'FP32',
  'FP32',
  'FP64',
  'FP16',
  'INT32',
  'UINT8',
  'INT8',
  'INT64',
  'BOOL',
  'BYTES',
];

function dataText(random: () => number, datatype: string, count: number): string {
  const item = (): string => {
    if (datatype === 'BOOL') return random() < 0.5 ? 'true' : 'false';
    if (datatype === 'BYTES') return JSON.stringify(`s${Math.floor(random() * 100)}`);
    if (datatype === 'INT64' && random() < 0.3) return `"${numberText(random, true)}"`;
    const integer = datatype.startsWith('INT') || datatype.startsWith('UINT');
    return numberText(random, integer && random() < 0.95);
  };
  const list = (items: string[]): string =>
    `[${ws(random)}${items.join(`${ws(random)},${ws(random)}`)}${ws(random)}]`;
  const shape = random();
  if (shape < 0.5) return list(Array.from({ length: count }, item));
  // Nested rows (and sometimes a third level), as row-major clients send them.
  const rows = 1 + Math.floor(random() * 3);
  const deep = shape > 0.85;
  return list(
    Array.from({ length: rows }, () =>
      deep
        ? list(Array.from({ length: 2 }, () => list(Array.from({ length: count }, item))))
        : list(Array.from({ length: count }, item)),
    ),
  );
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function objectText(random: () => number, fields: [string, string][]): string {
  const parts = shuffle(random, fields).map(
    ([key, value]) => `${ws(random)}"${key}"${ws(random)}:${ws(random)}${value}`,
  );
  return `{${parts.join(',')}${ws(random)}}`;
}

function validBody(random: () => number): string {
  const inputs = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, index) => {
    const datatype = DATATYPES[Math.floor(random() * DATATYPES.length)]!;
    const count = Math.floor(random() * 6);
    const fields: [string, string][] = [
      ['name', JSON.stringify(random() < 0.1 ? `in\u00e9"${index}` : `in${index}`)],
      ['shape', `[${count}]`],
      ['datatype', `"${datatype}"`],
      ['data', dataText(random, datatype, count)],
    ];
    if (random() < 0.3) fields.push(['parameters', random() < 0.5 ? 'null' : '{"a":1,"b":null,"c":"x"}']);
    return objectText(random, fields);
  });
  const fields: [string, string][] = [['inputs', `[${inputs.join(',')}]`]];
  if (random() < 0.5)
    fields.push(['id', random() < 0.3 ? 'null' : JSON.stringify(`r-${Math.floor(random() * 1e6)}\n`)]);
  if (random() < 0.4)
    fields.push(['parameters', random() < 0.3 ? 'null' : '{"priority":2,"flag":true,"x":{"ignored":[1]}}']);
  if (random() < 0.4)
    fields.push([
      'outputs',
      random() < 0.3 ? 'null' : random() < 0.5 ? '[]' : '[{"name":"y","parameters":null}]',
    ]);
  if (random() < 0.2) fields.push(['unknown', '{"nested":[[1,{"a":[]}],"s",false,null]}']);
  return ws(random) + objectText(random, fields) + ws(random);
}

const NOISE = [
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '"',
  '-',
  '.',
  'e',
  '0',
  'a',
  ' ',
  '\u0001',
  '\\',
  'n',
  '[[',
  'null',
];
function mutate(random: () => number, text: string): string {
  const at = Math.floor(random() * (text.length + 1));
  const choice = random();
  if (choice < 0.3) return text.slice(0, at) + text.slice(at + 1);
  if (choice < 0.6) return text.slice(0, at) + NOISE[Math.floor(random() * NOISE.length)]! + text.slice(at);
  if (choice < 0.7) return text.slice(0, at);
  if (choice < 0.8)
    return text.replace(
      /\d+(\.\d+)?/,
      ['01', '1.', '.5', '+1', 'NaN', '"a"', '[1]', 'true', '1e', '-'][Math.floor(random() * 10)]!,
    );
  if (choice < 0.85) return text.replace(/"data"\s*:\s*\[/, '"data":[[1],');
  // A list after a number: the list is not nested, so the inner list is a bad element.
  if (choice < 0.9) return text.replace(/"data"\s*:\s*\[/, '"data":[1,[2],');
  return text.replace(/\]\s*}/, ',]}');
}

function reference(text: string): InferRequest {
  return decodeInferRequest(parseJsonText(text));
}

describe('V2 infer request scanner', () => {
  it('reads a numeric data list straight into numbers, nested lists flattened', () => {
    const scanned = scanInferRequest(
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[[1.5,-0],[2e3, 0.25]]}]}',
    ) as { inputs: [{ data: unknown }] };
    assert.ok(scanned.inputs[0].data instanceof ScannedNumbers);
    assert.deepEqual(Array.from(scanned.inputs[0].data.values), [1.5, -0, 2000, 0.25]);
    assert.ok(Object.is(scanned.inputs[0].data.values[1], -0));
  });

  it('decodes datatype after data, with the typed array of the datatype', () => {
    const request = decodeInferRequestText(
      '{"inputs":[{"data":[1,2,300],"shape":[3],"name":"x","datatype":"INT16"}]}',
    );
    assert.ok(request.inputs[0]!.data instanceof Int16Array);
    assert.deepEqual(Array.from(request.inputs[0]!.data as Int16Array), [1, 2, 300]);
  });

  it('reports a bad element with the field, value and expectation, as the JSON.parse path does', () => {
    const text = '{"inputs":[{"name":"x","shape":[4],"datatype":"FP32","data":[1,2,3,"a"]}]}';
    assert.throws(() => decodeInferRequestText(text), {
      message: 'inputs[0] ("x").data[3]: expected a number for FP32, got "a"',
    });
    assert.throws(
      () => decodeInferRequestText('{"inputs":[{"name":"x","shape":[1],"datatype":"UINT8","data":[256]}]}'),
      (error: BerthError) => error.id === 'INPUT_DATA',
    );
    assert.throws(
      () => decodeInferRequestText('{"inputs":[1,]}'),
      (error: BerthError) => error.id === 'MALFORMED_JSON',
    );
  });

  it('converts decimals exactly as JSON.parse does (fast path and fallback)', () => {
    const random = prng(7);
    for (let i = 0; i < 20000; i += 1) {
      const text = numberText(random, false);
      const scanned = scanInferRequest(`{"inputs":[{"data":[${text}]}]}`) as {
        inputs: [{ data: ScannedNumbers }];
      };
      const value = scanned.inputs[0].data.values[0]!;
      assert.ok(Object.is(value, JSON.parse(text) as number), `${text}: got ${value}`);
    }
  });

  it('gives the same request or the same error as JSON.parse + decodeInferRequest (differential)', () => {
    const random = prng(20261203);
    let scannedValid = 0;
    let valid = 0;
    for (let i = 0; i < 4000; i += 1) {
      const base = validBody(random);
      const text = random() < 0.6 ? base : mutate(random, base);
      const expected = outcome(() => reference(text));
      assertSame(
        text,
        outcome(() => decodeInferRequestText(text)),
        expected,
      );
      if (expected.ok) {
        valid += 1;
        try {
          scanInferRequest(text);
          scannedValid += 1;
        } catch {
          // BYTES, BOOL and INT64 strings go to JSON.parse by design.
        }
      }
    }
    // Both kinds are exercised: many valid bodies take the scanner, many others are refused.
    assert.ok(valid > 1500 && valid < 3900, `valid bodies: ${valid}`);
    assert.ok(scannedValid > valid / 2, `scanned ${scannedValid} of ${valid} valid bodies`);
  });
});
