import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { BerthError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { eventLoopTurns } from '../../support/manual-clock.js';
import { createHarness, expected, overwrite, request, ROWS, type Harness } from './registry-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const approx = (actual: ArrayLike<number>, wanted: readonly number[]): boolean =>
  wanted.length === actual.length && wanted.every((value, index) => Math.abs(value - actual[index]!) < 1e-5);

async function answer(h: Harness, version?: string): Promise<{ version: string; data: Float32Array }> {
  const response = await h.dataPlane.infer('m', version, request(), 'v2');
  const output = response.outputs[0] as Tensor;
  return { version: response.modelVersion, data: output.data as Float32Array };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // Polls for a state, it does not time anything: the bound only stops a broken test from hanging.
  for (let turn = 0; turn < 60_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.fail(`never happened: ${what}`);
}

const states = (h: Harness) => h.registry.status('m').map((status) => `${status.version}:${status.state}`);

describe('model registry', () => {
  it('is LOADING, then WARMING, then READY, and ready only at the end', async () => {
    harness = await createHarness();
    await harness.publish('m');
    harness.runtime.holdNext();
    const loading = harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    assert.equal(harness.registry.ready(), false, 'not ready before any I/O');
    assert.deepEqual(states(harness), ['undefined:LOADING']);
    const h = harness;
    await until(() => h.runtime.loaded[0]?.held === 1, 'warm-up waits at the gate');
    assert.deepEqual(states(harness), ['1:WARMING']);
    assert.equal(harness.registry.ready(), false);
    assert.equal(harness.dataPlane.modelReady('m'), false);
    harness.runtime.loaded[0]!.open();
    await loading;
    assert.deepEqual(states(harness), ['1:READY']);
    assert.equal(harness.registry.ready(), true);
    assert.deepEqual(
      harness.events.map((event) => `${event.version}:${event.state}`),
      ['1:LOADING', '1:WARMING', '1:READY'],
    );
    assert.ok(harness.events[2]!.timings!.warmupRuns >= 1, 'READY carries the warm-up runs');
  });

  it('switches to a new version with no failed request while requests are in flight on the old one', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    const v1 = harness.runtime.loaded[0]!;
    // Requests already running on version 1 stay held through the switch.
    v1.close();
    const h = harness;
    const held = [answer(h), answer(h)];
    await until(() => v1.held === 2, 'two requests held on version 1');

    await harness.publish('m');
    const sync = harness.registry.sync('m');
    // Keep traffic going while version 2 loads and warms (requests that reach version 1 wait at its gate).
    const during: Array<Promise<{ version: string }>> = [];
    while (!harness.events.some((event) => event.version === '2' && event.state === 'READY')) {
      if (during.length < 200) during.push(answer(harness));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Version 2 serves new requests at once; version 1 waits for its held requests before it unloads.
    assert.equal((await answer(harness)).version, '2');
    await eventLoopTurns(3);
    assert.deepEqual(states(harness), ['1:UNLOADING', '2:READY']);
    v1.open();
    await sync;
    for (const result of await Promise.all(held)) {
      assert.equal(result.version, '1');
      assert.ok(approx(result.data, expected(1, ROWS)), 'held requests answered by version 1');
    }
    const settled = await Promise.allSettled(during);
    const failures = settled.filter((result) => result.status === 'rejected').length;
    const answered = settled.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value.version] : [],
    );
    assert.equal(failures, 0);
    assert.ok(answered.every((version) => version === '1' || version === '2'));
    const latest = await answer(harness);
    assert.ok(approx(latest.data, expected(2, ROWS)), 'version 2 computes with its own weights');
    assert.deepEqual(states(harness), ['2:READY']);
    const order = harness.events.map((event) => `${event.version}:${event.state}`);
    assert.ok(order.indexOf('2:READY') < order.indexOf('1:UNLOADING'), 'the new version is READY first');
    assert.ok(order.includes('1:UNAVAILABLE'), 'the old version is reported gone');
  });

  it('keeps the last good version when a new one fails, and retries it only when its manifest changes', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    await harness.publishBroken('m');
    await harness.registry.sync('m');
    const failed = harness.registry.status('m').find((status) => status.version === '2');
    assert.equal(failed?.state, 'FAILED');
    assert.match(failed?.error ?? '', /BERTH_ERR_MODEL_LOAD_FAILED/);
    assert.equal((await answer(harness)).version, '1', 'version 1 still serves');
    assert.equal(harness.registry.ready(), true);

    const loads = harness.runtime.loads;
    await harness.registry.sync('m');
    await harness.registry.sync('m');
    assert.equal(harness.runtime.loads, loads, 'an unchanged broken version is not loaded again');

    // Re-published under the same number: a new manifest, so it is tried again and now serves.
    await harness.remove('m', 2);
    await harness.publish('m');
    await harness.registry.sync('m');
    assert.equal(harness.runtime.loads, loads + 1);
    assert.deepEqual(states(harness), ['2:READY']);
    assert.ok(approx((await answer(harness)).data, expected(2, ROWS)));
  });

  it('does not reload a version whose files were corrupted under an unchanged manifest', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    await harness.publish('m');
    await overwrite(harness, 'm', 2, 'model.onnx', new Uint8Array([9, 9, 9]));
    await harness.registry.sync('m');
    const failed = harness.registry.status('m').find((status) => status.version === '2');
    assert.match(failed?.error ?? '', /BERTH_ERR_DIGEST_MISMATCH/);
    const loads = harness.runtime.loads;
    await harness.registry.sync('m');
    assert.equal(harness.runtime.loads, loads);
    assert.equal((await answer(harness)).version, '1');
  });

  it('serves what the version policy asks: latest:2, all, specific, and a pinned reference', async () => {
    harness = await createHarness({ policy: { kind: 'latest', count: 2 } });
    for (let i = 0; i < 3; i++) await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    assert.deepEqual(states(harness), ['2:READY', '3:READY']);
    assert.equal((await answer(harness)).version, '3', 'no version asked: the highest');
    assert.ok(approx((await answer(harness, '2')).data, expected(2, ROWS)));
    await assert.rejects(answer(harness, '1'), (error: BerthError) => error.id === 'VERSION_NOT_FOUND');

    await harness.publish('m');
    await harness.registry.sync('m');
    assert.deepEqual(states(harness), ['3:READY', '4:READY'], 'the window moves, version 2 unloads');

    // Two references to one model serve the union of their versions.
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri, version: 1 });
    assert.deepEqual(states(harness), ['1:READY', '3:READY', '4:READY']);
    assert.equal(harness.registry.policyOf('m'), 'latest:2 + specific:1');
  });

  it('fails start-up with the cause when a pinned version is not published', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await assert.rejects(
      harness.registry.load({ name: 'm', storeUri: harness.fixture.uri, version: 5 }),
      (error: BerthError) =>
        error.id === 'NO_PUBLISHED_VERSION' && /version 5 is not published/.test(error.message),
    );
    assert.equal(harness.registry.ready(), false);
    assert.equal(harness.registry.status('m')[0]?.state, 'FAILED');
  });

  it('keeps serving when the store cannot be listed during a sync', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    await harness.remove('m', 1);
    await harness.registry.refresh();
    assert.deepEqual(states(harness), ['1:READY']);
    assert.equal((await answer(harness)).version, '1');
  });

  it('turns not ready when no working instance is left, and loads the version afresh on the next sync', async () => {
    harness = await createHarness();
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    harness.runtime.breakLoaded();
    assert.equal(harness.registry.ready(), false);
    assert.match(harness.registry.status('m')[0]?.error ?? '', /no working instance/);
    const loads = harness.runtime.loads;
    await harness.registry.sync('m');
    assert.equal(harness.runtime.loads, loads + 1, 'loaded afresh');
    assert.equal(harness.registry.ready(), true);
    assert.equal((await answer(harness)).version, '1');
  });

  it('refuses load and unload through the API unless the mode is explicit, naming the mode', async () => {
    harness = await createHarness({ mode: 'poll' });
    await harness.publish('m');
    await harness.registry.load({ name: 'm', storeUri: harness.fixture.uri });
    for (const call of [() => harness!.dataPlane.loadModel('m'), () => harness!.dataPlane.unloadModel('m')]) {
      await assert.rejects(
        call(),
        (error: BerthError) =>
          error.id === 'MODEL_CONTROL_DISABLED' &&
          /mode is "poll"/.test(error.message) &&
          /--model-control-mode explicit/.test(error.message),
      );
    }
    assert.deepEqual(states(harness), ['1:READY']);
  });

  it('loads any model of the store by name and unloads it after its requests finish (explicit mode)', async () => {
    harness = await createHarness({ mode: 'explicit' });
    assert.equal(harness.registry.ready(), true, 'explicit mode with no model loaded is ready');
    await harness.publish('m');
    await harness.dataPlane.loadModel('m');
    assert.equal((await answer(harness)).version, '1');
    assert.deepEqual(
      harness.dataPlane.repositoryIndex({ ready: true }).map((row) => row.name),
      ['m'],
    );

    const model = harness.runtime.loaded[0]!;
    model.close();
    const h = harness;
    const inFlight = answer(h);
    await until(() => model.held === 1, 'a request runs on the model');
    const unloading = harness.dataPlane.unloadModel('m');
    await eventLoopTurns(3);
    assert.deepEqual(states(harness), ['1:UNLOADING']);
    await assert.rejects(answer(harness), (error: BerthError) => error.id === 'MODEL_NOT_READY');
    model.open();
    await unloading;
    assert.equal((await inFlight).version, '1', 'the accepted request was answered');
    await assert.rejects(answer(harness), (error: BerthError) => error.id === 'MODEL_NOT_FOUND');
    assert.deepEqual(harness.dataPlane.repositoryIndex(), [
      { name: 'm', version: '', state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);
    assert.equal(harness.registry.ready(), true, 'an unloaded model no longer counts for readiness');

    await harness.publish('m');
    await harness.dataPlane.loadModel('m');
    assert.equal((await answer(harness)).version, '2', 'loaded again: the latest version');
    await assert.rejects(
      harness.dataPlane.loadModel('absent'),
      (error: BerthError) => error.id === 'STORE_NOT_FOUND',
    );
    assert.equal(harness.registry.ready(), true, 'a failed load does not take the server out of rotation');
    const absent = harness.dataPlane.repositoryIndex().find((row) => row.name === 'absent');
    assert.equal(absent?.state, 'UNAVAILABLE');
    assert.match(absent?.reason ?? '', /BERTH_ERR_STORE_NOT_FOUND/);
    await assert.rejects(
      harness.dataPlane.unloadModel('absent'),
      (error: BerthError) => error.id === 'MODEL_NOT_FOUND',
    );
    // Names no model folder has are refused before the store is asked, and leave no entry.
    for (const name of ['../m', '.staging-1', 'x'.repeat(129), '']) {
      await assert.rejects(
        harness.dataPlane.loadModel(name),
        (error: BerthError) =>
          error.id === 'INVALID_REQUEST' && /expected letters, digits/.test(error.message),
        JSON.stringify(name),
      );
    }
    assert.deepEqual(
      harness.dataPlane
        .repositoryIndex()
        .map((row) => row.name)
        .sort(),
      ['absent', 'm'],
    );
  });

  it('a queued load overtaken by a later unload reports so, and the model ends unloaded', async () => {
    harness = await createHarness({ mode: 'explicit' });
    await harness.publish('m');
    await harness.dataPlane.loadModel('m');
    // An unload, then at once a load (queued behind it), then an unload sent after the load.
    const first = harness.dataPlane.unloadModel('m');
    const load = harness.dataPlane.loadModel('m');
    const second = harness.dataPlane.unloadModel('m');
    await first;
    await assert.rejects(load, (error: BerthError) => error.id === 'MODEL_LOAD_SUPERSEDED');
    await second;
    await assert.rejects(answer(harness), (error: BerthError) => error.id === 'MODEL_NOT_FOUND');
    assert.deepEqual(harness.dataPlane.repositoryIndex(), [
      { name: 'm', version: '', state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);
    await harness.dataPlane.loadModel('m');
    assert.equal((await answer(harness)).version, '1', 'loading again serves it');
  });

  it('an unload that arrives while a load runs wins: the load reports it was superseded', async () => {
    harness = await createHarness({ mode: 'explicit' });
    await harness.publish('m');
    const load = harness.dataPlane.loadModel('m');
    await eventLoopTurns(1);
    const unload = harness.dataPlane.unloadModel('m');
    await assert.rejects(load, (error: BerthError) => error.id === 'MODEL_LOAD_SUPERSEDED');
    await unload;
    assert.equal(
      harness.registry.ready(),
      true,
      'a superseded load does not take the server out of rotation',
    );
    await assert.rejects(answer(harness), (error: BerthError) => error.id === 'MODEL_NOT_FOUND');
  });
});
