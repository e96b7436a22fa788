/**
 * Time to ready: the real `berth serve` (bench/berth-cli.ts, a fresh empty cache) serving the
 * pulled model, timed from spawn to the first 200 of /v2/health/ready. Beside it, the server's
 * own "model ready" log line gives what its pull, its ONNX Runtime session create and its warm-up
 * took, so the report can say what start-up adds on top (process start, config, stores, HTTP).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from '../lib/child.js';
import { median, ratio, round } from '../lib/stats.js';
import { compiledBenchDir } from '../lib/paths.js';
import { freePort } from '../lib/ports.js';
import type { PullBackend } from './config.js';

/** One `berth serve` start-up. */
export interface ReadySample {
  readonly backend: PullBackend;
  readonly repeat: number;
  /** Spawn to the first /v2/health/ready 200. */
  readonly readySeconds: number;
  /** Spawn to the server's "Server listening" line: process start, imports, config, stores. */
  readonly listenSeconds: number;
  /** From the server's "model ready" line. */
  readonly downloadMs: number;
  readonly loadMs: number;
  readonly warmupMs: number;
  readonly error?: string;
}

/** What one start-up needs: the store root, the model, the store's environment. */
export interface ReadyTarget {
  readonly backend: PullBackend;
  readonly storeUri: string;
  readonly model: string;
  readonly env: Record<string, string>;
  readonly scratch: string;
  readonly logFile: string;
  readonly timeoutS: number;
}

/** How often readiness is asked: small next to a start-up of seconds. */
const POLL_MS = 10;

/** Starts `berth serve` once, waits for ready, reads its timings, stops it. */
export async function timeToReady(target: ReadyTarget, repeat: number): Promise<ReadySample> {
  const cacheDir = await mkdtemp(join(target.scratch, 'ready-cache-'));
  const port = await freePort();
  const base = { backend: target.backend, repeat };
  const args = [
    join(compiledBenchDir(), 'berth-cli.js'),
    'serve',
    '--store',
    target.storeUri,
    '--model',
    target.model,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--cache-dir',
    cacheDir,
    '--log-level',
    'info',
  ];
  // PATH and HOME only, plus the store's settings: nothing else from the shell reaches the server.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...target.env };
  const started = performance.now();
  const spawnedAt = Date.now(); // pino's "time" is wall-clock milliseconds
  const server = startProcess(`berth-serve-${target.backend}`, process.execPath, args, {
    env,
    logFile: target.logFile,
  });
  try {
    const deadline = started + target.timeoutS * 1000;
    for (;;) {
      if (server.exitCode() !== undefined)
        throw new Error(`berth serve exited (${String(server.exitCode())})`);
      if (performance.now() > deadline) throw new Error(`not ready within ${target.timeoutS} s`);
      if (await isReady(port)) break;
      await sleep(POLL_MS);
    }
    const readySeconds = (performance.now() - started) / 1000;
    const line = await server.waitForLine((text) => text.includes('"model ready"'), 5000);
    const fields = JSON.parse(line) as { downloadMs: number; loadMs: number; warmupMs: number };
    const listening = await server.waitForLine((text) => text.includes('"Server listening'), 5000);
    const listenedAt = new Date((JSON.parse(listening) as { time: number | string }).time).getTime();
    return {
      ...base,
      readySeconds,
      listenSeconds: (listenedAt - spawnedAt) / 1000,
      downloadMs: fields.downloadMs,
      loadMs: fields.loadMs,
      warmupMs: fields.warmupMs,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = server.tail().slice(-3).join(' | ');
    return {
      ...base,
      readySeconds: 0,
      listenSeconds: 0,
      downloadMs: 0,
      loadMs: 0,
      warmupMs: 0,
      error: `${message}: ${tail}`,
    };
  } finally {
    await server.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/health/ready`, {
      signal: AbortSignal.timeout(1000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** Medians of one backend's start-ups, against the pull measured in-process in the same run. */
export interface ReadySummary {
  readonly backend: PullBackend;
  readonly starts: number;
  readonly errors: number;
  readonly readySeconds: number | null;
  readonly listenS: number | null;
  readonly serverDownloadS: number | null;
  readonly loadS: number | null;
  readonly warmupS: number | null;
  /** Median seconds of the default `localize` case of this run (in this process). */
  readonly pullS: number | null;
  /** readySeconds ÷ (pullS + loadS + warmupS): what start-up adds to the work it must do. */
  readonly ratio: number | null;
}

/** One summary per backend; `pullSeconds` is the default localize case's median. */
export function summariseReady(
  samples: readonly ReadySample[],
  pullSeconds: (backend: PullBackend) => number | null,
): ReadySummary[] {
  const backends = [...new Set(samples.map((sample) => sample.backend))];
  return backends.map((backend) => {
    const mine = samples.filter((sample) => sample.backend === backend);
    const good = mine.filter((sample) => sample.error === undefined);
    const readySeconds = median(good.map((sample) => sample.readySeconds));
    const loadS = median(good.map((sample) => sample.loadMs / 1000));
    const warmupS = median(good.map((sample) => sample.warmupMs / 1000));
    const pullS = pullSeconds(backend);
    const work = pullS === null || loadS === null || warmupS === null ? null : pullS + loadS + warmupS;
    return {
      backend,
      starts: mine.length,
      errors: mine.length - good.length,
      readySeconds: round(readySeconds),
      listenS: round(median(good.map((sample) => sample.listenSeconds))),
      serverDownloadS: round(median(good.map((sample) => sample.downloadMs / 1000))),
      loadS: round(loadS),
      warmupS: round(warmupS),
      pullS: round(pullS),
      ratio: round(ratio(readySeconds, work), 3),
    };
  });
}
