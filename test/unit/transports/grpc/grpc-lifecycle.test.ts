/** gRPC as `berth serve` runs it: started by startServer on grpc_port, drained and closed by shutDown. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { loadServerConfig } from '../../../../src/config/load-server-config.js';
import { ERROR_ID_METADATA } from '../../../../src/transports/grpc/status.js';
import { shutDown } from '../../../../src/server/shutdown.js';
import { startServer, type RunningServer } from '../../../../src/transports/start-server.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { OnnxRuntime } from '../../../../src/runtime/onnx/onnx-runtime.js';
import { addModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { createInferenceClient, grpcError, type InferenceClient } from './grpc-client.js';

const f32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);
const addRequest = {
  model_name: 'add',
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [1, 4] },
    { name: 'b', datatype: 'FP32', shape: [1, 4] },
  ],
  raw_input_contents: [f32(1, 2, 3, 4), f32(1, 1, 1, 1)],
};

describe('gRPC server lifecycle', () => {
  let fixture: StoreFixture;
  let server: RunningServer;
  let client: InferenceClient;
  const logger = createLogger({ level: 'silent' });

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel() });
    const config = await loadServerConfig({
      env: {},
      flags: {
        store: fixture.uri,
        models: ['add'],
        host: '127.0.0.1',
        port: 0,
        grpc_port: 0,
        cache_dir: fixture.cacheDir,
      },
    });
    server = await startServer(config, { logger, runtime: new OnnxRuntime(), version: '0.0.0-test' });
    await server.loaded;
    assert.ok(server.grpc, 'startServer starts gRPC when grpc_port is set');
    assert.ok(server.grpc.port > 0, 'the bound port is reported');
    client = createInferenceClient(`127.0.0.1:${server.grpc.port}`);
  });
  after(async () => {
    client.close();
    await fixture.cleanup();
  });

  it('serves ModelInfer on the bound port, through the same data plane as REST', async () => {
    const response = await client.call<{ raw_output_contents: Buffer[] }>('ModelInfer', addRequest);
    assert.deepEqual(response.raw_output_contents[0], f32(2, 3, 4, 5));
  });

  it('answers UNAVAILABLE while draining, keeps health answering, then closes with shutDown', async () => {
    server.dataPlane.startDraining();
    const error = await grpcError(client.call('ModelInfer', addRequest));
    assert.equal(error.code, status.UNAVAILABLE);
    assert.match(error.details, /shutting down/);
    assert.deepEqual(error.metadata.get(ERROR_ID_METADATA), ['BERTH_ERR_SHUTTING_DOWN']);
    assert.equal((await grpcError(client.call('ModelMetadata', { name: 'add' }))).code, status.UNAVAILABLE);
    assert.deepEqual(await client.call('ServerLive', {}), { live: true });
    assert.deepEqual(await client.call('ServerReady', {}), { ready: false });
    assert.deepEqual(await client.call('ModelReady', { name: 'add' }), { ready: false });

    const finished = await shutDown(server.shutdownParts(5000));
    assert.equal(finished, true);
    const closed = await grpcError(client.call('ServerLive', {}, 2000));
    assert.equal(closed.code, status.UNAVAILABLE, 'the gRPC port is closed after shutdown');
  });
});
