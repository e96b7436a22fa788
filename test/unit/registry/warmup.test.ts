import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { decodeInferRequest } from '../../../src/protocol/v2/json-codec.js';
import { warmUp, type WarmupPlan } from '../../../src/registry/warmup.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';

/** A model that records the inputs of every run and answers nothing. */
function recordingModel(): LoadedModel & { runs: string[][] } {
  const runs: string[][] = [];
  return {
    runs,
    metadata: { platform: 'test', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [] },
    infer: async (inputs: ReadonlyMap<string, Tensor>) => {
      runs.push([...inputs.keys()]);
      return new Map();
    },
    dispose: async () => undefined,
  };
}

describe('warm-up request files', () => {
  let dir: string;
  const where = 'file:///store/m/3';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-warmup-'));
    await writeFile(
      join(dir, 'good.json'),
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }),
    );
    await writeFile(join(dir, 'broken.json'), '{"inputs": [');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const plan = (requests: string[], model = recordingModel()): WarmupPlan => ({
    model,
    config: modelConfigSchema.parse({ warmup: { generated: false, requests } }),
    dir,
    where,
    decodeRequest: (bytes) => decodeInferRequest(JSON.parse(Buffer.from(bytes).toString('utf8'))),
  });

  it('runs each request file', async () => {
    const model = recordingModel();
    assert.equal(await warmUp(plan(['good.json'], model)), 1);
    assert.deepEqual(model.runs, [['x']]);
  });

  it('reports a file berth.yaml names but the version lacks as WARMUP_FAILED, with file and URI', async () => {
    await assert.rejects(warmUp(plan(['good.json', 'samples/missing.json'])), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'WARMUP_FAILED');
      assert.match(error.message, /^file:\/\/\/store\/m\/3\/samples\/missing\.json: /);
      assert.match(
        error.message,
        /"samples\/missing\.json" \(warmup\.requests in berth\.yaml\) is not in the version folder/,
      );
      assert.match(error.message, /in file:\/\/\/store\/m\/3$/);
      return true;
    });
  });

  it('reports a file that is not a V2 request as WARMUP_FAILED naming it', async () => {
    await assert.rejects(warmUp(plan(['broken.json'])), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'WARMUP_FAILED');
      assert.match(error.message, /broken\.json" is not a valid V2 inference request: /);
      return true;
    });
  });
});
