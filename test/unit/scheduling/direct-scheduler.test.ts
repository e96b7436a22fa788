import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { OnnxRuntime } from '../../../src/runtime/onnx/onnx-runtime.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';
import { DirectScheduler } from '../../../src/scheduling/direct-scheduler.js';
import type { ScheduledWork } from '../../../src/scheduling/scheduler.js';
import { addModel, fixedBatchModel } from '../../fixtures/onnx/models.js';
import { GatedModel } from '../../support/gated-model.js';
import { eventLoopTurns, ManualClock } from '../../support/manual-clock.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function load(bytes: Uint8Array): Promise<LoadedModel> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-direct-'));
  await writeFile(join(dir, 'model.onnx'), bytes);
  const model = await new OnnxRuntime().load(dir, modelConfigSchema.parse({ execution: 'inline' }));
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => model.dispose(),
  );
  return model;
}

function fp32(name: string, shape: number[], values: ArrayLike<number>): Tensor {
  return { name, datatype: 'FP32', shape, data: Float32Array.from(values) };
}

function addWork(rows: number): ScheduledWork {
  const values = Array.from({ length: rows * 4 }, (_, i) => i);
  return {
    inputs: new Map([
      ['a', fp32('a', [rows, 4], values)],
      ['b', fp32('b', [rows, 4], values)],
    ]),
    outputNames: ['sum'],
  };
}

const SETTINGS = { maxBatchSize: 1, maxQueueSize: 8, timeoutMs: 0 };

describe('DirectScheduler', () => {
  it('runs a fixed-first-dimension request whole, even when it is larger than max_batch_size', async () => {
    const model = new GatedModel(await load(fixedBatchModel()));
    const scheduler = new DirectScheduler(model, new ManualClock(), {
      ...SETTINGS,
      strictMaxBatchSize: true,
    });
    const work = { inputs: new Map([['x', fp32('x', [2, 3], [0, 1, 2, 3, 4, 5])]]), outputNames: ['y'] };
    const result = await scheduler.enqueue(work);
    assert.deepEqual([...(result.outputs.get('y')!.data as Float32Array)], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(model.runs, [2]);
  });

  it('runs up to the model concurrency at once, and the rest one by one as runs free', async () => {
    const model = new GatedModel(await load(addModel()), 2);
    const scheduler = new DirectScheduler(model, new ManualClock(), { ...SETTINGS, maxBatchSize: 8 });
    model.close();
    const results = [1, 2, 3].map((rows) => scheduler.enqueue(addWork(rows)));
    await eventLoopTurns();
    assert.equal(model.held, 2);
    assert.deepEqual(model.runs, [1, 2]);
    model.open();
    const answers = await Promise.all(results);
    assert.deepEqual(model.runs, [1, 2, 3]);
    assert.deepEqual(
      answers.map((answer) => answer.outputs.get('sum')!.shape),
      [
        [1, 4],
        [2, 4],
        [3, 4],
      ],
    );
  });

  it('reports runs, queue depth and rejections by reason to its observer, as the batcher does', async () => {
    const model = new GatedModel(await load(addModel()), 1);
    const seen = { rows: [] as number[], depth: [] as number[], rejected: [] as string[] };
    const scheduler = new DirectScheduler(
      model,
      new ManualClock(),
      { ...SETTINGS, maxBatchSize: 8, maxQueueSize: 1 },
      {
        batch: (rows) => seen.rows.push(rows),
        queueDepth: (waiting) => seen.depth.push(waiting),
        rejected: (reason) => seen.rejected.push(reason),
      },
    );
    model.close();
    const running = scheduler.enqueue(addWork(2));
    const controller = new AbortController();
    const queued = scheduler.enqueue(addWork(1), controller.signal);
    await assert.rejects(scheduler.enqueue(addWork(1)), /max_queue_size/);
    controller.abort();
    await assert.rejects(queued, /cancelled/);
    model.open();
    await running;
    assert.deepEqual(seen.rows, [2]);
    assert.deepEqual(seen.rejected, ['queue_full', 'cancelled']);
    assert.deepEqual(seen.depth, [1, 0]);
  });
});
