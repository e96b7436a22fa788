import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addModel, mlpModel, mlpReference, mlpWeights } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

describe('TF Serving REST', () => {
  let fixture: StoreFixture;
  let server: TestServer;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'mlp', onnx: mlpModel([4, 8, 1], 3) });
    await fixture.publish({ name: 'add', onnx: addModel() });
    server = await startTestServer({
      store: fixture.uri,
      models: ['mlp', 'add'],
      cacheDir: fixture.cacheDir,
    });
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  const post = (url: string, payload: unknown) =>
    server.app.inject({ method: 'POST', url, payload: payload as object });

  it('predicts in row format with the same numbers as the model', async () => {
    const rows = [
      [0.1, 0.2, 0.3, 0.4],
      [1, -1, 0.5, 0],
    ];
    const response = await post('/v1/models/mlp:predict', { instances: rows });
    assert.equal(response.statusCode, 200, response.body);
    const expected = mlpReference(mlpWeights([4, 8, 1], 3), new Float32Array(rows.flat()));
    const predictions = response.json().predictions as number[][];
    assert.equal(predictions.length, 2);
    predictions.forEach((row, index) => assert.ok(Math.abs(row[0]! - expected[index]!) < 1e-5));
  });

  it('predicts in columnar format with named inputs, and on a pinned version', async () => {
    const response = await post('/v1/models/add/versions/1:predict', {
      inputs: { a: [[1, 2, 3, 4]], b: [[1, 1, 1, 1]] },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { outputs: [[2, 3, 4, 5]] });
  });

  it('reports model status and metadata', async () => {
    assert.deepEqual((await server.app.inject('/v1/models/mlp')).json(), {
      model_version_status: [
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
    const metadata = (await server.app.inject('/v1/models/mlp/metadata')).json();
    assert.equal(
      metadata.metadata.signature_def.signature_def.serving_default.inputs.features.dtype,
      'DT_FLOAT',
    );
  });

  it('rejects bad bodies with a field-naming 400 and unknown models with 404', async () => {
    const ragged = await post('/v1/models/mlp:predict', { instances: [[1, 2, 3, 4], [1]] });
    assert.equal(ragged.statusCode, 400);
    assert.match(ragged.json().error, /instances\[1\]: expected a list of 4 elements/);
    const wrongWidth = await post('/v1/models/mlp:predict', { instances: [[1, 2]] });
    assert.equal(wrongWidth.json().code, 'BERTH_ERR_INPUT_SHAPE');
    assert.equal((await post('/v1/models/nope:predict', { instances: [[1]] })).statusCode, 404);
    assert.equal((await post('/v1/models/mlp:classify', { instances: [[1]] })).statusCode, 404);
  });
});
