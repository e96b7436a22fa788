/**
 * `berth serve --workers 2`, the real binary: two serving processes behind one port, and what must
 * stay true across them. Each request goes on a fresh connection, and with round-robin scheduling
 * (NODE_CLUSTER_SCHED_POLICY=rr; Berth's default lets workers accept for themselves) the primary
 * hands new connections to the workers in turn, so a property that held on only one worker shows
 * up as half the answers being wrong. Waits are for states, polled with a bound that only stops a broken
 * run from hanging; nothing is timed.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rename } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import type { DashboardSnapshot } from '../../src/server/dashboard/dashboard-snapshot.js';
import { denseReluModel } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';

const BODY = JSON.stringify({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
});

/** One request on its own connection (no keep-alive), so the cluster picks a worker for it. */
function once(
  url: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    // A hang is a failure here, not a stuck test run.
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.end(body);
  });
}

const infer = (url: string) => once(url, 'POST', '/v2/models/ranker/infer', BODY);

async function statuses(url: string, count: number, call: (url: string) => Promise<{ status: number }>) {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await call(url)).status);
  return seen;
}

/** The value of one series in the Prometheus text, or undefined. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

const workerPids = (server: ServerProcess, index: number): number[] =>
  server.logs
    .filter((line) => line.msg === 'worker started' && line.worker === index)
    .map((line) => Number(line.pid));

describe('berth serve --workers 2', () => {
  let fixture: StoreFixture;
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await fixture?.cleanup();
  });

  const start = async (
    args: string[],
    env: Record<string, string> = { NODE_CLUSTER_SCHED_POLICY: 'rr' },
  ): Promise<{ server: ServerProcess; url: string }> => {
    fixture ??= await createStoreFixture();
    const server = spawnServer(
      ['--workers', '2', '--store', fixture.uri, '--cache-dir', fixture.cacheDir, ...args],
      env,
    );
    servers.push(server);
    const url = await server.url;
    await server.waitForLog('ready');
    return { server, url };
  };

  it('is ready once both workers are, answers on both, and /metrics adds up every worker', async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'ranker', onnx: denseReluModel(3, 2, 1), config: { max_batch_size: 4 } });
    const { server, url } = await start(['--model', 'ranker']);
    assert.equal(server.logs.filter((line) => line.msg === 'worker ready').length, 2);
    assert.equal((await once(url, 'GET', '/v2/health/ready')).status, 200);
    assert.deepEqual(await statuses(url, 20, infer), Array<number>(20).fill(200));

    const text = (await once(url, 'GET', '/metrics')).text;
    // Both workers' counters, summed: one worker's alone would be about 10.
    assert.equal(
      metric(text, 'berth_requests_total{model="ranker",version="1",protocol="v2",outcome="ok"}'),
      20,
    );
    assert.equal(metric(text, 'berth_workers_ready'), 2);
    assert.equal(metric(text, 'berth_model_state{model="ranker",version="1"}'), 2);
    for (const worker of ['1', '2'])
      assert.ok(
        (metric(text, `berth_worker_memory_bytes{worker="${worker}",kind="rss"}`) ?? 0) > 0,
        `rss of worker ${worker}`,
      );
    // Pulled once, by the primary, and counted once.
    const downloads = server.logs.filter((line) => line.msg === 'model ready');
    assert.equal(downloads.filter((line) => line.reused === false).length, 1, JSON.stringify(downloads));

    // The dashboard's document is the server's, whichever worker answers it.
    const wrongType = JSON.stringify({
      inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 3], data: [1, 2, 3] }],
    });
    const rejected = await statuses(url, 4, (at) => once(at, 'POST', '/v2/models/ranker/infer', wrongType));
    assert.deepEqual(rejected, [400, 400, 400, 400]);
    const totals = (snapshot: DashboardSnapshot) => ({
      requests: snapshot.traffic.reduce((sum, point) => sum + point.requests, 0),
      errors: snapshot.traffic.reduce((sum, point) => sum + point.errors, 0),
    });
    const dashboard = async () =>
      JSON.parse((await once(url, 'GET', '/api/dashboard')).text) as DashboardSnapshot;
    await until(async () => totals(await dashboard()).requests === 24, 'every request in the charts');
    for (let i = 0; i < 4; i++) {
      const snapshot = await dashboard();
      assert.deepEqual(totals(snapshot), { requests: 24, errors: 4 }, 'the same totals from either worker');
      assert.equal(snapshot.server.workers, 2);
      const [version] = snapshot.models.find((model) => model.name === 'ranker')!.versions;
      assert.equal(version?.state, 'READY');
      assert.deepEqual(version?.workers, { ready: 2, total: 2 });
      assert.deepEqual(version?.source.lineage, { test: true });
      assert.match(version?.source.digest ?? '', /^[0-9a-f]{64}$/);
    }

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.equal(server.logs.filter((line) => line.msg === 'drained; exiting').length, 2);
  });

  it('a killed worker is restarted; readiness is false until it is ready, the other worker keeps answering', async () => {
    // Berth's own scheduling: with round robin, a connection handed to the dying worker hangs.
    const { server, url } = await start(['--model', 'ranker'], {});
    const [victim] = workerPids(server, 1);
    // The restarted worker cannot load: the store and the cache are gone. Readiness must say so.
    await rename(fixture.root, `${fixture.root}.away`);
    await rename(fixture.cacheDir, `${fixture.cacheDir}.away`);
    process.kill(victim!, 'SIGKILL');
    await until(async () => (await once(url, 'GET', '/v2/health/ready')).status === 503, 'readiness 503');
    assert.ok(workerPids(server, 1).length >= 1);
    assert.deepEqual(
      await statuses(url, 10, infer),
      Array<number>(10).fill(200),
      'worker 2 answers every request',
    );
    await until(
      () => server.logs.some((line) => line.msg === 'worker exited with signal SIGKILL; restarting'),
      'restart logged',
    );

    await rename(`${fixture.root}.away`, fixture.root);
    await rename(`${fixture.cacheDir}.away`, fixture.cacheDir);
    await until(async () => (await once(url, 'GET', '/v2/health/ready')).status === 200, 'ready again');
    const text = (await once(url, 'GET', '/metrics')).text;
    assert.ok((metric(text, 'berth_worker_restarts_total{worker="1"}') ?? 0) >= 1);
    assert.equal(metric(text, 'berth_workers_ready'), 2);
    assert.notEqual(workerPids(server, 1).at(-1), victim);
    assert.deepEqual(await statuses(url, 10, infer), Array<number>(10).fill(200));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  it('explicit mode: a load or unload through one worker applies on every worker', async () => {
    const { server, url } = await start(['--model-control-mode', 'explicit']);
    assert.equal((await once(url, 'POST', '/v2/repository/models/ranker/load', '{}')).status, 200);
    assert.deepEqual(await statuses(url, 10, infer), Array<number>(10).fill(200));
    assert.equal((await once(url, 'POST', '/v2/repository/models/ranker/unload', '{}')).status, 200);
    const after = await statuses(url, 10, infer);
    assert.ok(
      after.every((status) => status === 404 || status === 503),
      `after unload: ${after.join(',')}`,
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  it('a model that cannot load fails start-up with one line, as one process does', async () => {
    await fixture.publish({ name: 'broken', onnx: new Uint8Array([1, 2, 3]) });
    const server = spawnServer([
      '--workers',
      '2',
      '--store',
      fixture.uri,
      '--cache-dir',
      fixture.cacheDir,
      '--model',
      'broken',
    ]);
    servers.push(server);
    assert.equal(await server.exited, 1);
    const lines = server.stderr.filter((line) => line.startsWith('berth: '));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^berth: start-up failed: BERTH_ERR_MODEL_LOAD_FAILED: /);
  });
});
