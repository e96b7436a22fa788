/**
 * `execution: auto`: the model is timed inline, on zero inputs at the batch the server runs under
 * load, and stays inline when a run is short enough that stalling the event loop costs less than
 * handing the run to a worker thread (~75 µs of messages and bookkeeping here, more on a busy
 * machine); otherwise it goes to workers. The rule is a pure function of the measured median and
 * the timing reads an injected clock, so both are tested without timing assertions.
 */
import type { ModelConfig } from '../../core/model-config.js';
import { allocateData, elementCount, type Tensor, type TensorSpec } from '../../core/tensor.js';

/** Where a model's runs execute once `auto` is resolved. */
export type ExecutionMode = Exclude<ModelConfig['execution'], 'auto'>;

/**
 * Median run time (ms) under which `auto` keeps a model inline. A worker adds its hand-off to
 * every call: a model of ~40 µs per run answers one client ~3× slower on a worker (the issue's
 * aim allows 1.5× the run), while a stall under 1 ms costs the requests behind it about as much
 * as parsing a few dozen JSON bodies. Models of milliseconds per batch need the event loop free
 * to take requests while they compute, and the other cores.
 */
export const AUTO_INLINE_BELOW_MS = 1;

/** Runs before timing starts: the first runs allocate ONNX Runtime's buffers and are slower. */
export const AUTO_UNTIMED_RUNS = 2;

/** Timed runs; odd, so the median is one of them. */
export const AUTO_TIMED_RUNS = 5;

/** The rule: inline when the median run is under the threshold, else workers (a NaN means workers). */
export function chooseExecution(medianMs: number, thresholdMs = AUTO_INLINE_BELOW_MS): ExecutionMode {
  return medianMs < thresholdMs ? 'inline' : 'worker';
}

/** The middle value (the mean of the middle two for an even count); NaN when there is none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `run` `untimed` times, then `timed` times reading `now()` (ms) around each; the median of those. */
export async function medianRunMs(
  run: () => Promise<unknown>,
  now: () => number,
  untimed = AUTO_UNTIMED_RUNS,
  timed = AUTO_TIMED_RUNS,
): Promise<number> {
  for (let i = 0; i < untimed; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < timed; i++) {
    const started = now();
    await run();
    samples.push(now() - started);
  }
  return median(samples);
}

/** Zero inputs for the probe, and the batch they stand for in words (for the log line). */
export interface Probe {
  readonly inputs: Tensor[];
  readonly batch: string;
}

/**
 * Zero inputs at the batch the server runs under load: `max_batch_size` rows when every input has
 * a dynamic first dimension (the batcher fills batches up to it), else one request's shape (fixed
 * dimensions as declared). Other dynamic dimensions are 1, as warm-up generates them.
 */
export function probeInputs(specs: readonly TensorSpec[], maxBatchSize: number): Probe {
  const batchable = specs.length > 0 && specs.every((spec) => spec.shape[0] === -1);
  const rows = batchable ? maxBatchSize : 1;
  const inputs = specs.map((spec): Tensor => {
    const shape = spec.shape.map((dim, index) => (dim >= 0 ? dim : index === 0 ? rows : 1));
    const data = allocateData(spec.datatype, elementCount(shape));
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
  return { inputs, batch: batchable ? `max batch ${rows}` : 'one unbatched request' };
}
