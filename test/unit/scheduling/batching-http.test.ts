import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OnnxRuntime } from '../../../src/runtime/onnx/onnx-runtime.js';
import {
  addModel,
  fixedBatchModel,
  identityModel,
  mlpModel,
  mlpReference,
  mlpWeights,
} from '../../fixtures/onnx/models.js';
import { GatedRuntime } from '../../support/gated-model.js';
import { eventLoopTurns } from '../../support/manual-clock.js';
import { createStoreFixture, type StoreFixture } from '../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

const LAYERS = [8, 16, 2];
const SEED = 11;

/** The value of one sample line of the Prometheus text, e.g. `berth_batch_size_count{model="mlp",version="1"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('dynamic batching through the HTTP server', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  const runtime = new GatedRuntime(new OnnxRuntime());

  before(async () => {
    fixture = await createStoreFixture();
    // Pinned to one run at a time, so "busy" is one held run whatever the machine's core count.
    await fixture.publish({
      name: 'mlp',
      onnx: mlpModel(LAYERS, SEED),
      config: { max_batch_size: 16, instances: 1 },
    });
    await fixture.publish({
      name: 'add',
      onnx: addModel(),
      config: { instances: 1, batching: { max_queue_size: 1 } },
    });
    await fixture.publish({ name: 'fixed', onnx: fixedBatchModel() });
    await fixture.publish({
      name: 'strict',
      onnx: identityModel('FP32'),
      config: { max_batch_size: 8, instances: 1, batching: { strict_max_batch_size: true } },
    });
    server = await startTestServer({
      store: fixture.uri,
      models: ['mlp', 'add', 'fixed', 'strict'],
      cacheDir: fixture.cacheDir,
      runtime,
    });
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  const infer = (model: string, body: unknown) =>
    server.app.inject({
      method: 'POST',
      url: `/v2/models/${model}/infer`,
      payload: body as object,
      headers: { 'content-type': 'application/json' },
    });
  const metrics = async (): Promise<string> => (await server.app.inject('/metrics')).body;

  /** Turns the event loop until `ready` holds; no clock involved, so no timing assumption. */
  async function until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let turn = 0; turn < 10_000; turn++) {
      if (await ready()) return;
      await eventLoopTurns(1);
    }
    assert.fail(`never happened: ${what}`);
  }

  it('logs the effective batching settings of each model', () => {
    const batching = server.logs.filter((line) => line.msg === 'batching');
    const of = (model: string) =>
      batching.find((line) => line.model === model)?.batching as Record<string, unknown>;
    assert.equal(of('mlp').enabled, true);
    assert.equal(of('mlp').maxBatchSize, 16);
    assert.equal(of('add').maxQueueSize, 1);
    assert.equal(of('fixed').enabled, false);
    assert.match(String(of('fixed').reason), /input "x" has a fixed first dimension/);
  });

  it('batches concurrent requests into one run and answers each with its own rows', async () => {
    const model = runtime.withInput('features');
    const rowsOf = [1, 2, 1, 3, 1];
    const inputs = rowsOf.map((rows, index) =>
      Float32Array.from({ length: rows * LAYERS[0]! }, (_, i) => Math.cos(index * 13 + i)),
    );
    model.close();
    const runsBefore = model.runs.length;
    const send = (index: number) =>
      infer('mlp', {
        inputs: [
          {
            name: 'features',
            datatype: 'FP32',
            shape: [rowsOf[index], LAYERS[0]],
            data: [...inputs[index]!],
          },
        ],
      });
    const responses = [send(0)];
    await until(() => model.held === 1, 'the first request reached the model');
    for (let index = 1; index < rowsOf.length; index++) responses.push(send(index));
    await until(
      async () => sample(await metrics(), 'berth_queue_depth{model="mlp",version="1"}') === rowsOf.length - 1,
      'the other requests are queued',
    );
    model.open();
    const answers = await Promise.all(responses);

    assert.deepEqual(model.runs.slice(runsBefore), [1, 7]);
    const weights = mlpWeights(LAYERS, SEED);
    answers.forEach((response, index) => {
      assert.equal(response.statusCode, 200, response.body);
      const output = response.json().outputs[0];
      assert.deepEqual(output.shape, [rowsOf[index], LAYERS.at(-1)]);
      const expected = mlpReference(weights, inputs[index]!);
      (output.data as number[]).forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-5));
    });

    const text = await metrics();
    assert.equal(sample(text, 'berth_batch_size_bucket{le="1",model="mlp",version="1"}'), 1);
    assert.equal(sample(text, 'berth_batch_size_bucket{le="8",model="mlp",version="1"}'), 2);
    assert.equal(sample(text, 'berth_batch_size_count{model="mlp",version="1"}'), 2);
    assert.equal(sample(text, 'berth_batch_size_sum{model="mlp",version="1"}'), 8);
    assert.equal(sample(text, 'berth_queue_depth{model="mlp",version="1"}'), 0);
    assert.equal(sample(text, 'berth_queue_seconds_count{model="mlp",version="1"}'), 5);
  });

  it('answers 503 QUEUE_FULL with Retry-After at once when the queue is full, and serves the accepted ones', async () => {
    const model = runtime.withInput('a');
    const body = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
        { name: 'b', datatype: 'FP32', shape: [1, 4], data: [10, 20, 30, 40] },
      ],
    };
    model.close();
    const running = infer('add', body);
    await until(() => model.held === 1, 'the first request reached the model');
    const queued = infer('add', body);
    await until(
      async () => sample(await metrics(), 'berth_queue_depth{model="add",version="1"}') === 1,
      'the second request is queued',
    );
    const refused = await infer('add', body);
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.json().code, 'BERTH_ERR_QUEUE_FULL');
    model.open();
    for (const response of await Promise.all([running, queued])) {
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json().outputs[0].data, [11, 22, 33, 44]);
    }
    const text = await metrics();
    assert.equal(
      sample(text, 'berth_queue_rejections_total{model="add",version="1",reason="queue_full"}'),
      1,
    );
  });

  it('answers a request over max_batch_size with every row, run in chunks of at most max_batch_size', async () => {
    const model = runtime.withInput('features');
    const rows = 40;
    const input = Float32Array.from({ length: rows * LAYERS[0]! }, (_, i) => Math.sin(i));
    const runsBefore = model.runs.length;
    const response = await infer('mlp', {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, LAYERS[0]], data: [...input] }],
    });
    assert.equal(response.statusCode, 200, response.body);
    const output = response.json().outputs[0];
    assert.deepEqual(output.shape, [rows, LAYERS.at(-1)]);
    const expected = mlpReference(mlpWeights(LAYERS, SEED), input);
    (output.data as number[]).forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-5));
    assert.deepEqual(model.runs.slice(runsBefore), [16, 16, 8]);
  });

  it('answers 64 rows to a model left at the default max_batch_size of 32', async () => {
    const rows = 64;
    const a = Array.from({ length: rows * 4 }, (_, i) => i);
    const response = await infer('add', {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [rows, 4], data: a },
        { name: 'b', datatype: 'FP32', shape: [rows, 4], data: a },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().outputs[0].data,
      a.map((value) => value * 2),
    );
  });

  it('refuses a request over max_batch_size with 400 INPUT_SHAPE when strict_max_batch_size is set', async () => {
    const rows = 9;
    const response = await infer('strict', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 2, 3], data: new Array(rows * 6).fill(0) }],
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'BERTH_ERR_INPUT_SHAPE');
    assert.match(response.json().error, /first dimension is 9, larger than max_batch_size 8/);
    assert.match(response.json().error, /strict_max_batch_size/);
  });
});
