/**
 * A LoadedModel decorator that reports every successful run with its rows and duration: the one
 * place that sees real model executions, whichever scheduler (direct, batcher, chunked) drives it.
 */
import type { Clock } from '../core/clock.js';
import type { Tensor } from '../core/tensor.js';
import type { LoadedModel, LoadedModelMetadata } from '../runtime/runtime.js';

/** Called after each successful run. */
export type ExecutionRecorder = (rows: number, computeMs: number) => void;

/**
 * Wraps `model` so each run is recorded. Rows are dim 0 of the first input when every input has a
 * dynamic first dimension; a model that cannot batch counts 1 per run, as Triton counts a model
 * with max_batch_size 0.
 */
export function countExecutions(model: LoadedModel, clock: Clock, record: ExecutionRecorder): LoadedModel {
  const inputs = model.metadata.inputs;
  const batches = inputs.length > 0 && inputs.every((spec) => spec.shape[0] === -1);
  return {
    get metadata(): LoadedModelMetadata {
      return model.metadata;
    },
    get concurrency(): number | undefined {
      return model.concurrency;
    },
    async infer(
      tensors: ReadonlyMap<string, Tensor>,
      outputNames: readonly string[],
      signal?: AbortSignal,
    ): Promise<Map<string, Tensor>> {
      const started = clock.now();
      const outputs = await model.infer(tensors, outputNames, signal);
      const rows = batches ? (tensors.values().next().value?.shape[0] ?? 1) : 1;
      record(rows, clock.now() - started);
      return outputs;
    },
    dispose: () => model.dispose(),
  };
}
