/**
 * Requests with more rows than max_batch_size (TF Serving's large-batch splitting): cut into chunks
 * of at most max_batch_size rows, each scheduled like a request of its own, and answered as one
 * result with the rows joined in order. `batching.strict_max_batch_size` refuses them instead, as
 * Triton does.
 */
import { setMaxListeners } from 'node:events';
import { BerthError } from '../core/errors.js';
import type { Tensor, TensorSpec } from '../core/tensor.js';
import { concatRows, splitRows } from './batch-tensor.js';
import type { ScheduledResult, ScheduledWork } from './scheduler.js';

/** Rows of a request: dim 0 of its first input (validation made the batched inputs agree). */
export function rowsOf(work: ScheduledWork): number {
  const first = work.inputs.values().next().value;
  return first?.shape[0] ?? 0;
}

/** True when every input has a dynamic first dimension, so a request can be cut into row chunks. */
export function canSplit(inputs: readonly TensorSpec[]): boolean {
  return inputs.length > 0 && inputs.every((spec) => spec.shape[0] === -1);
}

/** The 400 of `batching.strict_max_batch_size: true`: names the rows, the limit and the setting. */
export function tooManyRowsError(work: ScheduledWork, maxBatchSize: number, label: string): BerthError {
  const first = work.inputs.values().next().value;
  return new BerthError(
    'INPUT_SHAPE',
    `input "${first?.name}": first dimension is ${rowsOf(work)}, larger than max_batch_size ${maxBatchSize} of ${label}, and batching.strict_max_batch_size is true; send at most ${maxBatchSize} rows per request, or set it to false to have larger requests split`,
  );
}

/** Cuts a request into consecutive chunks of at most `maxRows` rows (views: nothing is copied). */
export function splitWork(work: ScheduledWork, maxRows: number): ScheduledWork[] {
  const rows = rowsOf(work);
  const counts: number[] = [];
  for (let start = 0; start < rows; start += maxRows) counts.push(Math.min(maxRows, rows - start));
  const chunks = counts.map(() => new Map<string, Tensor>());
  for (const [name, tensor] of work.inputs) {
    splitRows(tensor, counts).forEach((part, index) => chunks[index]!.set(name, part));
  }
  return chunks.map((inputs) => ({ inputs, outputNames: work.outputNames }));
}

/**
 * Chunks of one request in flight at once: enough to keep every instance of a model busy (they may
 * also share batches with other requests), few enough that one request never fills the queue.
 */
export const DEFAULT_CHUNK_WINDOW = 8;

/** Runs one chunk through the scheduler's own path (queue, batching, admission). */
export type RunChunk = (chunk: ScheduledWork, signal: AbortSignal) => Promise<ScheduledResult>;

/**
 * Splits `work` and runs every chunk with `run`, all under one AbortSignal that follows the caller's.
 * The first chunk to fail fails the request with its cause and aborts that signal, so the chunks
 * still queued are removed rather than run for nothing; the other chunks' failures are dropped.
 */
export async function runInChunks(
  work: ScheduledWork,
  maxRows: number,
  outputs: readonly TensorSpec[],
  run: RunChunk,
  signal?: AbortSignal,
  window = DEFAULT_CHUNK_WINDOW,
): Promise<ScheduledResult> {
  const controller = new AbortController();
  // Every chunk in flight listens on this one signal; the window bounds them, not the default of 10.
  setMaxListeners(window + 4, controller.signal);
  const forward = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  try {
    const chunks = splitWork(work, maxRows);
    const results = await new Promise<ScheduledResult[]>((resolve, reject) => {
      const done = new Array<ScheduledResult>(chunks.length);
      let next = 0;
      let left = chunks.length;
      // At most `window` chunks of one request queue at once: a request of a million rows neither
      // fills the queue by itself (QUEUE_FULL) nor holds every chunk's memory in the queue.
      const start = (): void => {
        // Once one chunk failed there is no point queueing the rest.
        if (controller.signal.aborted || next >= chunks.length) return;
        const index = next++;
        run(chunks[index]!, controller.signal).then(
          (result) => {
            done[index] = result;
            if (--left === 0) resolve(done);
            else start();
          },
          (error: unknown) => {
            if (!controller.signal.aborted) controller.abort(error);
            reject(error);
          },
        );
      };
      for (let i = 0; i < Math.min(window, chunks.length); i++) start();
    });
    return joinResults(results, chunks, outputs);
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

/**
 * One result from the chunks' results: each output concatenated on dim 0 in chunk order. An output
 * that is not one row per input row (fixed first dimension, or another row count) cannot be joined,
 * so the request fails naming it rather than answering with one chunk's value.
 */
function joinResults(
  results: readonly ScheduledResult[],
  chunks: readonly ScheduledWork[],
  specs: readonly TensorSpec[],
): ScheduledResult {
  const outputs = new Map<string, Tensor>();
  for (const name of results[0]?.outputs.keys() ?? []) {
    const parts = results.map((result) => result.outputs.get(name)!);
    const spec = specs.find((candidate) => candidate.name === name);
    const mismatch = parts.findIndex((part, index) => part.shape[0] !== rowsOf(chunks[index]!));
    if ((spec !== undefined && spec.shape[0] !== -1) || mismatch >= 0) {
      throw new BerthError(
        'INFERENCE_FAILED',
        `output "${name}" does not have one row per input row (shape [${parts[Math.max(0, mismatch)]!.shape.join(', ')}] for ${rowsOf(chunks[Math.max(0, mismatch)]!)} rows), so a request larger than max_batch_size cannot be split for it; send at most max_batch_size rows`,
      );
    }
    outputs.set(name, concatRows(parts));
  }
  // Queue time: the longest any chunk waited; compute: the rest of the time until the last finished.
  let queueMs = 0;
  let totalMs = 0;
  for (const result of results) {
    queueMs = Math.max(queueMs, result.queueMs);
    totalMs = Math.max(totalMs, result.queueMs + result.computeMs);
  }
  return { outputs, queueMs, computeMs: totalMs - queueMs };
}
