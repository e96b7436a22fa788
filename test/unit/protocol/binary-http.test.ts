/** The binary tensor extension through the real in-process server (fastify routes, ONNX Runtime). */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { DATATYPES, type DataType } from '../../../src/core/tensor.js';
import { readBinaryBody } from '../../../src/transports/http/binary-body.js';
import { addModel, identityModel, stringInputModel } from '../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

const f32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);

/** Six elements of every datatype, as raw little-endian bytes and as the JSON the server answers. */
const samples: Record<DataType, { raw: Buffer; json: unknown[] }> = {
  BOOL: { raw: Buffer.from([1, 0, 1, 1, 0, 0]), json: [true, false, true, true, false, false] },
  UINT8: { raw: Buffer.from([0, 1, 2, 3, 254, 255]), json: [0, 1, 2, 3, 254, 255] },
  INT8: { raw: Buffer.from(new Int8Array([-128, -1, 0, 1, 2, 127]).buffer), json: [-128, -1, 0, 1, 2, 127] },
  UINT16: { raw: Buffer.from(new Uint16Array([0, 1, 2, 3, 4, 65535]).buffer), json: [0, 1, 2, 3, 4, 65535] },
  INT16: {
    raw: Buffer.from(new Int16Array([-32768, 0, 1, 2, 3, 32767]).buffer),
    json: [-32768, 0, 1, 2, 3, 32767],
  },
  FP16: {
    raw: Buffer.from(new Uint16Array([0x3c00, 0xc000, 0, 0x3800, 0x6400, 0xb400]).buffer),
    json: [1, -2, 0, 0.5, 1024, -0.25],
  },
  UINT32: {
    raw: Buffer.from(new Uint32Array([0, 1, 2, 3, 4, 4294967295]).buffer),
    json: [0, 1, 2, 3, 4, 4294967295],
  },
  INT32: {
    raw: Buffer.from(new Int32Array([-2147483648, 0, 1, 2, 3, 2147483647]).buffer),
    json: [-2147483648, 0, 1, 2, 3, 2147483647],
  },
  FP32: { raw: f32(0.5, -1, 2, 0, 1e10, -0.25), json: [0.5, -1, 2, 0, 1e10, -0.25] },
  FP64: {
    raw: Buffer.from(new Float64Array([0.1, -1, 2, 0, 1e300, -0.25]).buffer),
    json: [0.1, -1, 2, 0, 1e300, -0.25],
  },
  INT64: {
    raw: Buffer.from(new BigInt64Array([-(2n ** 63n), -1n, 0n, 1n, 2n, 2n ** 63n - 1n]).buffer),
    json: ['-9223372036854775808', -1, 0, 1, 2, '9223372036854775807'],
  },
  UINT64: {
    raw: Buffer.from(new BigUint64Array([0n, 1n, 2n, 3n, 4n, 2n ** 64n - 1n]).buffer),
    json: [0, 1, 2, 3, 4, '18446744073709551615'],
  },
  BYTES: { raw: bytesElements('a', 'bé', '', 'd', 'e', 'f'), json: ['a', 'bé', '', 'd', 'e', 'f'] },
};

