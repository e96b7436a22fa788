import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import type { BerthError } from '../../../src/core/errors.js';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { OnnxRuntime } from '../../../src/runtime/onnx/onnx-runtime.js';
import type { LoadedModel } from '../../../src/runtime/runtime.js';
import {
  DynamicBatcher,
  type BatcherObserver,
  type DynamicBatcherOptions,
  type RejectReason,
} from '../../../src/scheduling/dynamic-batcher.js';
import type { ScheduledResult, ScheduledWork } from '../../../src/scheduling/scheduler.js';
import { GraphBuilder } from '../../fixtures/onnx/builder.js';
import { addModel, mlpModel, stringInputModel } from '../../fixtures/onnx/models.js';
import { GatedModel } from '../../support/gated-model.js';
import { eventLoopTurns, ManualClock } from '../../support/manual-clock.js';

const runtime = new OnnxRuntime();
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function load(bytes: Uint8Array): Promise<LoadedModel> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-batcher-'));
  await writeFile(join(dir, 'model.onnx'), bytes);
  const model = await runtime.load(dir, modelConfigSchema.parse({ instances: 1 }));
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => model.dispose(),
  );
  return model;
}

/** `x` FP32 [batch, n] → `y` = x, any n: requests with different n must not share a batch. */
function anyWidthIdentityModel(): Uint8Array {
  return new GraphBuilder('any_width')
    .input('x', 'FP32', [-1, -1])
    .node('Identity', ['x'], ['y'])
    .output('y', 'FP32', [-1, -1])
    .toBytes();
}

/** `x` FP32 [batch, 4] reshaped to [1, 4]: claims a dynamic batch but fails on more than one row. */
function oneRowOnlyModel(): Uint8Array {
  return new GraphBuilder('one_row_only')
    .input('x', 'FP32', [-1, 4])
    .initializer('shape', 'INT64', [2], BigInt64Array.of(1n, 4n))
    .node('Reshape', ['x', 'shape'], ['y'])
    .output('y', 'FP32', [-1, 4])
    .toBytes();
}

function fp32(name: string, shape: number[], values: ArrayLike<number>): Tensor {
  return { name, datatype: 'FP32', shape, data: Float32Array.from(values) };
}

function work(tensors: Tensor[], outputNames: string[]): ScheduledWork {
  return { inputs: new Map(tensors.map((tensor) => [tensor.name, tensor])), outputNames };
}

/** An add-model request of `rows` rows whose values start at `seed`. */
function addWork(rows: number, seed: number): ScheduledWork {
  const values = Array.from({ length: rows * 4 }, (_, i) => seed + i);
  return work(
    [
      fp32('a', [rows, 4], values),
      fp32(
        'b',
        [rows, 4],
        values.map((v) => v * 10),
      ),
    ],
    ['sum'],
  );
}

class RecordingObserver implements BatcherObserver {
  readonly batches: number[] = [];
  readonly depths: number[] = [];
  readonly rejections: RejectReason[] = [];
  batch(rows: number): void {
    this.batches.push(rows);
  }
  queueDepth(waiting: number): void {
    this.depths.push(waiting);
  }
  rejected(reason: RejectReason): void {
    this.rejections.push(reason);
  }
}

interface Harness {
  readonly model: GatedModel;
  readonly batcher: DynamicBatcher;
  readonly observer: RecordingObserver;
}

function harness(
  inner: LoadedModel,
  options: Partial<DynamicBatcherOptions> = {},
  clock: Clock = systemClock,
  concurrency = 1,
): Harness {
  const model = new GatedModel(inner, concurrency);
  const observer = new RecordingObserver();
  const batcher = new DynamicBatcher(
    model,
    {
      maxBatchSize: 8,
      maxQueueDelayUs: 0,
      preferredBatchSizes: [],
      maxQueueSize: 64,
      timeoutMs: 0,
      ...options,
    },
    clock,
    observer,
  );
  return { model, batcher, observer };
}

