/** Triton's extension RPCs (statistics, model configuration, repository) with a real gRPC client. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { createLogger } from '../../../../src/observability/logger.js';
import { startGrpcServer, type RunningGrpcServer } from '../../../../src/transports/grpc/grpc-server.js';
import { ERROR_ID_METADATA } from '../../../../src/transports/grpc/status.js';
import { addModel, fixedBatchModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';
import { createInferenceClient, grpcError, type InferenceClient } from './grpc-client.js';

const WALL = 1_650_000_000_000;

/** The client's loader reads uint64 as decimal strings and enums as numbers. */
interface Duration {
  count: string;
  ns: string;
}
interface ModelStatistics {
  name: string;
  version: string;
  last_inference: string;
  inference_count: string;
  execution_count: string;
  inference_stats: Record<string, Duration>;
  batch_stats: Array<{ batch_size: string; compute_infer: Duration }>;
}

const f32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);

describe('gRPC extension RPCs', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  let grpc: RunningGrpcServer;
  let client: InferenceClient;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 8 } });
    await fixture.publish({ name: 'fixed', onnx: fixedBatchModel() });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add', 'fixed'],
      cacheDir: fixture.cacheDir,
      wallClock: () => WALL,
    });
    await server.loaded;
    grpc = await startGrpcServer({
      dataPlane: server.dataPlane,
      logger: createLogger({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 1024 * 1024,
    });
    client = createInferenceClient(grpc.address);
  });
  after(async () => {
    client.close();
    await grpc.close();
    await server.close();
    await fixture.cleanup();
  });

  const inferAdd = (rows: number) =>
    client.call('ModelInfer', {
      model_name: 'add',
      inputs: ['a', 'b'].map((name) => ({ name, datatype: 'FP32', shape: [rows, 4] })),
      raw_input_contents: [f32(...Array(rows * 4).fill(1)), f32(...Array(rows * 4).fill(2))],
    });

  it('reports statistics per version with Triton field names', async () => {
    await inferAdd(3);
    await inferAdd(1);
    await grpcError(
      client.call('ModelInfer', {
        model_name: 'add',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 4] }],
        raw_input_contents: [f32(1, 2, 3, 4)],
      }),
    );
    const response = await client.call<{ model_stats: ModelStatistics[] }>('ModelStatistics', {
      name: 'add',
    });
    assert.equal(response.model_stats.length, 1);
    const stat = response.model_stats[0]!;
    assert.equal(stat.name, 'add');
    assert.equal(stat.version, '1');
    assert.equal(stat.last_inference, String(WALL));
    assert.equal(stat.inference_count, '4');
    assert.equal(stat.execution_count, '2');
    assert.equal(stat.inference_stats.success!.count, '2');
    assert.equal(stat.inference_stats.fail!.count, '1');
    assert.equal(stat.inference_stats.queue!.count, '2');
    assert.equal(stat.inference_stats.cache_hit!.count, '0');
    assert.deepEqual(
      stat.batch_stats.map((batch) => [batch.batch_size, batch.compute_infer.count]),
      [
        ['1', '1'],
        ['3', '1'],
      ],
    );
  });

  it('lists every READY version without a name, and refuses what it cannot answer', async () => {
    const all = await client.call<{ model_stats: ModelStatistics[] }>('ModelStatistics', {});
    assert.deepEqual(
      all.model_stats.map((stat) => `${stat.name}@${stat.version}`),
      ['add@1', 'fixed@1'],
    );
    const pinned = await client.call<{ model_stats: ModelStatistics[] }>('ModelStatistics', {
      name: 'fixed',
      version: '1',
    });
    assert.equal(pinned.model_stats[0]!.inference_count, '0');

    const unknown = await grpcError(client.call('ModelStatistics', { name: 'nope' }));
    assert.equal(unknown.code, status.NOT_FOUND);
    assert.deepEqual(unknown.metadata.get(ERROR_ID_METADATA), ['BERTH_ERR_MODEL_NOT_FOUND']);
    const versionOnly = await grpcError(client.call('ModelStatistics', { version: '1' }));
    assert.equal(versionOnly.code, status.INVALID_ARGUMENT);
  });

  it('answers ModelConfig with Triton fields and the Berth part as a JSON parameter', async () => {
    const { config } = await client.call<{
      config: {
        name: string;
        platform: string;
        backend: string;
        max_batch_size: number;
        input: Array<{ name: string; data_type: number; dims: string[] }>;
        dynamic_batching?: { default_queue_policy: { max_queue_size: number } };
        parameters: Record<string, { string_value: string }>;
      };
    }>('ModelConfig', { name: 'add' });
    assert.equal(config.name, 'add');
    assert.equal(config.platform, 'onnxruntime_onnx');
    assert.equal(config.backend, 'onnxruntime');
    assert.equal(config.max_batch_size, 8);
    // TYPE_FP32 is 11 in Triton's DataType enum.
    assert.deepEqual(config.input[0], { name: 'a', data_type: 11, dims: ['4'] });
    assert.equal(config.dynamic_batching?.default_queue_policy.max_queue_size, 256);
    const berth = JSON.parse(config.parameters.berth!.string_value);
    assert.equal(berth.version, '1');
    assert.equal(berth.batching.enabled, true);
    assert.equal(berth.config.max_batch_size, 8);

    const fixed = await client.call<{ config: { max_batch_size: number; dynamic_batching?: unknown } }>(
      'ModelConfig',
      { name: 'fixed' },
    );
    assert.equal(fixed.config.max_batch_size, 0);
    assert.equal(fixed.config.dynamic_batching ?? null, null);
    const missing = await grpcError(client.call('ModelConfig', { name: 'nope' }));
    assert.equal(missing.code, status.NOT_FOUND);
  });

  it('lists the repository index, READY only on request', async () => {
    const index = await client.call<{ models: Array<{ name: string; version: string; state: string }> }>(
      'RepositoryIndex',
      {},
    );
    assert.deepEqual(index.models.map((entry) => `${entry.name}@${entry.version}:${entry.state}`).sort(), [
      'add@1:READY',
      'fixed@1:READY',
    ]);
    const ready = await client.call<{ models: unknown[] }>('RepositoryIndex', { ready: true });
    assert.equal(ready.models.length, 2);
    const named = await grpcError(client.call('RepositoryIndex', { repository_name: 'other' }));
    assert.equal(named.code, status.INVALID_ARGUMENT);
    assert.match(named.details, /repository_name/);
  });

  it('answers load and unload with FAILED_PRECONDITION while model control is off', async () => {
    for (const method of ['RepositoryModelLoad', 'RepositoryModelUnload']) {
      const refused = await grpcError(
        client.call(method, { model_name: 'add', parameters: { config: { string_param: '{}' } } }),
      );
      assert.equal(refused.code, status.FAILED_PRECONDITION, method);
      assert.deepEqual(refused.metadata.get(ERROR_ID_METADATA), ['BERTH_ERR_MODEL_CONTROL_DISABLED']);
      const unnamed = await grpcError(client.call(method, {}));
      assert.equal(unnamed.code, status.INVALID_ARGUMENT);
      assert.match(unnamed.details, /model_name/);
    }
  });
});