function bytesElements(...values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((value) => {
      const bytes = Buffer.from(value);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
}

function binaryBody(header: unknown, ...parts: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headerLength: json.length };
}

/** Splits a binary response into its JSON header and raw part. */
interface ResponseHeader {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: Array<Record<string, unknown>>;
}

function splitResponse(
  headers: Record<string, unknown>,
  raw: Buffer,
): { header: ResponseHeader; rest: Buffer } {
  const length = Number(headers['inference-header-content-length']);
  assert.ok(Number.isInteger(length), 'the response has Inference-Header-Content-Length');
  return {
    header: JSON.parse(raw.subarray(0, length).toString('utf8')) as ResponseHeader,
    rest: raw.subarray(length),
  };
}

describe('V2 binary tensor extension over HTTP', () => {
  let fixture: StoreFixture;
  let server: TestServer;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel() });
    await fixture.publish({ name: 'strings', onnx: stringInputModel() });
    for (const datatype of DATATYPES)
      await fixture.publish({ name: `id_${datatype.toLowerCase()}`, onnx: identityModel(datatype) });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add', 'strings', ...DATATYPES.map((d) => `id_${d.toLowerCase()}`)],
      cacheDir: fixture.cacheDir,
      bodyLimit: 4096,
    });
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  const post = (url: string, body: Buffer, headers: Record<string, string | number>) =>
    server.app.inject({ method: 'POST', url, payload: body, headers: headers as Record<string, string> });

  it('takes raw inputs and returns raw outputs (Triton example flow)', async () => {
    const { body, headerLength } = binaryBody(
      {
        id: 'bin-1',
        inputs: [
          { name: 'a', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
          { name: 'b', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
        ],
        outputs: [{ name: 'sum', parameters: { binary_data: true } }],
      },
      f32(1, 2, 3, 4),
      f32(10, 20, 30, 40),
    );
    const response = await post('/v2/models/add/infer', body, {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': headerLength,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    const { header, rest } = splitResponse(response.headers, response.rawPayload);
    assert.deepEqual(header, {
      model_name: 'add',
      model_version: '1',
      id: 'bin-1',
      outputs: [{ name: 'sum', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }],
    });
    assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(rest).buffer)), [11, 22, 33, 44]);
    assert.equal(Number(response.headers['content-length']), response.rawPayload.length);
  });

  for (const datatype of DATATYPES) {
    it(`round-trips ${datatype} as raw bytes both ways`, async () => {
      const sample = samples[datatype];
      const { body, headerLength } = binaryBody(
        {
          inputs: [
            {
              name: 'input',
              shape: [1, 2, 3],
              datatype,
              parameters: { binary_data_size: sample.raw.length },
            },
          ],
          parameters: { binary_data_output: true },
        },
        sample.raw,
      );
      const response = await post(`/v2/models/id_${datatype.toLowerCase()}/infer`, body, {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': headerLength,
      });
      assert.equal(response.statusCode, 200, response.body);
      const { header, rest } = splitResponse(response.headers, response.rawPayload);
      assert.deepEqual(header.outputs, [
        { name: 'output', datatype, shape: [1, 2, 3], parameters: { binary_data_size: sample.raw.length } },
      ]);
      assert.deepEqual(rest, sample.raw);
    });

    it(`takes raw ${datatype} and answers JSON when no binary output is asked for`, async () => {
      const sample = samples[datatype];
      const { body, headerLength } = binaryBody(
        {
          inputs: [
            {
              name: 'input',
              shape: [1, 2, 3],
              datatype,
              parameters: { binary_data_size: sample.raw.length },
            },
          ],
        },
        sample.raw,
      );
      const response = await post(`/v2/models/id_${datatype.toLowerCase()}/infer`, body, {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': headerLength,
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.equal(response.headers['inference-header-content-length'], undefined);
      const data = response.json().outputs[0].data as unknown[];
      if (datatype.endsWith('INT64'))
        assert.match(response.body, new RegExp(`"data":\\[${sample.json.join(',')}\\]`));
      else assert.deepEqual(data, sample.json);
    });
  }

  it('mixes JSON and raw inputs and outputs (BYTES raw in, one output raw out)', async () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'text', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: 16 } },
          { name: 'value', shape: [2], datatype: 'FP32', data: [1, -2] },
        ],
        outputs: [{ name: 'echo', parameters: { binary_data: true } }, { name: 'negated' }],
      },
      bytesElements('hello', 'wö'),
    );
    const response = await post('/v2/models/strings/infer', body, {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': headerLength,
    });
    assert.equal(response.statusCode, 200, response.body);
    const { header, rest } = splitResponse(response.headers, response.rawPayload);
    assert.deepEqual(header.outputs, [
      { name: 'echo', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 16 } },
      { name: 'negated', datatype: 'FP32', shape: [2], data: [-1, 2] },
    ]);
    assert.deepEqual(rest, bytesElements('hello', 'wö'));
  });

  it('answers raw outputs to a JSON request with binary_data_output', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      headers: { 'content-type': 'application/json' },
      payload: {
        parameters: { binary_data_output: true },
        inputs: [
          { name: 'a', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] },
          { name: 'b', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const { rest } = splitResponse(response.headers, response.rawPayload);
    assert.deepEqual(rest, f32(2, 3, 4, 5));
  });

  it('reads a body marked only by the header, whatever its content type (curl --data-binary)', async () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'a', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
          { name: 'b', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 1] },
        ],
      },
      f32(5, 6, 7, 8),
    );
    const response = await post('/v2/models/add/infer', body, {
      'content-type': 'application/x-www-form-urlencoded',
      'inference-header-content-length': headerLength,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outputs[0].data, [5, 6, 7, 9]);
  });

  it('reads an application/octet-stream body without the header as JSON, on every route', async () => {
    const v2 = await post(
      '/v2/models/add/infer',
      Buffer.from(
        JSON.stringify({
          inputs: [
            { name: 'a', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] },
            { name: 'b', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] },
          ],
        }),
      ),
      { 'content-type': 'application/octet-stream' },
    );
    assert.equal(v2.statusCode, 200, v2.body);
    assert.deepEqual(v2.json().outputs[0].data, [2, 3, 4, 5]);
    const tf = await post(
      '/v1/models/add:predict',
      Buffer.from(JSON.stringify({ inputs: { a: [[1, 2, 3, 4]], b: [[0, 0, 0, 1]] } })),
      { 'content-type': 'application/octet-stream' },
    );
    assert.equal(tf.statusCode, 200, tf.body);
    const bad = await post('/v2/models/add/infer', Buffer.from('{nope'), {
      'content-type': 'application/octet-stream',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'BERTH_ERR_MALFORMED_JSON');
  });

  it('serves binary requests over a real socket', async () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'a', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: 32 } },
          { name: 'b', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: 32 } },
        ],
        parameters: { binary_data_output: true },
      },
      f32(1, 2, 3, 4, 5, 6, 7, 8),
      f32(1, 1, 1, 1, 1, 1, 1, 1),
    );
    const response = await fetch(`${server.url}/v2/models/add/infer`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(headerLength),
      },
    });
    assert.equal(response.status, 200);
    const raw = Buffer.from(await response.arrayBuffer());
    const { rest } = splitResponse(Object.fromEntries(response.headers), raw);
    assert.deepEqual(rest, f32(2, 3, 4, 5, 6, 7, 8, 9));
  });

  const errorCases: Array<
    [string, () => { body: Buffer; headers: Record<string, string | number> }, number, string, RegExp]
  > = [
    [
      'binary_data_size larger than the body',
      () => {
        const { body, headerLength } = binaryBody(
          { inputs: [{ name: 'a', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 32 } }] },
          f32(1, 2, 3, 4),
        );
        return { body, headers: { 'inference-header-content-length': headerLength } };
      },
      400,
      'BERTH_ERR_INVALID_REQUEST',
      /inputs\[0\] \("a"\)\.parameters\.binary_data_size: 32 bytes, but only 16 bytes/,
    ],
    [
      'a size that does not match the shape',
      () => {
        const { body, headerLength } = binaryBody(
          {
            inputs: [
              { name: 'a', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 12 } },
              { name: 'b', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 1] },
            ],
          },
          f32(1, 2, 3),
        );
        return { body, headers: { 'inference-header-content-length': headerLength } };
      },
      400,
      'BERTH_ERR_INPUT_SHAPE',
      /binary_data_size: 12 bytes hold 3 FP32 elements, shape \[1, 4\] needs 4/,
    ],
    [
      'a header length beyond the body',
      () => ({ body: Buffer.from('{}'), headers: { 'inference-header-content-length': 99 } }),
      400,
      'BERTH_ERR_INVALID_REQUEST',
      /Inference-Header-Content-Length: 99 bytes of JSON header, but the body has only 2 bytes/,
    ],
    [
      'a body over the limit',
      () => ({ body: Buffer.alloc(5000), headers: { 'inference-header-content-length': 2 } }),
      413,
      'BERTH_ERR_BODY_TOO_LARGE',
      /larger than the limit of 4096 bytes/,
    ],
  ];
  for (const [title, make, status, code, message] of errorCases) {
    it(`rejects ${title} with ${status} ${code}`, async () => {
      const { body, headers } = make();
      const response = await post('/v2/models/add/infer', body, {
        'content-type': 'application/octet-stream',
        ...headers,
      });
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.json().code, code);
      assert.match(response.json().error, message);
    });
  }

  it('keeps serving after a bad binary request', async () => {
    const ready = await server.app.inject('/v2/health/ready');
    assert.equal(ready.statusCode, 200);
  });
});

