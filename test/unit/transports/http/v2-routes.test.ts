import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATATYPES } from '../../../../src/core/tensor.js';
import { PATH_SEGMENT_MAX_BYTES } from '../../../../src/transports/http/api-routes.js';
import {
  addModel,
  fixedBatchModel,
  identityModel,
  multiIoModel,
  stringInputModel,
} from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

const sampleData: Record<string, unknown[]> = {
  BOOL: [true, false, true, false, true, false],
  BYTES: ['a', 'bé', '', 'd', 'e', 'f'],
  FP16: [0.5, -1, 2, 0, 1024, -0.25],
  INT64: [-5, 4, 3, 2, 1, '9223372036854775807'],
  UINT64: [5, 4, 3, 2, 1, '18446744073709551615'],
};

describe('V2 REST', () => {
  let fixture: StoreFixture;
  let server: TestServer;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 4 } });
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 8 } });
    await fixture.publish({ name: 'multi', onnx: multiIoModel() });
    await fixture.publish({ name: 'strings', onnx: stringInputModel() });
    await fixture.publish({ name: 'fixed', onnx: fixedBatchModel() });
    for (const datatype of DATATYPES)
      await fixture.publish({ name: `id_${datatype.toLowerCase()}`, onnx: identityModel(datatype) });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add', 'add@1', 'multi', 'strings', 'fixed', ...DATATYPES.map((d) => `id_${d.toLowerCase()}`)],
      cacheDir: fixture.cacheDir,
      bodyLimit: 4096,
    });
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  const infer = (path: string, payload: unknown) =>
    server.app.inject({
      method: 'POST',
      url: path,
      payload: payload as object,
      headers: { 'content-type': 'application/json' },
    });

  it('reports live, ready, server and model metadata', async () => {
    assert.deepEqual((await server.app.inject('/v2/health/live')).json(), { live: true });
    const ready = await server.app.inject('/v2/health/ready');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { ready: true });
    const meta = (await server.app.inject('/v2')).json();
    assert.equal(meta.name, 'berth');
    assert.ok(Array.isArray(meta.extensions));
    const model = (await server.app.inject('/v2/models/add')).json();
    assert.deepEqual(model, {
      name: 'add',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 4] },
        { name: 'b', datatype: 'FP32', shape: [-1, 4] },
      ],
      outputs: [{ name: 'sum', datatype: 'FP32', shape: [-1, 4] }],
    });
    assert.equal((await server.app.inject('/v2/models/add/versions/1/ready')).json().ready, true);
  });

  it('infers with the latest version, or the pinned one, and echoes the id', async () => {
    const body = {
      id: 'req-42',
      inputs: [
        { name: 'a', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] },
        {
          name: 'b',
          shape: [2, 4],
          datatype: 'FP32',
          data: [
            [10, 20, 30, 40],
            [50, 60, 70, 80],
          ],
        },
      ],
    };
    const latest = await infer('/v2/models/add/infer', body);
    assert.equal(latest.statusCode, 200);
    assert.deepEqual(latest.json(), {
      model_name: 'add',
      model_version: '2',
      id: 'req-42',
      outputs: [{ name: 'sum', datatype: 'FP32', shape: [2, 4], data: [11, 22, 33, 44, 55, 66, 77, 88] }],
    });
    const pinned = await infer('/v2/models/add/versions/1/infer', body);
    assert.equal(pinned.json().model_version, '1');
    assert.ok(latest.headers['x-request-id']);
  });

  for (const datatype of DATATYPES) {
    it(`serves ${datatype} tensors both ways`, async () => {
      const data = sampleData[datatype] ?? [0, 1, 2, 3, 4, 5];
      const response = await infer(`/v2/models/id_${datatype.toLowerCase()}/infer`, {
        inputs: [{ name: 'input', shape: [1, 2, 3], datatype, data }],
      });
      assert.equal(response.statusCode, 200, response.body);
      const output = response.json().outputs[0];
      assert.equal(output.datatype, datatype);
      assert.deepEqual(output.shape, [1, 2, 3]);
      if (datatype.endsWith('INT64'))
        assert.match(response.body, new RegExp(`"data":\\[${data.join(',')}\\]`));
      else assert.deepEqual(output.data, data);
    });
  }

  it('returns only the requested outputs, in the requested order', async () => {
    const response = await infer('/v2/models/multi/infer', {
      inputs: [
        { name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] },
        { name: 'scale', shape: [1, 1], datatype: 'INT64', data: [3] },
      ],
      outputs: [{ name: 'doubled' }],
    });
    assert.equal(response.statusCode, 200, response.body);
    const outputs = response.json().outputs;
    assert.deepEqual(
      outputs.map((output: { name: string }) => output.name),
      ['doubled'],
    );
    assert.deepEqual(outputs[0].data, [6]);
  });

  it('serves string inputs', async () => {
    const response = await infer('/v2/models/strings/infer', {
      inputs: [
        { name: 'text', shape: [2], datatype: 'BYTES', data: ['hello', 'wörld'] },
        { name: 'value', shape: [2], datatype: 'FP32', data: [1, -2] },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    const byName = Object.fromEntries(
      response.json().outputs.map((o: { name: string; data: unknown }) => [o.name, o.data]),
    );
    assert.deepEqual(byName.echo, ['hello', 'wörld']);
    assert.deepEqual(byName.negated, [-1, 2]);
  });

  const good = (overrides: Record<string, unknown> = {}) => ({
    name: 'a',
    shape: [1, 4],
    datatype: 'FP32',
    data: [1, 2, 3, 4],
    ...overrides,
  });
  const b = { name: 'b', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] };

  const badInputs: Array<[string, string, unknown, number, string, RegExp]> = [
    [
      'wrong shape',
      '/v2/models/add/infer',
      { inputs: [good({ shape: [1, 3], data: [1, 2, 3] }), b] },
      400,
      'BERTH_ERR_INPUT_SHAPE',
      /input "a": shape is \[1, 3\], expected \[-1, 4\]/,
    ],
    [
      'data length vs shape',
      '/v2/models/add/infer',
      { inputs: [good({ data: [1, 2, 3] }), b] },
      400,
      'BERTH_ERR_INPUT_SHAPE',
      /data has 3 elements, shape \[1, 4\] needs 4/,
    ],
    [
      'wrong datatype',
      '/v2/models/add/infer',
      { inputs: [good({ datatype: 'INT32' }), b] },
      400,
      'BERTH_ERR_INPUT_DATATYPE',
      /input "a": datatype is INT32, expected FP32/,
    ],
    [
      'missing input',
      '/v2/models/add/infer',
      { inputs: [good()] },
      400,
      'BERTH_ERR_MISSING_INPUT',
      /input "b" is missing/,
    ],
    [
      'unknown input',
      '/v2/models/add/infer',
      { inputs: [good(), b, { ...b, name: 'c' }] },
      400,
      'BERTH_ERR_UNKNOWN_INPUT',
      /input "c" is not an input of model "add"/,
    ],
    [
      'unknown output',
      '/v2/models/add/infer',
      { inputs: [good(), b], outputs: [{ name: 'nope' }] },
      400,
      'BERTH_ERR_UNKNOWN_OUTPUT',
      /output "nope"/,
    ],
    [
      'mismatched batch',
      '/v2/models/add/infer',
      { inputs: [good({ shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }), b] },
      400,
      'BERTH_ERR_INPUT_SHAPE',
      /first dimension is 1, expected 2/,
    ],
    [
      'fixed first dimension',
      '/v2/models/fixed/infer',
      { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
      400,
      'BERTH_ERR_INPUT_SHAPE',
      /expected \[2, 3\]/,
    ],
    [
      'unknown model',
      '/v2/models/nope/infer',
      { inputs: [good()] },
      404,
      'BERTH_ERR_MODEL_NOT_FOUND',
      /model "nope" is not served here/,
    ],
    [
      'unknown version',
      '/v2/models/add/versions/9/infer',
      { inputs: [good(), b] },
      404,
      'BERTH_ERR_VERSION_NOT_FOUND',
      /no version "9" \(versions: 2, 1\)|no version "9" \(versions: 1, 2\)/,
    ],
    [
      'bad field type',
      '/v2/models/add/infer',
      { inputs: [good({ shape: 'x' }), b] },
      400,
      'BERTH_ERR_INVALID_REQUEST',
      /inputs\[0\] \("a"\)\.shape/,
    ],
  ];
  for (const [what, path, payload, status, code, message] of badInputs) {
    it(`answers ${what} with ${status} ${code} naming the field`, async () => {
      const response = await infer(path, payload);
      assert.equal(response.statusCode, status, response.body);
      const body = response.json();
      assert.equal(body.code, code);
      assert.match(body.error, message);
    });
  }

  it('decodes the infer body text the same way whatever its content type or key order', async () => {
    // Datatype after data, nested rows, whitespace: the scanner's cases, through the real route.
    const text =
      '{ "inputs" : [ {"data":[[1,2],[3,4]],"shape":[1,4],"name":"a","datatype":"FP32"},' +
      '{"name":"b","shape":[1,4],"datatype":"FP32","data":[10,20,30,4e1]} ] }';
    for (const contentType of [
      'application/json',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
    ]) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/v2/models/add/infer',
        payload: text,
        headers: { 'content-type': contentType },
      });
      assert.equal(response.statusCode, 200, `${contentType}: ${response.body}`);
      assert.deepEqual(response.json().outputs[0].data, [11, 22, 33, 44], contentType);
    }
    const bad = await server.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: text.replace('4e1', '"x"'),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), {
      error: 'inputs[1] ("b").data[3]: expected a number for FP32, got "x"',
      code: 'BERTH_ERR_INPUT_DATA',
    });
  });

  it('answers malformed JSON with 400 and keeps serving', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: '{"inputs": [',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'BERTH_ERR_MALFORMED_JSON');
    assert.equal((await infer('/v2/models/add/infer', { inputs: [good(), b] })).statusCode, 200);
  });

  it('answers a too-large body with 413 naming the limit', async () => {
    const response = await infer('/v2/models/add/infer', {
      inputs: [good({ data: new Array(2000).fill(1) }), b],
    });
    assert.equal(response.statusCode, 413);
    assert.equal(response.json().code, 'BERTH_ERR_BODY_TOO_LARGE');
    assert.match(response.json().error, /limit of 4096 bytes/);
  });

  it('answers unknown routes with 404 and a code', async () => {
    const response = await server.app.inject('/v3/nothing');
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'BERTH_ERR_ROUTE_NOT_FOUND');
  });

  it('answers a path it serves, asked with another method, 405 with the methods it takes in Allow', async () => {
    for (const [method, url, allow] of [
      ['GET', '/v2/models/m/infer', 'POST'],
      ['PUT', '/v2/models/m/versions/1/infer/', 'POST'],
      ['DELETE', '/v2/health/ready', 'GET, HEAD'],
      ['OPTIONS', '/v1/models/m:predict', 'GET, POST, HEAD'],
    ] as const) {
      const response = await server.app.inject({ method, url });
      assert.equal(response.statusCode, 405, `${method} ${url}`);
      assert.equal(response.headers.allow, allow, `${method} ${url}`);
      assert.equal(response.json().code, 'BERTH_ERR_METHOD_NOT_ALLOWED');
      assert.match(
        response.json().error,
        new RegExp(`^${method} /v[12]/.+: expected ${allow.split(', ')[0]}`),
      );
    }
  });

  it('answers 404 for a path or a model it does not serve before it reads the body', async () => {
    for (const [method, url, headers] of [
      ['POST', '/v3/nothing', { 'content-type': 'application/json' }],
      ['POST', '/v3/nothing', { 'content-type': 'text/csv;;' }],
      ['POST', '/v2/models/absent/infer', { 'content-type': 'application/json' }],
      ['POST', '/v2/models/absent/infer', { 'inference-header-content-length': '0' }],
    ] as const) {
      const response = await server.app.inject({ method, url, headers, payload: '{"inputs": [' });
      assert.equal(response.statusCode, 404, `${url} ${JSON.stringify(headers)}: ${response.body}`);
    }
    // A method fastify reads a body for (QUERY), sent with none and no content type: still 405.
    const query = await server.app.inject({ method: 'QUERY', url: '/v2/health/ready' });
    assert.equal(query.statusCode, 405, query.body);
    assert.equal(query.headers.allow, 'GET, HEAD');
  });

  it('answers paths with a trailing slash as without: /v2/ is the server metadata', async () => {
    const meta = await server.app.inject('/v2/');
    assert.equal(meta.statusCode, 200);
    assert.deepEqual(meta.json(), (await server.app.inject('/v2')).json());
    assert.equal((await server.app.inject('/v2/health/ready/')).statusCode, 200);
    assert.equal((await server.app.inject('/v2/models/add/')).json().name, 'add');
    const inferred = await infer('/v2/models/add/versions/1/infer/', {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
        { name: 'b', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
      ],
    });
    assert.equal(inferred.statusCode, 200, inferred.body);
  });

  it('answers "outputs": [] with every output, as an absent list', async () => {
    const response = await infer('/v2/models/multi/infer', {
      id: null,
      parameters: null,
      outputs: [],
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3], parameters: null },
        { name: 'scale', datatype: 'INT64', shape: [1, 1], data: [3], parameters: null },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    const all = await infer('/v2/models/multi/infer', {
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'scale', datatype: 'INT64', shape: [1, 1], data: [3] },
      ],
    });
    assert.deepEqual(
      response.json().outputs.map((output: { name: string }) => output.name),
      ['scaled', 'doubled'],
    );
    assert.deepEqual(response.json().outputs, all.json().outputs);
    assert.equal(response.json().id, undefined);
  });

  it('answers fastify client errors in the BerthError shape, never 500', async () => {
    const badUrl = await server.app.inject({ method: 'POST', url: '/v2/models/%ZZ/infer', payload: '{}' });
    assert.equal(badUrl.statusCode, 400);
    assert.equal(badUrl.json().code, 'BERTH_ERR_INVALID_REQUEST');
    assert.match(badUrl.json().error, /^URL: '\/v2\/models\/%ZZ\/infer' is not a valid url component/);
    assert.ok(badUrl.headers['x-request-id']);
    // The document's 128 characters, each as long as UTF-8 and percent-encoding make it: a 404.
    const longest = await server.app.inject(`/v2/models/${encodeURIComponent('😀'.repeat(128))}/ready`);
    assert.equal(longest.json().code, 'BERTH_ERR_MODEL_NOT_FOUND');
    const longName = await server.app.inject(`/v2/models/${'m'.repeat(PATH_SEGMENT_MAX_BYTES + 1)}/ready`);
    assert.equal(longName.statusCode, 400);
    assert.deepEqual(longName.json(), {
      error: `URL: a path segment is longer than the server accepts; expected at most ${PATH_SEGMENT_MAX_BYTES} bytes as sent (percent-encoded)`,
      code: 'BERTH_ERR_INVALID_REQUEST',
    });
    const mediaType = await server.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: '{}',
      headers: { 'content-type': ';;;' },
    });
    assert.equal(mediaType.statusCode, 415);
    assert.equal(mediaType.json().code, 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('lists the repository index with states', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/v2/repository/index' });
    const entries = response.json() as Array<{ name: string; version: string; state: string }>;
    assert.ok(
      entries.some((entry) => entry.name === 'add' && entry.version === '2' && entry.state === 'READY'),
    );
  });

  it('exports request, latency, state, download and warm-up metrics', async () => {
    const text = (await server.app.inject('/metrics')).body;
    assert.match(text, /berth_requests_total\{model="add",version="2",protocol="v2",outcome="ok"\} [1-9]/);
    assert.match(
      text,
      /berth_requests_total\{model="add",version="2",protocol="v2",outcome="BERTH_ERR_INPUT_SHAPE"\} [1-9]/,
    );
    assert.match(
      text,
      /berth_requests_total\{model="",version="",protocol="v2",outcome="BERTH_ERR_MODEL_NOT_FOUND"\} [1-9]/,
    );
    // Unknown names (this suite asks for "nope" and "absent") share that one label: no new series.
    assert.doesNotMatch(text, /model="(nope|absent)"/);
    assert.match(text, /berth_queue_seconds_count\{model="add",version="2"\} [1-9]/);
    assert.match(text, /berth_compute_seconds_count\{model="add",version="2"\} [1-9]/);
    assert.match(text, /berth_requests_in_flight\{model="add"\} 0/);
    assert.match(text, /berth_model_state\{model="add",version="1"\} 2/);
    assert.match(text, /berth_model_download_bytes_total\{model="add",version="1"\} [1-9]/);
    assert.match(text, /berth_model_warmup_seconds\{model="add",version="1"\} /);
  });
});
