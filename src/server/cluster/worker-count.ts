/**
 * How many serving processes `--workers auto` starts, and what each may use. The rule, as
 * docs/config.md states it: one worker per core the container may use (its cgroup CPU quota when
 * set, else the cores Node can schedule on), fewer when each worker's copy of the start-up models
 * would not fit in most of the memory limit; never fewer than one.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

/** What the rule decides from; read from this machine by `machineResources`. */
export interface MachineResources {
  /** Cores this process may use (cgroup quota rounded up, capped by the schedulable cores). */
  readonly cores: number;
  /** Memory this process may use: the cgroup limit when set, else all memory. */
  readonly memoryBytes: number;
}

/** What a worker costs besides its models: a Node process with the server loaded. */
export const WORKER_BASE_BYTES = 160 * 1024 * 1024;

/**
 * Memory one worker needs per model byte: ONNX Runtime holds the initializers it read from the file
 * plus its arena and the optimised graph, measured at 1.5-2 × the file on the bench models.
 */
export const MEMORY_PER_MODEL_BYTE = 2;

/** The share of the memory limit the workers may plan to use; the rest is headroom. */
export const MEMORY_SHARE = 0.8;

/** `workers: auto` as a number, from the machine and the total bytes of the start-up models. */
export function autoWorkerCount(machine: MachineResources, modelBytes: number): number {
  const perWorker = WORKER_BASE_BYTES + MEMORY_PER_MODEL_BYTE * modelBytes;
  const fitting = Math.floor((MEMORY_SHARE * machine.memoryBytes) / perWorker);
  return Math.max(1, Math.min(machine.cores, fitting));
}

/**
 * Cores left to each of `workers` processes, for ONNX Runtime's default instance count: they split
 * the machine so that workers × instances × intra-op threads never exceeds its cores.
 */
export function coresPerWorker(cores: number, workers: number): number {
  return Math.max(1, Math.floor(cores / workers));
}

/** Reads the cores and memory this process may use, cgroup v2 limits first. */
export function machineResources(
  readText: (path: string) => string | undefined = readSmallFile,
): MachineResources {
  const schedulable = availableParallelism();
  const quota = cgroupCpuLimit(readText('/sys/fs/cgroup/cpu.max'));
  const memoryLimit = cgroupMemoryLimit(readText('/sys/fs/cgroup/memory.max'));
  return {
    cores: quota === undefined ? schedulable : Math.max(1, Math.min(schedulable, Math.ceil(quota))),
    memoryBytes: memoryLimit === undefined ? totalmem() : Math.min(memoryLimit, totalmem()),
  };
}

/** `cpu.max` is "<quota> <period>" or "max <period>": the cores the quota allows, if limited. */
export function cgroupCpuLimit(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  return quota === 'max' || !(q > 0) || !(p > 0) ? undefined : q / p;
}

/** `memory.max` is bytes or "max". */
export function cgroupMemoryLimit(text: string | undefined): number | undefined {
  const value = Number((text ?? '').trim());
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function readSmallFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
