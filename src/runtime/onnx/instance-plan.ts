/**
 * How many ONNX Runtime instances a model gets and where they run, from berth.yaml, the server's
 * `--instances` and the core count. Pure, so the defaults are unit-tested with any core count.
 */
import type { ModelConfig } from '../../core/model-config.js';
import type { ExecutionMode } from './auto-execution.js';

/**
 * The most instances the default gives. Each instance holds its own copy of the weights (a 20 M
 * parameter model is ~80 MB per instance), and past a handful of instances the batcher's larger
 * batches use extra cores better than extra sessions do. Setting `instances` goes past it.
 */
export const MAX_DEFAULT_INSTANCES = 8;

/** The settings a model is loaded with. */
export interface InstancePlan {
  readonly execution: ExecutionMode;
  /** Sessions to create. */
  readonly instances: number;
  /** Runs that can execute at the same time: the instances on worker threads, 1 inline. */
  readonly concurrency: number;
}

/**
 * Defaults so that one server uses the machine without oversubscribing it: each worker instance
 * runs `threads.intra_op` threads (1 by default, not spinning: measured here, the default spinning
 * pool doubled the CPU per request and quadrupled p99), so `cores ÷ intra_op` instances keep every
 * core busy and none shared. `intra_op: 0` lets ONNX Runtime use every core in one run, so the
 * default is then a single instance. The event loop is not given a core of its own: while the
 * workers compute it mostly waits, and for tiny models the instances are mostly idle.
 *
 * Inline runs serialise on the event loop (onnxruntime-node's `run` is a synchronous native call),
 * so inline defaults to one session, and any number of them still runs one at a time. `execution`
 * is the resolved mode: `auto` is decided by measuring the model first (auto-execution.ts).
 */
export function planInstances(
  config: Pick<ModelConfig, 'instances' | 'threads'>,
  execution: ExecutionMode,
  cores: number,
  override?: number,
): InstancePlan {
  const explicit = override ?? config.instances;
  if (execution === 'inline') return { execution: 'inline', instances: explicit ?? 1, concurrency: 1 };
  const threadsPerInstance = config.threads.intra_op > 0 ? config.threads.intra_op : Math.max(1, cores);
  const fitting = Math.floor(Math.max(1, cores) / threadsPerInstance);
  const instances = explicit ?? Math.min(MAX_DEFAULT_INSTANCES, Math.max(1, fitting));
  return { execution: 'worker', instances, concurrency: instances };
}
