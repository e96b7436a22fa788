/**
 * The one contract every Scheduler passes (DirectScheduler, DynamicBatcher). The model is the real
 * ONNX add model behind a gate (test/support/gated-model.ts), pinned to one run at a time, so
 * "busy" and "queued" are states the test sets up, never timing; time is a ManualClock.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/core/clock.js';
import { BerthError } from '../../src/core/errors.js';
import { modelConfigSchema } from '../../src/core/model-config.js';
import type { Tensor } from '../../src/core/tensor.js';
import { OnnxRuntime } from '../../src/runtime/onnx/onnx-runtime.js';
import type { LoadedModel } from '../../src/runtime/runtime.js';
import type { ScheduledResult, ScheduledWork, Scheduler } from '../../src/scheduling/scheduler.js';
import { addModel } from '../fixtures/onnx/models.js';
import { GatedModel } from '../support/gated-model.js';
import { eventLoopTurns, ManualClock } from '../support/manual-clock.js';
import { berthError } from '../support/store-assertions.js';

/** The settings every scheduler takes from berth.yaml. */
export interface SchedulerSettings {
  readonly maxBatchSize: number;
  readonly strictMaxBatchSize: boolean;
  readonly maxQueueSize: number;
  readonly timeoutMs: number;
  readonly label: string;
}

/** Builds the scheduler under test around `model`. */
export type MakeScheduler = (model: LoadedModel, settings: SchedulerSettings, clock: Clock) => Scheduler;

const DEFAULTS: SchedulerSettings = {
  maxBatchSize: 4,
  strictMaxBatchSize: false,
  maxQueueSize: 16,
  timeoutMs: 0,
  label: 'model "add" version 1',
};

/** Rows whose first input value is this are refused by the model (after the gate), as a model error. */
const POISON = -1;

