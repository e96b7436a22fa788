/**
 * `execution: auto`: the pure rule with given medians, the timing with an injected clock, the probe
 * inputs, and real loads that decide either way. No assertion depends on how fast this machine is:
 * with the real clock only correctness is checked, and that the choice is the rule's for the median
 * the runtime logged.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  AUTO_INLINE_BELOW_MS,
  AUTO_TIMED_RUNS,
  AUTO_UNTIMED_RUNS,
  chooseExecution,
  median,
  medianRunMs,
  probeInputs,
} from '../../../src/runtime/onnx/auto-execution.js';
import {
  OnnxRuntime,
  type OnnxLoadedModel,
  type OnnxRuntimeOptions,
} from '../../../src/runtime/onnx/onnx-runtime.js';
import type { SpawnWorker } from '../../../src/runtime/onnx/worker-pool.js';
import { GraphBuilder } from '../../fixtures/onnx/builder.js';
import * as models from '../../fixtures/onnx/models.js';
import { assertClose, config, fp32, infer, ModelFiles, rejectsWith } from './helpers.js';

const files = new ModelFiles();
const loaded: OnnxLoadedModel[] = [];

afterEach(async () => {
  await Promise.all(loaded.splice(0).map((model) => model.dispose()));
});
after(() => files.cleanUp());

describe('chooseExecution (the rule)', () => {
  it('keeps a model inline when its median run is under the threshold', () => {
    assert.equal(AUTO_INLINE_BELOW_MS, 1);
    for (const medianMs of [0, 0.041, 0.21, 0.999]) assert.equal(chooseExecution(medianMs), 'inline');
  });

  it('sends it to workers at or over the threshold, or when nothing was measured', () => {
    for (const medianMs of [1, 1.5, 35, Infinity, NaN]) assert.equal(chooseExecution(medianMs), 'worker');
  });

  it('takes another threshold', () => {
    assert.equal(chooseExecution(3, 5), 'inline');
    assert.equal(chooseExecution(0.2, 0.1), 'worker');
  });
});

describe('median and medianRunMs', () => {
  it('median is the middle value, or the mean of the middle two', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('times only the runs after the untimed ones, with the injected clock', async () => {
    // Each run advances a virtual clock by its own duration: two slow first runs, then five timed.
    const durations = [50, 40, 0.3, 0.2, 9, 0.25, 0.1];
    let time = 0;
    let runs = 0;
    const run = async (): Promise<void> => {
      time += durations[runs++] ?? 0;
    };
    const medianMs = await medianRunMs(run, () => time);
    assert.equal(runs, AUTO_UNTIMED_RUNS + AUTO_TIMED_RUNS);
    assert.equal(medianMs, 0.25, 'the slow first runs and the one outlier do not count');
    assert.equal(chooseExecution(medianMs), 'inline');
  });

  it('passes a run failure on', async () => {
    const failing = (): Promise<never> => Promise.reject(new Error('no'));
    await assert.rejects(
      medianRunMs(failing, () => 0),
      /no/,
    );
  });
});

describe('probeInputs', () => {
  it('fills a dynamic first dimension with max_batch_size and other dynamic ones with 1', () => {
    const probe = probeInputs(
      [
        { name: 'a', datatype: 'FP32', shape: [-1, 4] },
        { name: 'b', datatype: 'INT64', shape: [-1, -1, 2] },
      ],
      32,
    );
    assert.equal(probe.batch, 'max batch 32');
    assert.deepEqual(
      probe.inputs.map((t) => t.shape),
      [
        [32, 4],
        [32, 1, 2],
      ],
    );
    assert.deepEqual(probe.inputs[0]?.data, new Float32Array(128));
    assert.deepEqual(probe.inputs[1]?.data, new BigInt64Array(64));
  });

  it('runs one request when any first dimension is fixed, as the server then does not batch', () => {
    const probe = probeInputs(
      [
        { name: 'x', datatype: 'FP32', shape: [2, 3] },
        { name: 'text', datatype: 'BYTES', shape: [-1] },
      ],
      32,
    );
    assert.equal(probe.batch, 'one unbatched request');
    assert.deepEqual(
      probe.inputs.map((t) => t.shape),
      [[2, 3], [1]],
    );
    assert.deepEqual(probe.inputs[1]?.data, [new Uint8Array(0)]);
  });
});

interface Harness {
  readonly runtime: OnnxRuntime;
  readonly workers: Worker[];
  readonly logs: Array<{ msg: string } & Record<string, unknown>>;
}

/** A runtime with auto's probe timed by `stepMs` per clock reading (so every run "takes" stepMs), or the real clock. */
function harness(stepMs?: number, options: OnnxRuntimeOptions = {}): Harness {
  const workers: Worker[] = [];
  const logs: Harness['logs'] = [];
  const spawnWorker: SpawnWorker = (script, workerOptions) => {
    const worker = new Worker(script, workerOptions);
    workers.push(worker);
    return worker;
  };
  let time = 0;
  const runtime = new OnnxRuntime({
    cores: 2,
    spawnWorker,
    logger: {
      info: (details, msg) => logs.push({ msg, ...details }),
      error: (details, msg) => logs.push({ msg, ...details }),
    },
    ...(stepMs === undefined ? {} : { clock: { now: () => (time += stepMs) } }),
    ...options,
  });
  return { runtime, workers, logs };
}

