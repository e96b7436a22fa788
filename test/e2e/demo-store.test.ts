import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEMO_MODEL, demoFeatures } from '../../scripts/demo-model.js';
import { mlpReference, mlpWeights } from '../fixtures/onnx/models.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';

const DEMO_STORE = fileURLToPath(new URL('../../../examples/demo-store', import.meta.url));

describe('the demo store served by the berth binary (what `npm start` runs)', () => {
  let cacheDir: string;
  let server: ServerProcess;
  let url: string;

  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'berth-demo-cache-'));
    server = spawnServer(['--store', DEMO_STORE, '--model', DEMO_MODEL.name], { BERTH_CACHE_DIR: cacheDir });
    url = await server.url;
    await server.waitForLog('ready');
  });
  after(async () => {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('is ready and answers V2 infer with the model numbers', async () => {
    const ready = await fetch(`${url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    const rows = demoFeatures(3);
    const response = await fetch(`${url}/v2/models/${DEMO_MODEL.name}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', shape: [3, 32], datatype: 'FP32', data: rows }] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      outputs: Array<{ name: string; shape: number[]; data: number[] }>;
    };
    const expected = mlpReference(
      mlpWeights(DEMO_MODEL.layers, DEMO_MODEL.seed),
      new Float32Array(rows.flat()),
    );
    assert.equal(body.outputs[0]!.name, 'score');
    assert.deepEqual(body.outputs[0]!.shape, [3, 1]);
    body.outputs[0]!.data.forEach((value, index) =>
      assert.ok(Math.abs(value - expected[index]!) < 1e-5, `row ${index}`),
    );
  });

  it('logged download, warm-up and readiness in JSON', () => {
    const ready = server.logs.find((line) => line.msg === 'model ready');
    assert.equal(ready?.version, '1');
    assert.equal(ready?.warmupRuns, 4, 'three generated batch sizes and one request file');
    assert.equal(typeof ready?.warmupMs, 'number');
    assert.equal(typeof ready?.downloadMs, 'number');
  });
});