/** Tracks whether a promise has settled, without a timer. */
function watch<T>(promise: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

function values(result: ScheduledResult, name: string): number[] {
  return [...(result.outputs.get(name)!.data as Float32Array)];
}

describe('DynamicBatcher', () => {
  it('runs a request at once, alone, when the model is idle', async () => {
    const { model, batcher, observer } = harness(await load(addModel()));
    const pending = batcher.enqueue(addWork(2, 1));
    // Synchronously inside enqueue: no queue, no timer, no waiting for the next turn.
    assert.deepEqual(model.runs, [2]);
    const result = await pending;
    assert.deepEqual(values(result, 'sum'), [11, 22, 33, 44, 55, 66, 77, 88]);
    assert.equal(result.queueMs, 0);
    assert.deepEqual(observer.batches, [2]);
    assert.deepEqual(observer.depths, []);
  });

  it('batches the requests that queue while the model is busy into one run with the same numbers', async () => {
    const inner = await load(mlpModel([16, 32, 3], 7));
    const { model, batcher, observer } = harness(inner, { maxBatchSize: 32 });
    const requests = [1, 3, 2, 1, 4].map((rows, index) =>
      work(
        [
          fp32(
            'features',
            [rows, 16],
            Array.from({ length: rows * 16 }, (_, i) => Math.sin(index * 31 + i)),
          ),
        ],
        ['score'],
      ),
    );
    model.close();
    const results = requests.map((request) => batcher.enqueue(request));
    assert.equal(model.held, 1);
    assert.deepEqual(observer.depths, [1, 2, 3, 4]);
    model.open();
    const answers = await Promise.all(results);
    assert.deepEqual(model.runs, [1, 10]);
    assert.deepEqual(observer.batches, [1, 10]);
    for (const [index, request] of requests.entries()) {
      const alone = await inner.infer(request.inputs, request.outputNames);
      const expected = [...(alone.get('score')!.data as Float32Array)];
      const got = values(answers[index]!, 'score');
      assert.deepEqual(answers[index]!.outputs.get('score')!.shape, [
        request.inputs.get('features')!.shape[0],
        3,
      ]);
      assert.equal(got.length, expected.length);
      got.forEach((value, i) =>
        assert.ok(Math.abs(value - expected[i]!) <= 1e-6, `row value ${i}: ${value} vs ${expected[i]}`),
      );
    }
  });

  it('gives exact sums to each request of a batch (add model)', async () => {
    const { model, batcher } = harness(await load(addModel()));
    model.close();
    const results = [1, 2, 1].map((rows, index) => batcher.enqueue(addWork(rows, index * 100)));
    model.open();
    const answers = await Promise.all(results);
    assert.deepEqual(model.runs, [1, 3]);
    assert.deepEqual(values(answers[1]!, 'sum'), [1100, 1111, 1122, 1133, 1144, 1155, 1166, 1177]);
    assert.deepEqual(values(answers[2]!, 'sum'), [2200, 2211, 2222, 2233]);
  });

  it('splits what waits into runs of at most max_batch_size rows, in order', async () => {
    const { model, batcher } = harness(await load(addModel()), { maxBatchSize: 4 });
    model.close();
    const results = [1, 1, 3, 1, 2, 2, 4].map((rows, index) => batcher.enqueue(addWork(rows, index)));
    model.open();
    await Promise.all(results);
    assert.deepEqual(model.runs, [1, 4, 3, 2, 4]);
  });

  it('cuts batches at a preferred size when one is set', async () => {
    const { model, batcher } = harness(await load(addModel()), { maxBatchSize: 8, preferredBatchSizes: [2] });
    model.close();
    const results = Array.from({ length: 6 }, (_, index) => batcher.enqueue(addWork(1, index)));
    model.open();
    await Promise.all(results);
    assert.deepEqual(model.runs, [1, 2, 2, 1]);
  });

  it('refuses a request with more rows than max_batch_size when strict, naming the setting', async () => {
    const { model, batcher } = harness(await load(addModel()), {
      maxBatchSize: 4,
      strictMaxBatchSize: true,
      label: 'model "add" version 1',
    });
    await assert.rejects(batcher.enqueue(addWork(5, 0)), (error: BerthError) => {
      assert.equal(error.id, 'INPUT_SHAPE');
      assert.match(
        error.message,
        /input "a": first dimension is 5, larger than max_batch_size 4 of model "add" version 1, and batching.strict_max_batch_size is true/,
      );
      return true;
    });
    assert.deepEqual(model.runs, []);
  });

  it('lets the chunks of a split request join batches with other requests, rows back in order', async () => {
    const { model, batcher } = harness(await load(addModel()), { maxBatchSize: 4 });
    model.close();
    const first = batcher.enqueue(addWork(1, 900));
    assert.equal(model.held, 1);
    // 6 rows: chunks of 4 and 2; the 2-row chunk shares a run with the 2-row request behind it.
    const split = batcher.enqueue(addWork(6, 0));
    const small = batcher.enqueue(addWork(2, 500));
    model.open();
    await first;
    assert.deepEqual(
      values(await split, 'sum'),
      Array.from({ length: 24 }, (_, i) => i * 11),
    );
    assert.deepEqual(
      values(await small, 'sum'),
      Array.from({ length: 8 }, (_, i) => (500 + i) * 11),
    );
    assert.deepEqual(model.runs, [1, 4, 4]);
  });

  it('refuses at once with QUEUE_FULL when max_queue_size requests wait, and serves the rest', async () => {
    const { model, batcher, observer } = harness(await load(addModel()), { maxQueueSize: 2 });
    model.close();
    const accepted = [0, 1, 2].map((seed) => batcher.enqueue(addWork(1, seed)));
    // Rejected while the model is still held: nothing had to run or time out first.
    await assert.rejects(batcher.enqueue(addWork(1, 3)), (error: BerthError) => {
      assert.equal(error.id, 'QUEUE_FULL');
      assert.equal(error.code, 'UNAVAILABLE');
      return true;
    });
    assert.deepEqual(observer.rejections, ['queue_full']);
    model.open();
    assert.equal((await Promise.all(accepted)).length, 3);
  });

  it('fails a request whose signal aborts while it waits, and runs the others', async () => {
    const { model, batcher, observer } = harness(await load(addModel()));
    model.close();
    const first = batcher.enqueue(addWork(1, 0));
    const controller = new AbortController();
    const cancelled = batcher.enqueue(addWork(1, 1), controller.signal);
    const kept = batcher.enqueue(addWork(1, 2));
    controller.abort();
    await assert.rejects(cancelled, (error: BerthError) => error.id === 'CANCELLED');
    assert.deepEqual(observer.rejections, ['cancelled']);
    assert.equal(observer.depths.at(-1), 1);
    model.open();
    await Promise.all([first, kept]);
    assert.deepEqual(model.runs, [1, 1]);
    await assert.rejects(
      batcher.enqueue(addWork(1, 3), controller.signal),
      (error: BerthError) => error.id === 'CANCELLED',
    );
  });

  it('fails a request that waits longer than timeout_ms in the queue (manual clock)', async () => {
    const clock = new ManualClock();
    const { model, batcher, observer } = harness(await load(addModel()), { timeoutMs: 100 }, clock);
    model.close();
    const running = batcher.enqueue(addWork(1, 0));
    const early = batcher.enqueue(addWork(1, 1));
    clock.advance(40);
    const late = batcher.enqueue(addWork(1, 2));
    const earlyState = watch(early);
    const lateState = watch(late);
    clock.advance(59);
    await eventLoopTurns();
    assert.equal(earlyState.settled, false);
    clock.advance(1);
    await assert.rejects(early, (error: BerthError) => {
      assert.equal(error.id, 'CANCELLED');
      assert.match(error.message, /waited 100 ms in the queue/);
      return true;
    });
    assert.equal(lateState.settled, false);
    assert.deepEqual(observer.rejections, ['timeout']);
    model.open();
    // The running request cannot be stopped; the later one runs before its deadline.
    await Promise.all([running, late]);
    assert.deepEqual(model.runs, [1, 1]);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('fails every request of a failed batch with the same cause', async () => {
    const { model, batcher } = harness(await load(oneRowOnlyModel()));
    model.close();
    const alone = batcher.enqueue(work([fp32('x', [1, 4], [1, 2, 3, 4])], ['y']));
    const batched = [0, 1, 2].map((seed) =>
      batcher.enqueue(work([fp32('x', [1, 4], [seed, seed, seed, seed])], ['y'])),
    );
    model.open();
    assert.deepEqual(values(await alone, 'y'), [1, 2, 3, 4]);
    const outcomes = await Promise.allSettled(batched);
    assert.deepEqual(model.runs, [1, 3]);
    const reasons = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason as BerthError);
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
    assert.equal(reasons[0]!.id, 'INFERENCE_FAILED');
    assert.ok(reasons[0]!.cause !== undefined);
    assert.ok(reasons.every((reason) => reason === reasons[0]));
  });

  it('never mixes requests whose non-batch dimensions differ', async () => {
    const { model, batcher } = harness(await load(anyWidthIdentityModel()));
    model.close();
    const first = batcher.enqueue(work([fp32('x', [1, 3], [0, 0, 0])], ['y']));
    const narrow1 = batcher.enqueue(work([fp32('x', [1, 3], [1, 2, 3])], ['y']));
    const wide = batcher.enqueue(work([fp32('x', [1, 5], [1, 2, 3, 4, 5])], ['y']));
    const narrow2 = batcher.enqueue(work([fp32('x', [2, 3], [4, 5, 6, 7, 8, 9])], ['y']));
    model.open();
    const [, a, b, c] = await Promise.all([first, narrow1, wide, narrow2]);
    assert.deepEqual(model.runs, [1, 3, 1]);
    assert.deepEqual(values(a!, 'y'), [1, 2, 3]);
    assert.deepEqual(values(b!, 'y'), [1, 2, 3, 4, 5]);
    assert.deepEqual(values(c!, 'y'), [4, 5, 6, 7, 8, 9]);
  });

  it('splits BYTES outputs, gives whole the outputs without a batch dimension, and only the outputs asked for', async () => {
    const { model, batcher } = harness(await load(stringInputModel()));
    const utf8 = new TextEncoder();
    const text = (words: string[]): Tensor => ({
      name: 'text',
      datatype: 'BYTES',
      shape: [words.length],
      data: words.map((word) => utf8.encode(word)),
    });
    model.close();
    const first = batcher.enqueue(work([text(['x']), fp32('value', [1], [0])], ['echo']));
    const two = batcher.enqueue(work([text(['a', 'bé']), fp32('value', [2], [1, 2])], ['echo', 'count']));
    const one = batcher.enqueue(work([text(['c']), fp32('value', [1], [3])], ['negated']));
    model.open();
    const [, many, single] = await Promise.all([first, two, one]);
    assert.deepEqual(model.runs, [1, 3]);
    const decode = (tensor: Tensor): string[] =>
      (tensor.data as Uint8Array[]).map((b) => new TextDecoder().decode(b));
    assert.deepEqual(decode(many!.outputs.get('echo')!), ['a', 'bé']);
    // `count` is Shape(text): [1], not per row, so each request sees the batch's count (documented).
    assert.deepEqual([...(many!.outputs.get('count')!.data as BigInt64Array)], [3n]);
    assert.deepEqual([...single!.outputs.keys()], ['negated']);
    assert.deepEqual(values(single!, 'negated'), [-3]);
  });

  it('drains only when nothing waits and nothing runs', async () => {
    const { model, batcher } = harness(await load(addModel()));
    await batcher.drain();
    model.close();
    const results = [0, 1, 2].map((seed) => batcher.enqueue(addWork(1, seed)));
    const drained = watch(batcher.drain());
    await eventLoopTurns();
    assert.equal(drained.settled, false);
    model.open();
    await Promise.all(results);
    await batcher.drain();
  });

  it('runs up to the model concurrency at once before queueing', async () => {
    const { model, batcher, observer } = harness(await load(addModel()), {}, systemClock, 2);
    model.close();
    const results = [0, 1, 2, 3].map((seed) => batcher.enqueue(addWork(1, seed)));
    assert.equal(model.held, 2);
    assert.deepEqual(observer.depths, [1, 2]);
    model.open();
    await Promise.all(results);
    assert.deepEqual(model.runs, [1, 1, 2]);
  });
});

describe('DynamicBatcher with max_queue_delay_us (manual clock)', () => {
  it('holds a partial batch until the delay passes, then runs what joined', async () => {
    const clock = new ManualClock();
    const { model, batcher } = harness(await load(addModel()), { maxQueueDelayUs: 2000 }, clock);
    const first = batcher.enqueue(addWork(1, 0));
    await eventLoopTurns();
    assert.deepEqual(model.runs, []);
    clock.advance(1);
    const second = batcher.enqueue(addWork(2, 1));
    await eventLoopTurns();
    assert.deepEqual(model.runs, []);
    clock.advance(1);
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(model.runs, [3]);
    assert.equal(a.queueMs, 2);
    assert.equal(b.queueMs, 1);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('runs a full batch without waiting for the delay', async () => {
    const clock = new ManualClock();
    const { model, batcher } = harness(
      await load(addModel()),
      { maxQueueDelayUs: 1_000_000, maxBatchSize: 3 },
      clock,
    );
    const results = [1, 2].map((rows, seed) => batcher.enqueue(addWork(rows, seed)));
    await Promise.all(results);
    assert.deepEqual(model.runs, [3]);
    assert.equal(clock.pendingSleeps, 0);
  });
});
