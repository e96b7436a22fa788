/** Triton's statistics, model configuration and model repository extensions over REST, end to end. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OnnxRuntime } from '../../../../src/runtime/onnx/onnx-runtime.js';
import { addModel, fixedBatchModel, mlpModel } from '../../../fixtures/onnx/models.js';
import { GatedRuntime } from '../../../support/gated-model.js';
import { eventLoopTurns } from '../../../support/manual-clock.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

const WALL = 1_700_000_000_123;

interface Duration {
  count: number;
  ns: number;
}
interface ModelStat {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<string, Duration>;
  batch_stats: Array<{ batch_size: number; compute_infer: Duration; compute_input: Duration }>;
}

const addBody = (rows: number) => ({
  inputs: ['a', 'b'].map((name) => ({
    name,
    datatype: 'FP32',
    shape: [rows, 4],
    data: Array.from({ length: rows * 4 }, (_, i) => i),
  })),
});

describe('V2 REST extensions: statistics, model configuration, model repository', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  const runtime = new GatedRuntime(new OnnxRuntime());

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 4 } });
    await fixture.publish({
      name: 'add',
      onnx: addModel(),
      config: { batching: { preferred_batch_sizes: [2, 64], max_queue_size: 9, timeout_ms: 5 } },
    });
    // One run at a time, so a held run makes the next requests wait and batch.
    await fixture.publish({ name: 'mlp', onnx: mlpModel([8, 4], 3), config: { instances: 1 } });
    await fixture.publish({ name: 'fixed', onnx: fixedBatchModel() });
    // max_batch_size 0 is not a valid berth.yaml: this version ends FAILED.
    await fixture.publish({ name: 'broken', onnx: addModel(), config: { max_batch_size: 0 } });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add', 'add@1', 'mlp', 'fixed', 'broken'],
      cacheDir: fixture.cacheDir,
      runtime,
      wallClock: () => WALL,
    });
    await server.loaded.catch(() => undefined);
    await until(
      () =>
        ['add', 'mlp', 'fixed'].every((name) =>
          server.registry.status(name).every((status) => status.state === 'READY'),
        ) && server.registry.status('add').length === 2,
      'every version of the good models is READY',
    );
    await until(
      () => server.dataPlane.repositoryIndex().some((entry) => entry.state === 'FAILED'),
      'the broken model failed',
    );
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  async function until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let turn = 0; turn < 100_000; turn++) {
      if (await ready()) return;
      await eventLoopTurns(1);
    }
    assert.fail(`never happened: ${what}`);
  }

  const post = (url: string, payload?: unknown) =>
    server.app.inject({
      method: 'POST',
      url,
      ...(payload === undefined
        ? {}
        : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }),
    });
  const statsOf = async (url: string): Promise<ModelStat[]> => {
    const response = await server.app.inject(url);
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { model_stats: ModelStat[] }).model_stats;
  };

  it('lists the three extensions in server metadata', async () => {
    const extensions = (await server.app.inject('/v2')).json().extensions as string[];
    for (const name of ['model_repository', 'statistics', 'model_configuration', 'binary_tensor_data'])
      assert.ok(extensions.includes(name), name);
  });

  it('counts requests, rows, runs and batch sizes of the version that served them', async () => {
    for (const rows of [1, 2, 2]) {
      const response = await post('/v2/models/add/infer', addBody(rows));
      assert.equal(response.statusCode, 200, response.body);
    }
    const [stat] = await statsOf('/v2/models/add/versions/2/stats');
    assert.equal(stat!.name, 'add');
    assert.equal(stat!.version, '2');
    assert.equal(stat!.last_inference, WALL);
    assert.equal(stat!.inference_count, 5);
    assert.equal(stat!.execution_count, 3);
    const infer = stat!.inference_stats;
    for (const field of ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output'])
      assert.equal(infer[field]!.count, 3, field);
    assert.deepEqual(infer.fail, { count: 0, ns: 0 });
    assert.deepEqual(infer.cache_hit, { count: 0, ns: 0 });
    assert.ok(Number.isInteger(infer.success!.ns));
    assert.ok(infer.success!.ns >= infer.compute_infer!.ns);
    assert.deepEqual(
      stat!.batch_stats.map((batch) => [batch.batch_size, batch.compute_infer.count]),
      [
        [1, 1],
        [2, 2],
      ],
    );
    // The other version served nothing.
    const [other] = await statsOf('/v2/models/add/versions/1/stats');
    assert.equal(other!.inference_count, 0);
    assert.equal(other!.last_inference, 0);
    assert.deepEqual(other!.batch_stats, []);
  });

  it('counts a rejected request as a failure of the version, with no run', async () => {
    const bad = await post('/v2/models/add/versions/1/infer', {
      inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
    });
    assert.equal(bad.statusCode, 400);
    const [stat] = await statsOf('/v2/models/add/versions/1/stats');
    assert.equal(stat!.inference_stats.fail!.count, 1);
    assert.equal(stat!.inference_stats.success!.count, 0);
    assert.equal(stat!.execution_count, 0);
    assert.equal(stat!.last_inference, WALL);
  });

  it('keys batch_stats by the batch sizes the batcher actually ran', async () => {
    const model = runtime.withInput('features');
    const body = (rows: number) => ({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 8], data: Array(rows * 8).fill(0.5) }],
    });
    model.close();
    const responses = [post('/v2/models/mlp/infer', body(1))];
    await until(() => model.held === 1, 'the first request reached the model');
    responses.push(post('/v2/models/mlp/infer', body(2)), post('/v2/models/mlp/infer', body(3)));
    await until(async () => {
      const text = (await server.app.inject('/metrics')).body;
      return text.includes('berth_queue_depth{model="mlp",version="1"} 2');
    }, 'two requests wait');
    model.open();
    for (const response of await Promise.all(responses)) assert.equal(response.statusCode, 200);

    const [stat] = await statsOf('/v2/models/mlp/stats');
    assert.equal(stat!.execution_count, 2);
    assert.equal(stat!.inference_count, 6);
    assert.equal(stat!.inference_stats.success!.count, 3);
    assert.equal(stat!.inference_stats.queue!.count, 3);
    assert.deepEqual(
      stat!.batch_stats.map((batch) => [batch.batch_size, batch.compute_infer.count]),
      [
        [1, 1],
        [5, 1],
      ],
    );
  });

  it('counts a model that cannot batch as batch size 1 per run', async () => {
    const response = await post('/v2/models/fixed/infer', {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }],
    });
    assert.equal(response.statusCode, 200, response.body);
    const [stat] = await statsOf('/v2/models/fixed/stats');
    assert.equal(stat!.inference_count, 1);
    assert.deepEqual(
      stat!.batch_stats.map((batch) => batch.batch_size),
      [1],
    );
  });

  it('lists every READY version in /v2/models/stats, and only those', async () => {
    const all = await statsOf('/v2/models/stats');
    assert.deepEqual(
      all.map((stat) => `${stat.name}@${stat.version}`),
      ['add@1', 'add@2', 'mlp@1', 'fixed@1'],
    );
    assert.deepEqual(
      (await statsOf('/v2/models/add/stats')).map((stat) => stat.version),
      ['1', '2'],
    );
  });

  it('answers statistics of unknown or unready models with their error', async () => {
    const unknown = await server.app.inject('/v2/models/nope/stats');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'BERTH_ERR_MODEL_NOT_FOUND');
    const version = await server.app.inject('/v2/models/add/versions/9/stats');
    assert.equal(version.statusCode, 404);
    assert.equal(version.json().code, 'BERTH_ERR_VERSION_NOT_FOUND');
    const failed = await server.app.inject('/v2/models/broken/stats');
    assert.equal(failed.statusCode, 503);
    assert.equal(failed.json().code, 'BERTH_ERR_MODEL_NOT_READY');
  });

  it('answers the effective configuration in Triton shape with the Berth part', async () => {
    const response = await server.app.inject('/v2/models/add/config');
    assert.equal(response.statusCode, 200, response.body);
    const config = response.json();
    assert.equal(config.name, 'add');
    assert.equal(config.platform, 'onnxruntime_onnx');
    assert.equal(config.backend, 'onnxruntime');
    assert.equal(config.max_batch_size, 32);
    assert.equal(config.default_model_filename, 'model.onnx');
    assert.deepEqual(config.input, [
      { name: 'a', data_type: 'TYPE_FP32', dims: [4] },
      { name: 'b', data_type: 'TYPE_FP32', dims: [4] },
    ]);
    assert.deepEqual(config.output, [{ name: 'sum', data_type: 'TYPE_FP32', dims: [4] }]);
    // Preferred sizes over max_batch_size are dropped, as the batcher drops them.
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [2],
      max_queue_delay_microseconds: 0,
      default_queue_policy: {
        timeout_action: 'REJECT',
        default_timeout_microseconds: 5000,
        max_queue_size: 9,
      },
    });
    assert.equal(config.berth.version, '2');
    assert.deepEqual(config.berth.inputs[0], { name: 'a', datatype: 'FP32', shape: [-1, 4] });
    assert.equal(config.berth.batching.enabled, true);
    assert.equal(config.berth.batching.max_queue_size, 9);
    assert.equal(config.berth.config.batching.timeout_ms, 5);
    assert.deepEqual(config.berth.config.batching.preferred_batch_sizes, [2, 64]);

    const pinned = (await server.app.inject('/v2/models/add/versions/1/config')).json();
    assert.equal(pinned.max_batch_size, 4);
    assert.equal(pinned.berth.version, '1');
  });

  it('reports a model that cannot batch with max_batch_size 0, full dims and no dynamic_batching', async () => {
    const config = (await server.app.inject('/v2/models/fixed/config')).json();
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.input, [{ name: 'x', data_type: 'TYPE_FP32', dims: [2, 3] }]);
    assert.equal(config.dynamic_batching, undefined);
    assert.equal(config.berth.batching.enabled, false);
    assert.match(config.berth.batching.reason, /fixed first dimension/);
    const missing = await server.app.inject('/v2/models/nope/config');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'BERTH_ERR_MODEL_NOT_FOUND');
  });

  it('filters the repository index with {"ready": true}; false or no body lists everything', async () => {
    const names = (body: unknown) =>
      (body as Array<{ name: string; version: string; state: string }>).map(
        (entry) => `${entry.name}@${entry.version}:${entry.state}`,
      );
    const everything = await post('/v2/repository/index');
    assert.equal(everything.statusCode, 200);
    const all = names(everything.json());
    assert.ok(all.includes('broken@1:FAILED'), all.join());
    assert.ok(all.includes('add@2:READY'));
    const failed = (everything.json() as Array<{ name: string; reason: string }>).find(
      (entry) => entry.name === 'broken',
    );
    assert.match(failed!.reason, /BERTH_ERR_BAD_MODEL_CONFIG/);

    const ready = names((await post('/v2/repository/index', { ready: true })).json());
    assert.deepEqual(ready.sort(), all.filter((entry) => entry.endsWith(':READY')).sort());
    assert.equal(ready.length, all.length - 1);
    assert.deepEqual(names((await post('/v2/repository/index', { ready: false })).json()), all);
    assert.deepEqual(names((await post('/v2/repository/index', {})).json()), all);

    const wrong = await post('/v2/repository/index', { ready: 'yes' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().code, 'BERTH_ERR_INVALID_REQUEST');
    assert.match(wrong.json().error, /ready: expected true or false, got "yes"/);
    assert.equal((await post('/v2/repository/index', [1])).statusCode, 400);
  });

  it('answers load and unload with MODEL_CONTROL_DISABLED while model control is off', async () => {
    for (const action of ['load', 'unload']) {
      for (const body of [undefined, {}, { parameters: { config: '{}' } }]) {
        const response = await post(`/v2/repository/models/add/${action}`, body);
        assert.equal(response.statusCode, 400, `${action} ${JSON.stringify(body)}`);
        assert.equal(response.json().code, 'BERTH_ERR_MODEL_CONTROL_DISABLED');
        assert.match(response.json().error, /model control mode/);
      }
      const bad = await post(`/v2/repository/models/add/${action}`, { parameters: [1] });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'BERTH_ERR_INVALID_REQUEST');
      assert.match(bad.json().error, /parameters: expected a JSON object/);
    }
    assert.ok(server.dataPlane.modelReady('add'), 'nothing was unloaded');
  });
});
