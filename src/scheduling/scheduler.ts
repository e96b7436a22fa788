import type { Tensor } from '../core/tensor.js';

/** What a scheduler runs: validated input tensors by name and the outputs wanted. */
export interface ScheduledWork {
  readonly inputs: ReadonlyMap<string, Tensor>;
  readonly outputNames: readonly string[];
}

/** The outputs plus where the time went, for the queue vs compute histograms. */
export interface ScheduledResult {
  readonly outputs: Map<string, Tensor>;
  readonly queueMs: number;
  readonly computeMs: number;
}

/**
 * Owns the path from an accepted request to the model: DirectScheduler runs at once; DynamicBatcher
 * groups requests into batches. `drain` resolves when nothing accepted is waiting or running.
 */
export interface Scheduler {
  enqueue(work: ScheduledWork, signal?: AbortSignal): Promise<ScheduledResult>;
  drain(): Promise<void>;
}