async function loadAuto(
  runtime: OnnxRuntime,
  bytes: Uint8Array,
  values: Record<string, unknown> = {},
): Promise<OnnxLoadedModel> {
  const model = (await runtime.load(await files.write(bytes), config(values))) as OnnxLoadedModel;
  loaded.push(model);
  return model;
}

const addInputs = [fp32('a', [1, 4], [1, 2, 3, 4]), fp32('b', [1, 4], [10, 20, 30, 40])];

describe('OnnxRuntime execution: auto, with an injected clock', () => {
  it('is the default, and a fast median keeps one inline session whatever instances says', async () => {
    const { runtime, workers, logs } = harness(0.2, { instances: 3 });
    const model = await loadAuto(runtime, models.addModel(), { instances: 4 });
    assert.equal(model.execution, 'inline');
    assert.equal(model.instances, 1);
    assert.equal(model.concurrency, 1);
    assert.equal(workers.length, 0);
    assert.deepEqual((await infer(model, addInputs)).get('sum')?.data, Float32Array.of(11, 22, 33, 44));
    const decision = logs.find((l) => l.msg.startsWith('execution auto'));
    assert.equal(decision?.msg, 'execution auto → inline (max batch 32 ran in 0.20 ms)');
    assert.equal(decision?.execution, 'inline');
  });

  it('a slow median starts the worker pool as configured, and the probe session is not a worker', async () => {
    const { runtime, workers, logs } = harness(5);
    const model = await loadAuto(runtime, models.addModel(), { max_batch_size: 8 });
    assert.equal(model.execution, 'worker');
    assert.equal(model.instances, 2, 'cores ÷ intra_op, as for execution: worker');
    assert.equal(model.concurrency, 2);
    assert.equal(workers.length, 2);
    assert.deepEqual((await infer(model, addInputs)).get('sum')?.data, Float32Array.of(11, 22, 33, 44));
    assert.ok(logs.some((l) => l.msg === 'execution auto → worker (max batch 8 ran in 5.00 ms)'));
    assert.deepEqual(model.metadata.inputs[0], { name: 'a', datatype: 'FP32', shape: [-1, 4] });
  });

  it('probes a fixed-shape model at its shape', async () => {
    const { runtime, logs } = harness(0.1);
    const model = await loadAuto(runtime, models.fixedBatchModel());
    assert.equal(model.execution, 'inline');
    const out = await infer(model, [fp32('x', [2, 3], [0, 1, 2, 3, 4, 5])]);
    assert.deepEqual(out.get('y')?.data, Float32Array.of(1, 2, 3, 4, 5, 6));
    assert.ok(logs.some((l) => l.msg === 'execution auto → inline (one unbatched request ran in 0.10 ms)'));
  });

  it('a model that cannot run zeros at max batch goes to workers, unmeasured, and still serves', async () => {
    // Claims a dynamic batch but reshapes to one row, so the probe at 32 rows fails.
    const oneRowOnly = new GraphBuilder('one_row_only')
      .input('x', 'FP32', [-1, 4])
      .initializer('shape', 'INT64', [2], BigInt64Array.of(1n, 4n))
      .node('Reshape', ['x', 'shape'], ['y'])
      .output('y', 'FP32', [-1, 4])
      .toBytes();
    const { runtime, logs } = harness(0.1);
    const model = await loadAuto(runtime, oneRowOnly);
    assert.equal(model.execution, 'worker');
    const decision = logs.find((l) => l.msg.startsWith('execution auto'));
    assert.match(decision?.msg ?? '', /→ worker \(zero inputs at max batch 32 did not run/);
    assert.equal(typeof decision?.err, 'string');
    const out = await infer(model, [fp32('x', [1, 4], [1, 2, 3, 4])]);
    assert.deepEqual(out.get('y')?.data, Float32Array.of(1, 2, 3, 4));
  });

  it('fails a bad file or bad overrides as the other modes do', async () => {
    const { runtime } = harness(0.1);
    const garbage = await files.write(new TextEncoder().encode('not a model'));
    await rejectsWith(runtime.load(garbage, config()), 'MODEL_LOAD_FAILED', [garbage]);
    const dir = await files.write(models.addModel());
    await rejectsWith(runtime.load(dir, config({ inputs: [{ name: 'nope' }] })), 'BAD_MODEL_CONFIG', [
      "'nope'",
    ]);
  });
});

describe('OnnxRuntime execution: auto, timed for real', () => {
  /** The rule's choice for the median the runtime logged: what auto must have picked. */
  function ruleChoice(logs: Harness['logs']): string {
    const decision = logs.find((l) => l.msg.startsWith('execution auto'));
    assert.equal(typeof decision?.medianMs, 'number', JSON.stringify(logs));
    return chooseExecution(decision?.medianMs as number);
  }

  it('the ranking MLP (256 → 512 → 256 → 1) loads and infers correctly', async () => {
    const sizes = [256, 512, 256, 1];
    const { runtime, logs } = harness(undefined, { cores: 1 });
    const model = await loadAuto(runtime, models.mlpModel(sizes, 7));
    assert.ok(['inline', 'worker'].includes(model.execution));
    assert.equal(model.execution, ruleChoice(logs));
    const input = Float32Array.from({ length: 3 * 256 }, (_, i) => Math.cos(i * 0.13));
    const out = (await infer(model, [fp32('features', [3, 256], input)])).get('score');
    assert.deepEqual(out?.shape, [3, 1]);
    assertClose(out?.data ?? [], models.mlpReference(models.mlpWeights(sizes, 7), input), 1e-5);
  });

  it('the compute-bound MLP (1024 → 4096 → 4096 → 1) loads and infers correctly', async () => {
    const sizes = [1024, 4096, 4096, 1];
    const { runtime, logs } = harness(undefined, { cores: 1 });
    const model = await loadAuto(runtime, models.mlpModel(sizes, 1));
    assert.ok(['inline', 'worker'].includes(model.execution));
    assert.equal(model.execution, ruleChoice(logs));
    const input = Float32Array.from({ length: 2 * 1024 }, (_, i) => Math.sin(i * 0.01));
    const out = (await infer(model, [fp32('features', [2, 1024], input)])).get('score');
    assert.deepEqual(out?.shape, [2, 1]);
    assertClose(out?.data ?? [], models.mlpReference(models.mlpWeights(sizes, 1), input), 1e-4);
  });
});
