/**
 * The real `berth serve` binary with a live repository: in poll mode a newly published version takes
 * over under steady load with no failed request, and a broken one leaves the good one serving; in
 * explicit mode models are loaded and unloaded through the repository API. Waits are for states,
 * polled with a bound that only stops a broken run from hanging; nothing is timed.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { denseReference, denseReluModel, denseReluWeights } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';

const ROWS = [
  [1, 2, 3],
  [-1, 0.5, 2],
];

const publishSeeded = (fixture: StoreFixture, seed: number) =>
  fixture.publish({ name: 'ranker', onnx: denseReluModel(3, 2, seed), config: { max_batch_size: 4 } });

const expected = (seed: number) => [
  ...denseReference(denseReluWeights(3, 2, seed), new Float32Array(ROWS.flat()), 'relu'),
];

interface Answer {
  readonly status: number;
  readonly version?: string;
  readonly data?: number[];
}

async function infer(url: string): Promise<Answer> {
  const response = await fetch(`${url}/v2/models/ranker/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: ROWS }] }),
  });
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { model_version: string; outputs: Array<{ data: number[] }> };
  return { status: 200, version: body.model_version, data: body.outputs[0]!.data };
}

async function index(
  url: string,
): Promise<Array<{ name: string; version: string; state: string; reason: string }>> {
  const response = await fetch(`${url}/v2/repository/index`, { method: 'POST' });
  return (await response.json()) as Array<{ name: string; version: string; state: string; reason: string }>;
}

const approx = (actual: readonly number[] | undefined, wanted: readonly number[]) =>
  actual !== undefined &&
  actual.length === wanted.length &&
  wanted.every((v, i) => Math.abs(v - actual[i]!) < 1e-5);

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

describe('model control with the real binary', () => {
  const fixtures: StoreFixture[] = [];
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    await Promise.all(fixtures.map((fixture) => fixture.cleanup()));
  });

  it('poll mode: a new version takes over with no failed request; a broken one leaves it serving', async () => {
    const fixture = await createStoreFixture();
    fixtures.push(fixture);
    await publishSeeded(fixture, 1);
    const server = spawnServer(
      [
        '--store',
        fixture.uri,
        '--model',
        'ranker',
        '--model-control-mode',
        'poll',
        '--repository-poll-secs',
        '0.2',
      ],
      { BERTH_CACHE_DIR: fixture.cacheDir },
    );
    servers.push(server);
    const url = await server.url;
    await server.waitForLog('ready');

    // Steady load from four clients for the whole test; every answer is kept.
    const answers: Answer[] = [];
    let running = true;
    const clients = Array.from({ length: 4 }, async () => {
      while (running) answers.push(await infer(url).catch(() => ({ status: 0 })));
    });

    await publishSeeded(fixture, 2);
    await until(() => answers.at(-1)?.version === '2', 'version 2 answers');
    await until(
      async () => (await index(url)).map((row) => `${row.version}:${row.state}`).join() === '2:READY',
      'version 1 drained and unloaded',
    );
    const broken = await fixture.publish({ name: 'ranker', onnx: new Uint8Array([1, 2, 3]) });
    await until(
      async () => (await index(url)).some((row) => row.version === String(broken) && row.state === 'FAILED'),
      'the broken version is FAILED',
    );
    const before = answers.length;
    await until(() => answers.length > before + 20, 'more answers after the failure');
    running = false;
    await Promise.all(clients);

    const failed = answers.filter((answer) => answer.status !== 200);
    assert.equal(failed.length, 0, `failed requests: ${JSON.stringify(failed.slice(0, 3))}`);
    const firstTwo = answers.findIndex((answer) => answer.version === '2');
    assert.ok(firstTwo > 0, 'version 1 answered first');
    assert.ok(
      answers.slice(firstTwo).every((answer) => answer.version === '2' || answer.version === '1'),
      'only good versions answered',
    );
    for (const answer of answers) {
      const seed = Number(answer.version);
      assert.ok(
        approx(answer.data, expected(seed)),
        `version ${answer.version} answered with its own weights`,
      );
    }
    assert.equal(answers.at(-1)?.version, '2', 'version 2 still serves after the broken publish');
    const row = (await index(url)).find((entry) => entry.version === String(broken));
    assert.match(row?.reason ?? '', /BERTH_ERR_MODEL_LOAD_FAILED/, `index row: ${JSON.stringify(row)}`);
    assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
  });

  it('explicit mode: starts with no model, loads and unloads through the API', async () => {
    const fixture = await createStoreFixture();
    fixtures.push(fixture);
    await publishSeeded(fixture, 3);
    const server = spawnServer(['--store', fixture.uri, '--model-control-mode', 'explicit'], {
      BERTH_CACHE_DIR: fixture.cacheDir,
    });
    servers.push(server);
    const url = await server.url;
    await server.waitForLog('ready');
    assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
    assert.equal((await infer(url)).status, 404);
    assert.deepEqual(
      await index(url),
      [{ name: 'ranker', version: '', state: 'UNAVAILABLE', reason: 'not loaded' }],
      'the index lists what the store holds, ready to load',
    );

    const load = await fetch(`${url}/v2/repository/models/ranker/load`, { method: 'POST' });
    assert.equal(load.status, 200, await load.text());
    const answer = await infer(url);
    assert.equal(answer.version, '1');
    assert.ok(approx(answer.data, expected(3)));

    const unload = await fetch(`${url}/v2/repository/models/ranker/unload`, { method: 'POST' });
    assert.equal(unload.status, 200);
    assert.equal((await infer(url)).status, 404);
    assert.deepEqual(await index(url), [
      { name: 'ranker', version: '', state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);

    const missing = await fetch(`${url}/v2/repository/models/nope/load`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /nope/);

    // A name no store folder can have is refused before the store is asked, and leaves no entry
    // (the registry refuses it too, for gRPC: test/unit/registry).
    for (const name of ['x'.repeat(129), '.staging-1', 'a b', '0'.repeat(300)]) {
      const refused = await fetch(`${url}/v2/repository/models/${encodeURIComponent(name)}/load`, {
        method: 'POST',
      });
      assert.equal(refused.status, 400, name);
      assert.match(
        ((await refused.json()) as { error: string }).error,
        /^path parameter "model": expected letters, digits, '\.', '_' or '-', starting with a letter or digit, at most 128 characters/,
      );
    }
    assert.deepEqual((await index(url)).map((entry) => entry.name).sort(), ['nope', 'ranker']);
  });

  it('none mode: load and unload answer 400 naming the mode', async () => {
    const fixture = await createStoreFixture();
    fixtures.push(fixture);
    await publishSeeded(fixture, 1);
    const server = spawnServer(['--store', fixture.uri, '--model', 'ranker'], {
      BERTH_CACHE_DIR: fixture.cacheDir,
    });
    servers.push(server);
    const url = await server.url;
    await server.waitForLog('ready');
    const response = await fetch(`${url}/v2/repository/models/ranker/unload`, { method: 'POST' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: string; code: string };
    assert.equal(body.code, 'BERTH_ERR_MODEL_CONTROL_DISABLED');
    assert.match(body.error, /"none"/);
  });
});
