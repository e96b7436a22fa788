import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tensor, TensorSpec } from '../../../src/core/tensor.js';
import { countExecutions } from '../../../src/dataplane/counted-model.js';
import { ModelStatistics } from '../../../src/dataplane/statistics.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';
import { ManualClock } from '../../support/manual-clock.js';

const zero = { count: 0, ns: 0 };

describe('ModelStatistics', () => {
  it('reads zeros for a version that has not run', () => {
    const stats = new ModelStatistics(() => 5);
    assert.deepEqual(stats.snapshot('m', '1'), {
      name: 'm',
      version: '1',
      lastInference: 0,
      inferenceCount: 0,
      executionCount: 0,
      inferenceStats: {
        success: zero,
        fail: zero,
        queue: zero,
        computeInput: zero,
        computeInfer: zero,
        computeOutput: zero,
      },
      batchStats: [],
    });
  });

  it('adds request times as integer nanoseconds and stamps last_inference from the wall clock', () => {
    let wall = 1_000;
    const stats = new ModelStatistics(() => wall);
    stats.recordSuccess('m', '1', { totalMs: 2.5, queueMs: 0.5, computeMs: 1.25 });
    wall = 2_000;
    stats.recordSuccess('m', '1', { totalMs: 1, queueMs: 0, computeMs: 0.0000004 });
    const infer = stats.snapshot('m', '1').inferenceStats;
    assert.deepEqual(infer.success, { count: 2, ns: 3_500_000 });
    assert.deepEqual(infer.queue, { count: 2, ns: 500_000 });
    // 0.4 ns rounds to 0; the count still moves.
    assert.deepEqual(infer.computeInfer, { count: 2, ns: 1_250_000 });
    assert.deepEqual(infer.computeInput, { count: 2, ns: 0 });
    assert.deepEqual(infer.computeOutput, { count: 2, ns: 0 });
    assert.deepEqual(infer.fail, zero);
    assert.equal(stats.snapshot('m', '1').lastInference, 2_000);
  });

  it('counts failures apart from successes and moves last_inference', () => {
    const stats = new ModelStatistics(() => 7);
    stats.recordFailure('m', '1', 3);
    const snapshot = stats.snapshot('m', '1');
    assert.deepEqual(snapshot.inferenceStats.fail, { count: 1, ns: 3_000_000 });
    assert.deepEqual(snapshot.inferenceStats.success, zero);
    assert.deepEqual(snapshot.inferenceStats.queue, zero);
    assert.equal(snapshot.lastInference, 7);
  });

  it('keys executions by batch size, smallest first, and sums rows and runs', () => {
    const stats = new ModelStatistics(() => 0);
    stats.recordExecution('m', '1', 8, 2);
    stats.recordExecution('m', '1', 1, 1);
    stats.recordExecution('m', '1', 8, 4);
    const snapshot = stats.snapshot('m', '1');
    assert.equal(snapshot.executionCount, 3);
    assert.equal(snapshot.inferenceCount, 17);
    assert.deepEqual(
      snapshot.batchStats.map((batch) => [batch.batchSize, batch.computeInfer, batch.computeInput.count]),
      [
        [1, { count: 1, ns: 1_000_000 }, 1],
        [8, { count: 2, ns: 6_000_000 }, 2],
      ],
    );
  });

  it('keeps versions apart; startVersion and forgetVersion start again from zero', () => {
    const stats = new ModelStatistics(() => 0);
    stats.recordExecution('m', '1', 2, 1);
    stats.recordExecution('m', '2', 3, 1);
    assert.equal(stats.snapshot('m', '1').inferenceCount, 2);
    assert.equal(stats.snapshot('m', '2').inferenceCount, 3);
    stats.startVersion('m', '2');
    assert.equal(stats.snapshot('m', '2').inferenceCount, 0);
    stats.forgetVersion('m', '1');
    assert.equal(stats.snapshot('m', '1').inferenceCount, 0);
    stats.forgetVersion('other', '1');
  });
});

/** A LoadedModel whose runs finish when the test says, so the clock can move in between. */
function fakeModel(inputs: TensorSpec[]): LoadedModel & { finish(): void; fail(): void } {
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  return {
    metadata: { platform: 'test', inputs, outputs: [] },
    concurrency: 3,
    infer: () =>
      new Promise<Map<string, Tensor>>((resolve, reject) => {
        settle = { resolve: () => resolve(new Map()), reject };
      }),
    dispose: async () => undefined,
    finish: () => settle?.resolve(),
    fail: () => settle?.reject(new Error('boom')),
  };
}

const tensor = (shape: number[]): Tensor => ({
  name: 'x',
  datatype: 'FP32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
});

describe('countExecutions', () => {
  it('records the rows and duration of each successful run, and nothing for a failed one', async () => {
    const clock = new ManualClock();
    const inner = fakeModel([{ name: 'x', datatype: 'FP32', shape: [-1, 2] }]);
    const runs: Array<[number, number]> = [];
    const model = countExecutions(inner, clock, (rows, ms) => runs.push([rows, ms]));
    assert.equal(model.concurrency, 3);
    assert.equal(model.metadata, inner.metadata);

    const first = model.infer(new Map([['x', tensor([5, 2])]]), []);
    clock.advance(4);
    inner.finish();
    await first;
    const second = model.infer(new Map([['x', tensor([1, 2])]]), []);
    inner.fail();
    await assert.rejects(second, /boom/);
    assert.deepEqual(runs, [[5, 4]]);
  });

  it('counts one row per run when the signature cannot batch (Triton max_batch_size 0)', async () => {
    const clock = new ManualClock();
    const inner = fakeModel([{ name: 'x', datatype: 'FP32', shape: [2, 3] }]);
    const runs: number[] = [];
    const model = countExecutions(inner, clock, (rows) => runs.push(rows));
    const run = model.infer(new Map([['x', tensor([2, 3])]]), []);
    inner.finish();
    await run;
    assert.deepEqual(runs, [1]);
  });
});
