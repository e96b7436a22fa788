/** Benchmark settings, all from BENCH_* variables so `npm run bench` needs no arguments. */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { berthCache, repoRoot } from './lib/paths.js';

export const MODEL_NAMES = ['ranking', 'compute'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface BenchConfig {
  /** Measured seconds per case and repeat (BENCH_DURATION_S, 10). */
  readonly durationS: number;
  /** Unmeasured load before the first repeat of a case (BENCH_WARMUP_S, 2). */
  readonly warmupS: number;
  /** Measured windows per case; tables show the median (BENCH_REPEATS, 3). */
  readonly repeats: number;
  /** Concurrent connections, one case each (BENCH_CONNECTIONS, "1,16,64"). */
  readonly connections: readonly number[];
  /** Rows per request (BENCH_ROWS, 1). */
  readonly rows: number;
  readonly models: readonly ModelName[];
  /** Only targets whose id matches (BENCH_TARGETS, a regular expression). */
  readonly targetFilter: RegExp | undefined;
  /** Seconds per batch size in the raw ONNX Runtime sweep (BENCH_RAW_S, 1). */
  readonly rawSeconds: number;
  readonly rawBatches: readonly number[];
  /** max_batch_size written into each model's berth.yaml (BENCH_MAX_BATCH_SIZE, 64). */
  readonly maxBatchSize: number;
  readonly httpLoad: 'auto' | 'wrk' | 'autocannon';
  readonly grpcLoad: 'auto' | 'ghz' | 'node';
  /** Run scripts/bench-peers/setup.sh first (BENCH_SETUP, 1). */
  readonly setup: boolean;
  readonly peers: boolean;
  readonly overload: boolean;
  readonly overloadConnections: number;
  readonly overloadQueueSize: number;
  /** Client-side timeout; a response slower than this counts as a timeout (BENCH_TIMEOUT_S, 5). */
  readonly timeoutS: number;
  readonly startTimeoutS: number;
  readonly outDir: string;
  readonly cache: string;
  readonly cores: number;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name}: expected a positive number, got '${raw}'`);
    return value;
  };
  const list = (name: string, fallback: string): string[] =>
    (env[name] || fallback)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const flag = (name: string, fallback: boolean): boolean =>
    env[name] === undefined || env[name] === ''
      ? fallback
      : !['0', 'false', 'no'].includes(env[name] as string);
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = (env[name] || allowed[0]) as T;
    if (!allowed.includes(value))
      throw new Error(`${name}: expected one of ${allowed.join('|')}, got '${value}'`);
    return value;
  };
  const models = list('BENCH_MODELS', MODEL_NAMES.join(','));
  for (const model of models)
    if (!(MODEL_NAMES as readonly string[]).includes(model))
      throw new Error(`BENCH_MODELS: unknown model '${model}' (${MODEL_NAMES.join(', ')})`);
  const rows = Math.round(num('BENCH_ROWS', 1));
  const maxRawBatch = num('BENCH_RAW_MAX_BATCH', 512);
  const rawBatches: number[] = [];
  for (let batch = 1; batch <= maxRawBatch; batch *= 2) rawBatches.push(batch);
  return {
    durationS: num('BENCH_DURATION_S', 10),
    warmupS: num('BENCH_WARMUP_S', 2),
    repeats: Math.round(num('BENCH_REPEATS', 3)),
    connections: list('BENCH_CONNECTIONS', '1,16,64').map(Number),
    rows,
    models: models as ModelName[],
    targetFilter: env.BENCH_TARGETS ? new RegExp(env.BENCH_TARGETS) : undefined,
    rawSeconds: num('BENCH_RAW_S', 1),
    rawBatches,
    maxBatchSize: Math.max(Math.round(num('BENCH_MAX_BATCH_SIZE', 64)), rows),
    httpLoad: oneOf('BENCH_LOAD', ['auto', 'wrk', 'autocannon'] as const),
    grpcLoad: oneOf('BENCH_GRPC_LOAD', ['auto', 'ghz', 'node'] as const),
    setup: flag('BENCH_SETUP', true),
    peers: flag('BENCH_PEERS', true),
    overload: flag('BENCH_OVERLOAD', true),
    overloadConnections: Math.round(num('BENCH_OVERLOAD_CONNECTIONS', 128)),
    overloadQueueSize: Math.round(num('BENCH_OVERLOAD_QUEUE', 8)),
    timeoutS: num('BENCH_TIMEOUT_S', 5),
    startTimeoutS: num('BENCH_START_TIMEOUT_S', 180),
    outDir: env.BENCH_OUT || join(repoRoot(), 'bench', 'results'),
    cache: berthCache(env),
    cores: cpus().length,
  };
}
