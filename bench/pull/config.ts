/** Settings of `npm run bench:pull`, all from BENCH_PULL_* variables (defaults in one place). */
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';

/** The backends the pull benchmark can start and measure. */
export const PULL_BACKENDS = ['hdfs', 's3'] as const;
export type PullBackend = (typeof PULL_BACKENDS)[number];

/** One run's settings, validated once. */
export interface PullConfig {
  /** Size of the published model file, MiB (BENCH_PULL_MB, 256). */
  readonly sizeMiB: number;
  /** Measurements per case; tables show the median (BENCH_PULL_REPEATS, 3). */
  readonly repeats: number;
  readonly backends: readonly PullBackend[];
  /** Range download concurrencies of the sweep (BENCH_PULL_CONCURRENCY, "1,2,4,8"). */
  readonly concurrencies: readonly number[];
  /** Range sizes of the sweep, MiB (BENCH_PULL_CHUNK_MIB, "8,16"). */
  readonly chunksMiB: readonly number[];
  /**
   * Ports: S3 = base, NameNode HTTP = base+870, DataNode HTTP = base+864, DataNode transfer =
   * base+866, DataNode IPC = base+867, NameNode RPC = base-980 (BENCH_PULL_PORT_BASE, 29000: far from
   * the test defaults 18020/19xxx, so a developer's running HDFS or S3 is left alone).
   */
  readonly portBase: number;
  /** dfs.blocksize, MiB (BENCH_PULL_HDFS_BLOCK_MIB, 128: Hadoop's default, not the tests' 1 MiB). */
  readonly hdfsBlockMiB: number;
  /** Bound on one measured transfer, s (BENCH_PULL_TIMEOUT_S, 120). */
  readonly transferTimeoutS: number;
  /** Bound on the whole measuring phase, s; what is left is skipped and reported (BENCH_PULL_MAX_S, 1500). */
  readonly maxSeconds: number;
  /** Also time a curl GET of the same bytes (BENCH_PULL_CURL, 1). */
  readonly curl: boolean;
  /** CPU-profile one Berth pull per backend after the measurements (BENCH_PULL_PROFILE, 1). */
  readonly profile: boolean;
  /** Time `berth serve` from spawn to ready, per backend and repeat (BENCH_PULL_READY, 1). */
  readonly ready: boolean;
  readonly outDir: string;
  /** Keep the services' run folders and the scratch folder (BENCH_KEEP). */
  readonly keep: boolean;
}

export function loadPullConfig(env: NodeJS.ProcessEnv = process.env): PullConfig {
  const int = (name: string, fallback: number, min = 1): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min)
      throw new Error(`${name}: expected an integer >= ${min}, got '${raw}'`);
    return value;
  };
  const ints = (name: string, fallback: string): number[] => {
    const raw = env[name]?.trim() || fallback;
    const values = raw.split(',').map((item) => Number(item.trim()));
    if (values.length === 0 || values.some((value) => !Number.isSafeInteger(value) || value < 1))
      throw new Error(`${name}: expected a comma-separated list of integers >= 1, got '${raw}'`);
    return [...new Set(values)].sort((a, b) => a - b);
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    return !['0', 'false', 'no', 'off'].includes(raw);
  };
  const backends = (env.BENCH_PULL_BACKENDS?.trim() || PULL_BACKENDS.join(','))
    .split(',')
    .map((item) => item.trim());
  for (const backend of backends)
    if (!(PULL_BACKENDS as readonly string[]).includes(backend))
      throw new Error(
        `BENCH_PULL_BACKENDS: unknown backend '${backend}' (known: ${PULL_BACKENDS.join(', ')})`,
      );
  const portBase = int('BENCH_PULL_PORT_BASE', 29000, 2000);
  if (portBase + 870 > 65535) throw new Error(`BENCH_PULL_PORT_BASE: ${portBase} + 870 is not a port`);
  return Object.freeze({
    sizeMiB: int('BENCH_PULL_MB', 256),
    repeats: int('BENCH_PULL_REPEATS', 3),
    backends: backends as PullBackend[],
    concurrencies: ints('BENCH_PULL_CONCURRENCY', '1,2,4,8'),
    chunksMiB: ints('BENCH_PULL_CHUNK_MIB', '8,16'),
    portBase,
    hdfsBlockMiB: int('BENCH_PULL_HDFS_BLOCK_MIB', 128),
    transferTimeoutS: int('BENCH_PULL_TIMEOUT_S', 120),
    maxSeconds: int('BENCH_PULL_MAX_S', 1500),
    curl: flag('BENCH_PULL_CURL', true),
    profile: flag('BENCH_PULL_PROFILE', true),
    ready: flag('BENCH_PULL_READY', true),
    outDir: env.BENCH_OUT?.trim() || join(repoRoot(), 'bench', 'results'),
    keep: flag('BENCH_KEEP', false),
  });
}
