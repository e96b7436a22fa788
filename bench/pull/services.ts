/**
 * The real HDFS and S3 servers the pull benchmark downloads from, started and stopped with the
 * project's scripts (scripts/hdfs, scripts/s3; scripts/services.md) on ports and run folders of
 * its own, so a developer's running test cluster is never touched. Loopback only.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';

/** Keys of versitygw as started by scripts/s3/start.sh (its defaults). */
export const S3_ACCESS_KEY = 'berthtest';
export const S3_SECRET_KEY = 'berthtestsecret';
export const S3_REGION = 'us-east-1';
export const S3_BUCKET = 'berth-pull-bench';

/** A started HDFS: the NameNode HTTP base, and the pids whose CPU time the report counts. */
export interface HdfsService {
  readonly kind: 'hdfs';
  readonly webhdfs: string;
  readonly nameNodePid: number;
  readonly dataNodePid: number;
  readonly runDir: string;
  readonly blockBytes: number;
  readonly startSeconds: number;
}

/** A started versitygw: its endpoint, bucket and pid. */
export interface S3Service {
  readonly kind: 's3';
  readonly endpoint: string;
  readonly bucket: string;
  readonly pid: number;
  readonly runDir: string;
  readonly startSeconds: number;
}

/** Stops what was started and removes its run folder; safe to call twice. */
export type StopService = () => Promise<void>;

/** Starts a single-node HDFS on the ports derived from `portBase` (see PullConfig.portBase). */
export async function startHdfs(
  portBase: number,
  blockBytes: number,
  keep: boolean,
  onStop: (stop: StopService) => void,
): Promise<HdfsService> {
  const runDir = await mkdtemp(join(tmpdir(), 'berth-pull-hdfs-'));
  const ports = {
    BERTH_HDFS_NN_RPC_PORT: portBase - 980,
    BERTH_HDFS_NN_HTTP_PORT: portBase + 870,
    BERTH_HDFS_DN_HTTP_PORT: portBase + 864,
    BERTH_HDFS_DN_PORT: portBase + 866,
    BERTH_HDFS_DN_IPC_PORT: portBase + 867,
  };
  const env = {
    ...stringValues(ports),
    BERTH_HDFS_DIR: runDir,
    BERTH_HDFS_BLOCKSIZE: String(blockBytes),
    BERTH_HDFS_KEEP: keep ? '1' : '0',
  };
  // Registered before starting: a signal during start-up still stops whatever came up.
  onStop(stopper('scripts/hdfs/stop.sh', env, runDir, keep));
  const started = Date.now();
  const exports = await runScript('scripts/hdfs/start.sh', env, 300_000);
  return {
    kind: 'hdfs',
    webhdfs: `http://127.0.0.1:${ports.BERTH_HDFS_NN_HTTP_PORT}`,
    nameNodePid: Number(exports.BERTH_TEST_HDFS_NN_PID),
    dataNodePid: Number(exports.BERTH_TEST_HDFS_DN_PID),
    runDir,
    blockBytes,
    startSeconds: (Date.now() - started) / 1000,
  };
}

/** Starts versitygw on port `portBase` with one bucket. */
export async function startS3(
  portBase: number,
  keep: boolean,
  onStop: (stop: StopService) => void,
): Promise<S3Service> {
  const runDir = await mkdtemp(join(tmpdir(), 'berth-pull-s3-'));
  const env = {
    BERTH_S3_PORT: String(portBase),
    BERTH_S3_DIR: runDir,
    BERTH_S3_BUCKETS: S3_BUCKET,
    BERTH_S3_KEEP: keep ? '1' : '0',
    ROOT_ACCESS_KEY: S3_ACCESS_KEY,
    ROOT_SECRET_KEY: S3_SECRET_KEY,
  };
  onStop(stopper('scripts/s3/stop.sh', env, runDir, keep));
  const started = Date.now();
  const exports = await runScript('scripts/s3/start.sh', env, 300_000);
  return {
    kind: 's3',
    endpoint: `http://127.0.0.1:${portBase}`,
    bucket: S3_BUCKET,
    pid: Number(exports.BERTH_TEST_S3_PID),
    runDir,
    startSeconds: (Date.now() - started) / 1000,
  };
}

function stopper(script: string, env: Record<string, string>, runDir: string, keep: boolean): StopService {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      await runScript(script, env, 60_000).catch((error: unknown) => {
        console.error(`bench:pull: ${script}: ${(error as Error).message}`);
      });
      if (!keep) await rm(runDir, { recursive: true, force: true });
    })());
}

/**
 * Runs a start or stop script with `env` on top of ours and returns the `export NAME=value` lines
 * it printed (stderr, its progress, is passed through). Killed after `timeoutMs`.
 */
function runScript(
  script: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot(), script)], {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`  ${chunk.toString()}`));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(parseExports(out));
      else reject(new Error(`${script} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** `export NAME=value` lines as printed with printf %q (plain values, or '...' quoted). */
function parseExports(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const raw = match[2] ?? '';
    found[match[1] as string] = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  }
  return found;
}

function stringValues(record: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
}
