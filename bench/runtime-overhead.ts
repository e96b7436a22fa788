/**
 * What running inference on worker threads costs and buys, measured on LoadedModel.infer (no HTTP):
 *  - per-call overhead at batch 1 on the ranking MLP (256 → 512 → 256 → 1): one call at a time,
 *    worker vs inline vs a bare `session.run` with the same session options;
 *  - throughput at batch 64 on the compute-bound MLP (1024 → 4096 → 4096 → 1) with two callers
 *    always waiting: 1 vs 2 worker instances, and inline, plus how busy the event loop was.
 * Windows of each variant are interleaved, so a machine shared with other work skews them alike.
 * Not a test (no assertions): `npm run build && node dist/bench/runtime-overhead.js` writes
 * bench/results/runtime-overhead.json. BENCH_WINDOWS and BENCH_SECONDS shorten or lengthen it.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { modelConfigSchema } from '../src/core/model-config.js';
import type { Tensor } from '../src/core/tensor.js';
import { OnnxRuntime } from '../src/runtime/onnx/onnx-runtime.js';
import { sessionOptions } from '../src/runtime/onnx/session-options.js';
import type { LoadedModel } from '../src/runtime/runtime.js';
import { mlpModel } from '../test/fixtures/onnx/models.js';
import { repoRoot } from './lib/paths.js';

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CALLS_PER_WINDOW = 2000;
const RANKING = [256, 512, 256, 1];
const COMPUTE = [1024, 4096, 4096, 1];
const BATCH = 64;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quantile = (values: readonly number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

function features(rows: number, width: number): Tensor {
  const data = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.01));
  return { name: 'features', datatype: 'FP32', shape: [rows, width], data };
}

type Call = () => Promise<unknown>;

/** Per-call latencies (µs) of `calls` calls made one after the other. */
async function sequential(call: Call, calls: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    times.push((performance.now() - start) * 1000);
  }
  return times;
}

