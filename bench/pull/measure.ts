/**
 * Times one case: wall time, this process's CPU (every thread: the libuv pool's writes count),
 * the servers' CPU from /proc, and for Berth's store the reads it opened and their set-up time.
 */
import { clockTicks, readProc } from '../lib/proc.js';
import type { PullCase } from './cases.js';
import type { PullBackend } from './config.js';
import type { ReadTimings } from './timed-store.js';

/** One measurement of one case. */
export interface PullSample {
  readonly backend: PullBackend;
  readonly case: string;
  readonly repeat: number;
  readonly bytes: number;
  readonly seconds: number;
  /** 10^6 bytes per second. */
  readonly mbps: number;
  /** CPU seconds of this process (user + system, all threads). */
  readonly clientCpuS: number;
  /** CPU seconds of the server processes (NameNode + DataNode, or versitygw). */
  readonly serverCpuS: number;
  /** Store reads opened (Berth's store cases only) and their mean time to the response head. */
  readonly reads?: number;
  readonly meanOpenMs?: number;
  readonly error?: string;
}

/** Runs `entry` once under a timeout; a failure is recorded in the sample, not thrown. */
export async function measure(
  backend: PullBackend,
  entry: PullCase,
  repeat: number,
  options: {
    readonly timeoutS: number;
    readonly serverPids: readonly number[];
    readonly takeReadTimings: () => ReadTimings;
  },
): Promise<PullSample> {
  options.takeReadTimings(); // drop what earlier work left
  const server = serverTicks(options.serverPids);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const base = { backend, case: entry.id, repeat };
  try {
    const result = await entry.run(AbortSignal.timeout(options.timeoutS * 1000));
    const wall = (performance.now() - started) / 1000;
    const seconds = result.seconds ?? wall;
    const used = process.cpuUsage(cpu);
    const timings = options.takeReadTimings();
    return {
      ...base,
      bytes: result.bytes,
      seconds,
      mbps: result.bytes / 1e6 / seconds,
      clientCpuS: (used.user + used.system) / 1e6,
      serverCpuS: (serverTicks(options.serverPids) - server) / clockTicks(),
      ...(timings.reads > 0 ? { reads: timings.reads, meanOpenMs: timings.openMs / timings.reads } : {}),
    };
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, bytes: 0, seconds, mbps: 0, clientCpuS: 0, serverCpuS: 0, error: message };
  }
}

function serverTicks(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readProc(pid)?.ticks ?? 0), 0);
}
