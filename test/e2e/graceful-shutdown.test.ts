import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { mlpModel } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer } from '../support/spawn-server.js';

interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** One request on a fresh connection, so "never accepted" (refused) and "accepted" are distinct. */
function post(url: string, path: string, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('SIGTERM during a stream of requests', () => {
  let fixture: StoreFixture;

  before(async () => {
    fixture = await createStoreFixture();
    // Heavy enough (tens of ms per request) that requests are in flight when the signal lands.
    await fixture.publish({
      name: 'heavy',
      onnx: mlpModel([256, 1024, 1024, 1], 5),
      config: { max_batch_size: 64 },
    });
  });
  after(() => fixture.cleanup());

  it('answers every accepted request, turns new ones away with 503, and exits 0', async () => {
    const server = spawnServer(['--store', fixture.uri, '--model', 'heavy', '--drain-timeout-ms', '20000'], {
      BERTH_CACHE_DIR: fixture.cacheDir,
    });
    const url = await server.url;
    await server.waitForLog('ready');
    const rows = 32;
    const body = JSON.stringify({
      inputs: [
        { name: 'features', shape: [rows, 256], datatype: 'FP32', data: new Array(rows * 256).fill(0.5) },
      ],
    });
    const outcomes: Outcome[] = [];
    let okBeforeSignal = 0;
    let signalled = false;
    const client = async (): Promise<void> => {
      for (;;) {
        const outcome = await post(url, '/v2/models/heavy/infer', body);
        outcomes.push(outcome);
        if (outcome.status === 200 && !signalled) okBeforeSignal += 1;
        if (!signalled && okBeforeSignal >= 12) {
          signalled = true;
          server.child.kill('SIGTERM');
        }
        // A well-behaved client (or load balancer) stops sending to a server that said it is going.
        if (outcome.error || outcome.status === 503) return;
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    assert.equal(await server.exited, 0, server.stderr.join('\n'));

    const ok = outcomes.filter((outcome) => outcome.status === 200);
    const turnedAway = outcomes.filter((outcome) => outcome.status === 503);
    const failed = outcomes.filter((outcome) => outcome.error);
    assert.ok(ok.length >= 12);
    for (const outcome of ok) {
      const parsed = JSON.parse(outcome.body!) as { outputs: Array<{ shape: number[] }> };
      assert.deepEqual(parsed.outputs[0]!.shape, [rows, 1], 'a whole answer');
    }
    for (const outcome of turnedAway) assert.match(outcome.body!, /BERTH_ERR_SHUTTING_DOWN/);
    // Only connections the server never accepted may fail: refused, not reset mid-request.
    for (const outcome of failed) assert.equal(outcome.error, 'ECONNREFUSED', JSON.stringify(outcome));
    assert.equal(outcomes.length, ok.length + turnedAway.length + failed.length, 'no other status');
    assert.ok(server.logs.some((line) => line.msg === 'drained; exiting'));
  });
});