describe('readBinaryBody', () => {
  for (const headerLength of [0, 1, 5, 8, 13]) {
    it(`places the raw part on an 8-byte boundary (header of ${headerLength} bytes)`, async () => {
      const body = Buffer.alloc(headerLength + 16, 7);
      const request = {
        headers: {
          'content-length': String(body.length),
          'inference-header-content-length': String(headerLength),
        },
      } as unknown as FastifyRequest;
      const read = await readBinaryBody(
        request,
        Readable.from([body.subarray(0, 3), body.subarray(3)]) as unknown as IncomingMessage,
        1024,
      );
      assert.deepEqual(read, body);
      assert.equal((read.byteOffset + headerLength) % 8, 0);
    });
  }

  it('reads chunked bodies (no Content-Length) too', async () => {
    const request = { headers: { 'inference-header-content-length': '3' } } as unknown as FastifyRequest;
    const read = await readBinaryBody(
      request,
      Readable.from([Buffer.from('abc'), Buffer.from('defgh')]) as unknown as IncomingMessage,
      1024,
    );
    assert.equal(read.toString(), 'abcdefgh');
    assert.equal((read.byteOffset + 3) % 8, 0);
  });

  it('rejects a body longer than Content-Length', async () => {
    const request = { headers: { 'content-length': '2' } } as unknown as FastifyRequest;
    await assert.rejects(
      readBinaryBody(request, Readable.from([Buffer.from('abc')]) as unknown as IncomingMessage, 1024),
      /Content-Length: does not match the body received/,
    );
  });
});
