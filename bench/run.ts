/**
 * `npm run bench`: the serving benchmark in one run on one machine. Generates the models, measures
 * the limits (ONNX Runtime in-process, the bare-Fastify HTTP floor), every Berth variant and the
 * Python peers at each connection count, an overload case, and writes bench/results/serving.json
 * (every number + the environment) and serving.md (tables + the ratios of the aims).
 * Settings: BENCH_* variables (bench/config.ts; bench/README.md lists them).
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { redactPaths } from './lib/redact-paths.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureTarget, type CaseResult } from './cases.js';
import { loadBenchConfig, type BenchConfig } from './config.js';
import { killAllNow, stopAll } from './lib/child.js';
import { prepareTools, type Tools } from './lib/tools.js';
import { buildBenchStore, type BenchStore } from './models.js';
import { runOverload, type OverloadResult } from './overload.js';
import { writePayloads } from './payloads.js';
import { rawSweep, type RawSweep } from './raw.js';
import { describeEnvironment } from './report/environment.js';
import { renderMarkdown, type Report } from './report/markdown.js';
import { computeRatios } from './report/ratios.js';
import { allTargets } from './targets/catalog.js';
import type { Target, TargetContext } from './targets/types.js';
import { loadToolFor } from './load/run-load.js';

interface State {
  readonly config: BenchConfig;
  readonly startedAt: string;
  readonly tools: Tools;
  readonly environment: Record<string, unknown>;
  readonly store: BenchStore;
  readonly raw: RawSweep[];
  readonly cases: CaseResult[];
  readonly overload: OverloadResult[];
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const startedAt = new Date().toISOString();
  const workDir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  scratch = workDir;
  const logDir = join(config.outDir, 'logs');
  await mkdir(logDir, { recursive: true });
  try {
    const tools = await prepareTools(config, logDir);
    for (const [part, status] of Object.entries(tools.status)) console.log(`bench: ${part}: ${status}`);
    console.log(`bench: generating and publishing ${config.models.join(', ')} into ${workDir}/store`);
    const store = await buildBenchStore(workDir, config.models, config.maxBatchSize);
    const state: State = {
      config,
      startedAt,
      tools,
      environment: describeEnvironment(tools),
      store,
      raw: [],
      cases: [],
      overload: [],
    };
    const targets = allTargets().filter(
      (target) => !config.targetFilter || config.targetFilter.test(target.id),
    );
    printPlan(config, targets, tools);
    for (const name of config.models) {
      const model = store.models.get(name);
      if (model === undefined) continue;
      const payloads = await writePayloads(model, config.rows, workDir);
      console.log(`bench: ${name}: raw ONNX Runtime sweep`);
      state.raw.push(...(await rawSweep(model, config, logDir)));
      await writeResults(state);
      const ctx: TargetContext = { config, store, model, payloads, workDir, logDir, tools };
      for (const target of targets.filter((entry) => !entry.models || entry.models.includes(name))) {
        console.log(`bench: ${name}: ${target.id}`);
        const results = await measureTarget(target, ctx, config.connections);
        for (const result of results.filter((entry) => entry.status !== 'ok').slice(0, 1))
          console.log(`  ${name} ${target.id}: ${result.status}: ${result.reason ?? ''}`);
        state.cases.push(...results);
        await writeResults(state);
      }
      if (config.overload && (!config.targetFilter || config.targetFilter.test('berth-overload'))) {
        console.log(
          `bench: ${name}: overload, ${config.overloadConnections} connections, queue ${config.overloadQueueSize}`,
        );
        const result = await runOverload(ctx);
        state.overload.push(result);
        console.log(
          result.status === 'ok'
            ? `  responses by status ${JSON.stringify(result.statusCounts)}, timeouts ${result.summary?.timeouts ?? 0}, ` +
                `503 probe p50 ${result.probe['503']?.p50Ms?.toFixed(2) ?? '-'} ms`
            : `  ${result.status}: ${result.reason ?? ''}`,
        );
        await writeResults(state);
      }
    }
    const report = await writeResults(state);
    console.log('\nbench: ratios');
    for (const r of report.ratios)
      console.log(
        `  ${r.met === null ? ' ' : r.met ? '✓' : '✗'} ${r.description}: ${r.value === null ? 'n/a' : r.value.toFixed(2)} (${r.detail})`,
      );
    console.log(`\nbench: wrote ${join(config.outDir, 'serving.json')} and serving.md`);
  } finally {
    await stopAll();
    if (!process.env.BENCH_KEEP) await rm(workDir, { recursive: true, force: true });
  }
}

async function writeResults(state: State): Promise<Report> {
  const { config } = state;
  const report: Report = {
    startedAt: state.startedAt,
    finishedAt: new Date().toISOString(),
    smoke: config.durationS < 10 || config.repeats < 3,
    settings: {
      durationS: config.durationS,
      warmupS: config.warmupS,
      repeats: config.repeats,
      connections: config.connections,
      rows: config.rows,
      maxBatchSize: config.maxBatchSize,
      rawSeconds: config.rawSeconds,
      timeoutS: config.timeoutS,
      targetFilter: config.targetFilter?.source ?? null,
      overload: { connections: config.overloadConnections, queueSize: config.overloadQueueSize },
    },
    environment: state.environment,
    models: [...state.store.models.values()].map((model) => ({
      name: model.name,
      layers: model.layers,
      params: model.params,
      bytes: model.bytes,
      sha256: model.sha256,
    })),
    raw: state.raw,
    cases: state.cases,
    overload: state.overload,
    ratios: computeRatios({
      cases: state.cases,
      raw: state.raw,
      overload: state.overload,
      rows: config.rows,
      highConnections: Math.max(...config.connections),
    }),
  };
  await mkdir(config.outDir, { recursive: true });
  await writeFile(
    join(config.outDir, 'serving.json'),
    redactPaths(`${JSON.stringify({ format: 'berth-bench/1', ...report }, null, 2)}\n`),
  );
  await writeFile(join(config.outDir, 'serving.md'), redactPaths(renderMarkdown(report)));
  return report;
}

function printPlan(config: BenchConfig, targets: readonly Target[], tools: Tools): void {
  let windows = 0;
  for (const name of config.models)
    windows +=
      targets.filter((target) => !target.models || target.models.includes(name)).length *
      config.connections.length;
  const perWindow = config.warmupS / config.repeats + config.durationS + 1;
  const minutes =
    (windows * config.repeats * perWindow +
      config.models.length * 60 +
      (config.overload ? config.models.length * (config.durationS + config.warmupS + 10) : 0)) /
    60;
  console.log(
    `bench: ${targets.length} targets × ${config.connections.join('/')} connections × ${config.models.length} models, ` +
      `${config.repeats} × ${config.durationS} s windows; HTTP load: ${loadToolFor('json', config, tools)}, ` +
      `gRPC load: ${loadToolFor('grpc', config, tools)}; about ${Math.ceil(minutes)} min plus server start-ups`,
  );
}

/** The run's temporary folder (models, caches), removed on the way out unless BENCH_KEEP is set. */
let scratch: string | undefined;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`bench: ${signal}: stopping every server started`);
    void stopAll(2000).finally(() => {
      if (scratch && !process.env.BENCH_KEEP) rmSync(scratch, { recursive: true, force: true });
      process.exit(130);
    });
  });
process.on('exit', killAllNow);

main().catch(async (error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exitCode = 1;
});
