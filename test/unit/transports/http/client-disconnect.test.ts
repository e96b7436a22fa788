/**
 * A client that hangs up while its request waits in the batching queue: the request is dropped
 * (counted as a `cancelled` queue rejection) and never reaches the model. Real sockets on port 0,
 * a gated model to keep the queue full, and no timing: every wait is on an observable state.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { OnnxRuntime } from '../../../../src/runtime/onnx/onnx-runtime.js';
import { addModel } from '../../../fixtures/onnx/models.js';
import { GatedRuntime, type GatedModel } from '../../../support/gated-model.js';
import { eventLoopTurns } from '../../../support/manual-clock.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

/** The value of one sample of the Prometheus text whose line starts with `series`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function rows(count: number, value: number): number[][] {
  return Array.from({ length: count }, () => [value, value, value, value]);
}

describe('a client that disconnects while queued', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  let model: GatedModel;
  const runtime = new GatedRuntime(new OnnxRuntime());

  before(async () => {
    fixture = await createStoreFixture();
    // One run at a time, so one held run keeps every later request in the queue.
    await fixture.publish({ name: 'add', onnx: addModel(), config: { max_batch_size: 8, instances: 1 } });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add'],
      cacheDir: fixture.cacheDir,
      runtime,
    });
    await server.loaded;
    model = runtime.withInput('a');
  });
  after(async () => {
    model.open();
    await server.close();
    await fixture.cleanup();
  });

  const metrics = async (): Promise<string> => (await server.app.inject('/metrics')).body;
  const queueDepth = async () => sample(await metrics(), 'berth_queue_depth{model="add",version="1"}');
  const cancelled = async () =>
    sample(await metrics(), 'berth_queue_rejections_total{model="add",version="1",reason="cancelled"}');

  async function until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let turn = 0; turn < 100_000; turn++) {
      if (await ready()) return;
      await eventLoopTurns(1);
    }
    assert.fail(`never happened: ${what}`);
  }

  /** Sends a request on a real socket and leaves it open; errors after the hang-up are expected. */
  function send(path: string, body: object): ClientRequest {
    const url = new URL(path, server.url);
    const client = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    client.on('error', () => undefined);
    client.end(JSON.stringify(body));
    return client;
  }

  const routes: Array<[string, string, (value: number, count: number) => object]> = [
    [
      'V2',
      '/v2/models/add/infer',
      (value, count) => ({
        inputs: ['a', 'b'].map((name) => ({
          name,
          datatype: 'FP32',
          shape: [count, 4],
          data: rows(count, value).flat(),
        })),
      }),
    ],
    [
      'TF Serving',
      '/v1/models/add:predict',
      (value, count) => ({ inputs: { a: rows(count, value), b: rows(count, value) } }),
    ],
  ];

  for (const [protocol, path, bodyOf] of routes) {
    it(`drops a queued ${protocol} request whose socket closed, before it reaches the model`, async () => {
      const cancelledBefore = await cancelled();
      model.close();
      const runsBefore = model.runs.length;
      // The first request holds the one run; the second waits in the queue behind it.
      const holding = server.app.inject({
        method: 'POST',
        url: path,
        payload: bodyOf(1, 1),
        headers: { 'content-type': 'application/json' },
      });
      await until(() => model.held === 1, 'the first request reached the model');
      const leaving = send(path, bodyOf(2, 3));
      await until(async () => (await queueDepth()) === 1, 'the second request is queued');

      leaving.destroy();
      await until(async () => (await cancelled()) === cancelledBefore + 1, 'the queued request was dropped');
      assert.equal(await queueDepth(), 0);

      model.open();
      const first = await holding;
      assert.equal(first.statusCode, 200, first.body);
      await eventLoopTurns(10);
      // Only the first request's one row ever ran; the three rows of the one that left did not.
      assert.deepEqual(model.runs.slice(runsBefore), [1]);
      const text = await metrics();
      assert.match(text, /berth_requests_total\{[^}]*outcome="BERTH_ERR_CANCELLED"[^}]*\} [1-9]/);
    });
  }

  it('does not cancel a request whose client waits for the answer', async () => {
    const client = send('/v2/models/add/infer', routes[0]![2](5, 2));
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      client.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
    });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body).outputs[0].data, Array(8).fill(10));
  });

  it('keeps serving a keep-alive connection: its disconnect signal outlives each answered request', async () => {
    // The signal is per connection (disconnect-signal.ts): a finished request must not abort it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = await cancelled();
    const ports = new Set<number>();
    try {
      for (let turn = 1; turn <= 3; turn++) {
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const url = new URL('/v2/models/add/infer', server.url);
          const client = httpRequest(url, {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json' },
          });
          client.on('socket', (socket) => socket.once('connect', () => ports.add(socket.localPort ?? 0)));
          client.on('response', (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
          });
          client.on('error', reject);
          client.end(JSON.stringify(routes[0]![2](turn, 1)));
        });
        assert.equal(answer.status, 200, answer.body);
        assert.deepEqual(JSON.parse(answer.body).outputs[0].data, Array(4).fill(2 * turn));
      }
    } finally {
      agent.destroy();
    }
    assert.equal(ports.size, 1, 'all three requests went over one connection');
    assert.equal(await cancelled(), before);
  });
});
