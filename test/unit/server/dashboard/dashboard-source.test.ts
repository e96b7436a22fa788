/**
 * The dashboard document from one or many processes' parts: the least advanced state shows, workers
 * are counted, the source comes from the manifest the loader verified, and a second appears only
 * once it is complete everywhere.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { MANIFEST_FORMAT, serializeManifest } from '../../../../src/repository/manifest.js';
import { buildSnapshot, type DashboardPart } from '../../../../src/server/dashboard/dashboard-source.js';
import { ModelView, type VersionPart } from '../../../../src/server/dashboard/model-view.js';
import type { TrafficSecond } from '../../../../src/server/dashboard/traffic-recorder.js';

const context = { name: 'berth', version: '1.2.3', modelControl: 'explicit' as const };

const row = (
  version: string,
  state: VersionPart['state'],
  extra: Partial<VersionPart> = {},
): VersionPart => ({
  name: 'ranker',
  version,
  state,
  source: {},
  ...extra,
});

const second = (t: number, requests: number): TrafficSecond => ({
  t,
  requests,
  errors: 0,
  latency: [],
  batches: 0,
  batchRows: 0,
  batchSizes: [],
  queueDepth: 0,
  inFlight: 0,
});

describe('buildSnapshot', () => {
  it('shows the least advanced state across workers, with its reason, and counts the ready ones', () => {
    const parts: DashboardPart[] = [
      { models: [row('1', 'READY', { loadMs: 10, warmupMs: 1 }), row('2', 'READY')], traffic: [] },
      {
        models: [
          row('1', 'READY', { loadMs: 30, warmupMs: 2 }),
          row('2', 'FAILED', { reason: 'BERTH_ERR_MODEL_LOAD_FAILED: bad' }),
        ],
        traffic: [],
      },
    ];
    const snapshot = buildSnapshot(parts, { ...context, now: 10_000 });
    assert.equal(snapshot.server.workers, 2);
    const [one, two] = snapshot.models[0]!.versions;
    assert.equal(one?.state, 'READY');
    assert.deepEqual(one?.workers, { ready: 2, total: 2 });
    assert.equal(one?.loadMs, 30, 'the slowest worker, as the load-time gauges aggregate');
    assert.equal(two?.state, 'FAILED');
    assert.equal(two?.reason, 'BERTH_ERR_MODEL_LOAD_FAILED: bad');
    assert.deepEqual(two?.workers, { ready: 1, total: 2 });
  });

  it('orders versions, models unloaded in explicit mode first', () => {
    const snapshot = buildSnapshot(
      [{ models: [row('10', 'READY'), row('9', 'LOADING'), row('', 'UNAVAILABLE')], traffic: [] }],
      { ...context, now: 0 },
    );
    assert.deepEqual(
      snapshot.models[0]!.versions.map((version) => version.version),
      ['', '9', '10'],
    );
  });

  it('adds up the workers’ seconds and leaves out the two newest, not complete everywhere yet', () => {
    const parts: DashboardPart[] = [
      { models: [], traffic: [second(95, 1), second(96, 2), second(97, 3), second(98, 4)] },
      { models: [], traffic: [second(96, 10), second(97, 10)] },
    ];
    const snapshot = buildSnapshot(parts, { ...context, now: 99_500 });
    assert.deepEqual(
      snapshot.traffic.map((point) => [point.t, point.requests]),
      [
        [95, 1],
        [96, 12],
        [97, 13],
      ],
    );
  });
});

describe('ModelView', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('joins the catalog with state times, start-up timings and the verified manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-view-'));
    dirs.push(dir);
    const manifest = serializeManifest({
      format: MANIFEST_FORMAT,
      createdAt: '2026-12-01T10:00:00.000Z',
      files: [],
      lineage: { commit: 'abc123' },
    });
    await writeFile(join(dir, 'MANIFEST.json'), manifest);
    let now = 1_000;
    const view = new ModelView(() => now);
    view.observe({ model: 'ranker', version: '1', state: 'LOADING' });
    now = 2_000;
    view.observe({
      model: 'ranker',
      version: '1',
      state: 'READY',
      previous: 'WARMING',
      timings: {
        bytes: 2048,
        reused: false,
        downloadMs: 12.345,
        loadMs: 5,
        warmupMs: 1,
        warmupRuns: 4,
        uri: 'file:///store/ranker/1',
        dir,
      },
    });
    view.observe({
      model: 'ranker',
      version: '2',
      state: 'FAILED',
      previous: 'LOADING',
      error: new BerthError('MODEL_LOAD_FAILED', 'not an onnx file'),
    });
    // The manifest is read in the background; the row says where from until it is.
    let rows: VersionPart[] = [];
    for (let i = 0; i < 100; i++) {
      rows = view.rows([
        { name: 'ranker', version: '1', state: 'READY', reason: '' },
        {
          name: 'ranker',
          version: '2',
          state: 'FAILED',
          reason: 'BERTH_ERR_MODEL_LOAD_FAILED: not an onnx file',
        },
      ]);
      if (rows[0]?.source.digest) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [ready, failed] = rows;
    assert.equal(ready?.since, 2_000);
    assert.equal(ready?.downloadMs, 12.3);
    assert.equal(ready?.source.uri, 'file:///store/ranker/1');
    assert.equal(ready?.source.createdAt, '2026-12-01T10:00:00.000Z');
    assert.deepEqual(ready?.source.lineage, { commit: 'abc123' });
    assert.match(ready?.source.digest ?? '', /^[0-9a-f]{64}$/);
    assert.equal(failed?.reason, 'BERTH_ERR_MODEL_LOAD_FAILED: not an onnx file');
    assert.equal(failed?.loadMs, undefined);

    view.observe({ model: 'ranker', version: '1', state: 'UNAVAILABLE', previous: 'UNLOADING' });
    view.observe({ model: 'ranker', version: '1', state: 'LOADING' });
    const [reloaded] = view.rows([{ name: 'ranker', version: '1', state: 'LOADING', reason: '' }]);
    assert.equal(reloaded?.loadMs, undefined, 'a version loaded afresh starts with no details');
    assert.deepEqual(reloaded?.source, {});
  });
});