/** Runs completed in `seconds` by `callers` loops that each call again as soon as a call returns. */
async function closedLoop(
  call: Call,
  callers: number,
  seconds: number,
): Promise<{ runs: number; elu: number }> {
  const before = performance.eventLoopUtilization();
  const end = performance.now() + seconds * 1000;
  let runs = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await call();
        runs += 1;
      }
    }),
  );
  return { runs, elu: performance.eventLoopUtilization(before).utilization };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-runtime-'));
  const loaded: LoadedModel[] = [];
  const loadAvgBefore = loadavg();
  try {
    await mkdir(join(dir, 'ranking'));
    await mkdir(join(dir, 'compute'));
    await writeFile(join(dir, 'ranking', 'model.onnx'), mlpModel(RANKING, 20260101));
    await writeFile(join(dir, 'compute', 'model.onnx'), mlpModel(COMPUTE, 20260102));
    const runtime = new OnnxRuntime();
    const load = async (name: string, values: Record<string, unknown>): Promise<LoadedModel> => {
      const model = await runtime.load(join(dir, name), modelConfigSchema.parse(values));
      loaded.push(model);
      return model;
    };

    // 1. Per-call overhead at batch 1.
    const config = modelConfigSchema.parse({});
    const session = await InferenceSession.create(
      join(dir, 'ranking', 'model.onnx'),
      sessionOptions(config.threads),
    );
    const one = features(1, RANKING[0]!);
    const oneMap = new Map([['features', one]]);
    const overheadVariants: Record<string, Call> = {
      raw: () => session.run({ features: new OrtTensor('float32', one.data as Float32Array, one.shape) }),
      inline: (
        (model) => () =>
          model.infer(oneMap, [])
      )(await load('ranking', { execution: 'inline', instances: 1 })),
      worker: (
        (model) => () =>
          model.infer(oneMap, [])
      )(await load('ranking', { execution: 'worker', instances: 1 })),
    };
    const perCall: Record<string, number[][]> = { raw: [], inline: [], worker: [] };
    for (const call of Object.values(overheadVariants)) await sequential(call, 500); // warm
    for (let w = 0; w < WINDOWS; w++) {
      for (const [name, call] of Object.entries(overheadVariants)) {
        perCall[name]!.push(await sequential(call, CALLS_PER_WINDOW));
      }
    }
    await session.release();
    const overhead = Object.fromEntries(
      Object.entries(perCall).map(([name, windows]) => [
        name,
        {
          medianUs: round(median(windows.map((times) => median(times)))),
          p99Us: round(median(windows.map((times) => quantile(times, 0.99)))),
          windowsMedianUs: windows.map((times) => round(median(times))),
        },
      ]),
    );
    const workerUs = overhead.worker!.medianUs;
    const inlineUs = overhead.inline!.medianUs;
    console.log('batch-1 per call (µs, median):', JSON.stringify(overhead));

    // 2. Throughput at batch 64 on the compute-bound model, two callers always waiting.
    const big = new Map([['features', features(BATCH, COMPUTE[0]!)]]);
    const throughputVariants: Record<string, LoadedModel> = {
      'worker x1': await load('compute', { execution: 'worker', instances: 1 }),
      'worker x2': await load('compute', { execution: 'worker', instances: 2 }),
      'inline x1': await load('compute', { execution: 'inline', instances: 1 }),
    };
    for (const model of Object.values(throughputVariants)) await closedLoop(() => model.infer(big, []), 2, 1);
    const windows: Record<string, Array<{ rowsPerS: number; elu: number }>> = {};
    for (let w = 0; w < Math.max(3, Math.ceil(WINDOWS / 2)); w++) {
      for (const [name, model] of Object.entries(throughputVariants)) {
        const { runs, elu } = await closedLoop(() => model.infer(big, []), 2, SECONDS);
        (windows[name] ??= []).push({ rowsPerS: (runs * BATCH) / SECONDS, elu });
      }
    }
    const throughput = Object.fromEntries(
      Object.entries(windows).map(([name, list]) => [
        name,
        {
          rowsPerS: round(median(list.map((window) => window.rowsPerS))),
          eventLoopUtilization: round(median(list.map((window) => window.elu)), 3),
          windowsRowsPerS: list.map((window) => round(window.rowsPerS)),
        },
      ]),
    );
    console.log(`batch-${BATCH} throughput (rows/s, median):`, JSON.stringify(throughput));

    const onnxVersion = JSON.parse(
      await readFile(join(repoRoot(), 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8'),
    ) as { version: string };
    const result = {
      when: new Date().toISOString(),
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model,
        node: process.version,
        onnxruntimeNode: onnxVersion.version,
        loadAvgBefore: loadAvgBefore.map((value) => round(value, 2)),
        loadAvgAfter: loadavg().map((value) => round(value, 2)),
      },
      settings: {
        windows: WINDOWS,
        callsPerWindow: CALLS_PER_WINDOW,
        secondsPerWindow: SECONDS,
        batch: BATCH,
      },
      batch1PerCall: {
        model: `mlp ${RANKING.join('→')}`,
        ...overhead,
        workerOverInline: round(workerUs / inlineUs, 3),
        workerMinusInlineUs: round(workerUs - inlineUs),
      },
      computeThroughput: {
        model: `mlp ${COMPUTE.join('→')}`,
        callers: 2,
        ...throughput,
        twoOverOneInstance: round(throughput['worker x2']!.rowsPerS / throughput['worker x1']!.rowsPerS, 3),
        workerX1OverInline: round(throughput['worker x1']!.rowsPerS / throughput['inline x1']!.rowsPerS, 3),
      },
    };
    const outDir = join(repoRoot(), 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'runtime-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${join(outDir, 'runtime-overhead.json')}`);
  } finally {
    await Promise.all(loaded.map((model) => model.dispose()));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