/** Fails any run that holds a POISON value in input `a`: a model error the test can aim at one chunk. */
class PoisonedModel implements LoadedModel {
  constructor(private readonly inner: LoadedModel) {}
  get metadata(): LoadedModel['metadata'] {
    return this.inner.metadata;
  }
  infer(inputs: ReadonlyMap<string, Tensor>, outputNames: readonly string[], signal?: AbortSignal) {
    if ((inputs.get('a')!.data as Float32Array).includes(POISON)) {
      return Promise.reject(new BerthError('INFERENCE_FAILED', 'the model refused a poisoned row'));
    }
    return this.inner.infer(inputs, outputNames, signal);
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** An add-model request of `rows` rows: row r of `a` is [seed+4r, …, seed+4r+3], `b` is 10 × `a`. */
function addWork(rows: number, seed: number, poisonRow?: number): ScheduledWork {
  const a = Float32Array.from({ length: rows * 4 }, (_, i) => seed + i);
  if (poisonRow !== undefined) a[poisonRow * 4] = POISON;
  const b = a.map((value) => value * 10);
  const tensor = (name: string, data: Float32Array): Tensor => ({
    name,
    datatype: 'FP32',
    shape: [rows, 4],
    data,
  });
  return {
    inputs: new Map([
      ['a', tensor('a', a)],
      ['b', tensor('b', b)],
    ]),
    outputNames: ['sum'],
  };
}

/** What the add model answers for `addWork(rows, seed)`: 11 × a. */
function expectedSum(rows: number, seed: number): number[] {
  return Array.from({ length: rows * 4 }, (_, i) => (seed + i) * 11);
}

function sum(result: ScheduledResult): { shape: readonly number[]; data: number[] } {
  const tensor = result.outputs.get('sum')!;
  return { shape: tensor.shape, data: [...(tensor.data as Float32Array)] };
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

/** Turns the event loop until `ready` holds; no clock involved, so no timing assumption. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 1_000; turn++) {
    if (ready()) return;
    await eventLoopTurns(1);
  }
  assert.fail(`never happened: ${what}`);
}

/** Registers the shared Scheduler suite under `name`. */
export function schedulerContract(name: string, make: MakeScheduler): void {
  let add: LoadedModel;
  let dir: string;

  interface Case {
    readonly model: GatedModel;
    readonly scheduler: Scheduler;
    readonly clock: ManualClock;
  }
  const setUp = (settings: Partial<SchedulerSettings> = {}): Case => {
    const model = new GatedModel(new PoisonedModel(add), 1);
    const clock = new ManualClock();
    return { model, clock, scheduler: make(model, { ...DEFAULTS, ...settings }, clock) };
  };
  /** Closes the gate and sends a 1-row request that holds the only run; resolves to that run. */
  const busy = async ({ model, scheduler }: Case): Promise<{ running: Promise<ScheduledResult> }> => {
    model.close();
    const running = scheduler.enqueue(addWork(1, 1000));
    await until(() => model.held === 1, 'the first request holds the run');
    // Wrapped: an async function returning the promise itself would wait for it.
    return { running };
  };

  describe(`Scheduler contract: ${name}`, () => {
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'berth-scheduler-contract-'));
      await writeFile(join(dir, 'model.onnx'), addModel());
      add = await new OnnxRuntime().load(dir, modelConfigSchema.parse({ execution: 'inline', instances: 1 }));
    });
    after(async () => {
      await add.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it("answers each request with the model's numbers, rows in order", async () => {
      const setup = setUp();
      const { running } = await busy(setup);
      const queued = [1, 3, 2].map((rows, index) => setup.scheduler.enqueue(addWork(rows, index * 100)));
      setup.model.open();
      assert.deepEqual(sum(await running).data, expectedSum(1, 1000));
      const answers = await Promise.all(queued);
      [1, 3, 2].forEach((rows, index) => {
        assert.deepEqual(sum(answers[index]!), { shape: [rows, 4], data: expectedSum(rows, index * 100) });
      });
    });

    it('splits a request over max_batch_size into runs of at most that many rows, answered as one', async () => {
      const { model, scheduler } = setUp({ maxBatchSize: 4 });
      const answer = await scheduler.enqueue(addWork(10, 7));
      assert.deepEqual(sum(answer), { shape: [10, 4], data: expectedSum(10, 7) });
      assert.deepEqual(model.runs, [4, 4, 2]);
    });

    it('refuses a request over max_batch_size with INPUT_SHAPE when strict_max_batch_size is set', async () => {
      const { model, scheduler } = setUp({ maxBatchSize: 4, strictMaxBatchSize: true });
      await assert.rejects(
        scheduler.enqueue(addWork(10, 0)),
        berthError('INPUT_SHAPE', 'first dimension is 10', 'max_batch_size 4', 'strict_max_batch_size'),
      );
      assert.deepEqual(model.runs, []);
      assert.deepEqual(sum(await scheduler.enqueue(addWork(4, 0))).data, expectedSum(4, 0));
    });

    it('removes a queued request when its signal aborts, and runs the others', async () => {
      const setup = setUp();
      const { running } = await busy(setup);
      const controller = new AbortController();
      const cancelled = setup.scheduler.enqueue(addWork(2, 0), controller.signal);
      const kept = setup.scheduler.enqueue(addWork(3, 50));
      controller.abort();
      await assert.rejects(cancelled, berthError('CANCELLED'));
      setup.model.open();
      await running;
      assert.deepEqual(sum(await kept).data, expectedSum(3, 50));
      assert.deepEqual(setup.model.runs, [1, 3]);
    });

    it('removes every queued chunk of a split request when its signal aborts', async () => {
      const setup = setUp({ maxBatchSize: 4 });
      const { running } = await busy(setup);
      const controller = new AbortController();
      const cancelled = setup.scheduler.enqueue(addWork(10, 0), controller.signal);
      await eventLoopTurns();
      controller.abort();
      await assert.rejects(cancelled, berthError('CANCELLED'));
      setup.model.open();
      await running;
      await setup.scheduler.drain();
      assert.deepEqual(setup.model.runs, [1]);
    });

    it('refuses at once with QUEUE_FULL past max_queue_size waiting, and serves those accepted', async () => {
      const setup = setUp({ maxQueueSize: 2 });
      const { running } = await busy(setup);
      const queued = [setup.scheduler.enqueue(addWork(1, 1)), setup.scheduler.enqueue(addWork(1, 2))];
      await assert.rejects(
        setup.scheduler.enqueue(addWork(1, 3)),
        berthError('QUEUE_FULL', 'max_queue_size'),
      );
      setup.model.open();
      await running;
      for (const [index, answer] of (await Promise.all(queued)).entries()) {
        assert.deepEqual(sum(answer).data, expectedSum(1, index + 1));
      }
    });

    it('admits a split request larger than the queue chunk by chunk, so it never refuses itself', async () => {
      const setup = setUp({ maxBatchSize: 4, maxQueueSize: 2 });
      const { running } = await busy(setup);
      const large = setup.scheduler.enqueue(addWork(40, 0));
      await eventLoopTurns();
      setup.model.open();
      await running;
      const result = await large;
      assert.equal(result.outputs.get('sum')!.shape[0], 40);
      assert.deepEqual(setup.model.runs, [1, ...Array.from({ length: 10 }, () => 4)]);
    });

    it('refuses a split request with QUEUE_FULL when other requests fill the queue, leaving none of it queued', async () => {
      const setup = setUp({ maxBatchSize: 4, maxQueueSize: 1 });
      const { running } = await busy(setup);
      const waiting = setup.scheduler.enqueue(addWork(1, 0));
      await assert.rejects(setup.scheduler.enqueue(addWork(12, 0)), berthError('QUEUE_FULL'));
      setup.model.open();
      await Promise.all([running, waiting]);
      await setup.scheduler.drain();
      assert.deepEqual(setup.model.runs, [1, 1]);
    });

    it('fails a request that waits longer than timeout_ms (manual clock)', async () => {
      const setup = setUp({ timeoutMs: 50 });
      const { running } = await busy(setup);
      const late = setup.scheduler.enqueue(addWork(1, 0));
      const state = watch(late);
      setup.clock.advance(49);
      await eventLoopTurns();
      assert.equal(state.settled, false);
      setup.clock.advance(1);
      await assert.rejects(late, berthError('CANCELLED', 'timeout_ms'));
      setup.model.open();
      await running;
      assert.deepEqual(setup.model.runs, [1]);
    });

    it('drain waits for every accepted request, queued or running', async () => {
      const setup = setUp();
      const { running } = await busy(setup);
      const queued = setup.scheduler.enqueue(addWork(2, 0));
      const drained = watch(setup.scheduler.drain());
      await eventLoopTurns();
      assert.equal(drained.settled, false);
      setup.model.open();
      await Promise.all([running, queued]);
      await setup.scheduler.drain();
      assert.equal(setup.model.held, 0);
      assert.deepEqual(await setup.scheduler.drain(), undefined);
    });

    it('fails each request of a failed run with the cause', async () => {
      const setup = setUp();
      const { running } = await busy(setup);
      const poisoned = [setup.scheduler.enqueue(addWork(1, 0, 0)), setup.scheduler.enqueue(addWork(2, 5, 1))];
      setup.model.open();
      await running;
      for (const request of poisoned) {
        await assert.rejects(request, berthError('INFERENCE_FAILED', 'poisoned row'));
      }
      // The scheduler keeps serving after a model error.
      assert.deepEqual(sum(await setup.scheduler.enqueue(addWork(1, 9))).data, expectedSum(1, 9));
    });

    it('fails a split request once when a chunk fails, and runs none of its chunks still queued', async () => {
      const setup = setUp({ maxBatchSize: 4 });
      const { running } = await busy(setup);
      // Rows 4..7 are the second chunk; the third (rows 8..11) must never reach the model.
      const split = setup.scheduler.enqueue(addWork(12, 0, 5));
      await eventLoopTurns();
      setup.model.open();
      await running;
      await assert.rejects(split, berthError('INFERENCE_FAILED', 'poisoned row'));
      await setup.scheduler.drain();
      assert.deepEqual(setup.model.runs, [1, 4, 4]);
    });
  });
}
