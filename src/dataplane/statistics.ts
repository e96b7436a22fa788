/**
 * The statistics extension's counters (Triton's InferenceStatsAggregator): one set per loaded model
 * version, fed by the data plane as requests finish and by the counted model as runs finish. Times
 * come in as monotonic milliseconds and are kept as integer nanoseconds; `last_inference` is the
 * only wall-clock value, read from the injected `wallClock` so tests can fix it.
 */
import type {
  BatchStatistics,
  InferStatistics,
  ModelVersionStatistics,
  StatisticDuration,
} from '../core/statistics.js';

/** Where one successful request spent its time, in milliseconds. */
export interface RequestTimes {
  readonly totalMs: number;
  readonly queueMs: number;
  readonly computeMs: number;
}

class Duration {
  count = 0;
  ns = 0;

  add(ms: number): void {
    this.count += 1;
    // Clock readings are fractional ms; a negative difference would only be a clock bug.
    this.ns += Math.max(0, Math.round(ms * 1e6));
  }

  get value(): StatisticDuration {
    return { count: this.count, ns: this.ns };
  }
}

class BatchCounters {
  readonly computeInput = new Duration();
  readonly computeInfer = new Duration();
  readonly computeOutput = new Duration();
}

class VersionCounters {
  lastInference = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly success = new Duration();
  readonly fail = new Duration();
  readonly queue = new Duration();
  readonly computeInput = new Duration();
  readonly computeInfer = new Duration();
  readonly computeOutput = new Duration();
  readonly batches = new Map<number, BatchCounters>();
}

/** Counters per name and version; a version not started reads as zeros. */
export class ModelStatistics {
  readonly #versions = new Map<string, Map<string, VersionCounters>>();

  /** `wallClock`: ms since the epoch (Date.now in production). */
  constructor(private readonly wallClock: () => number) {}

  /** Fresh counters for a version that is being put into service (a reload starts again from zero). */
  startVersion(name: string, version: string): void {
    this.#models(name).set(version, new VersionCounters());
  }

  /** Drops a version's counters; the registry calls it when the version is unloaded. */
  forgetVersion(name: string, version: string): void {
    const versions = this.#versions.get(name);
    versions?.delete(version);
    if (versions?.size === 0) this.#versions.delete(name);
  }

  /**
   * A request answered. Berth's runtimes convert tensors inside the run, so compute_infer holds the
   * whole run (with batch concat and split); compute_input and compute_output count it with 0 ns.
   */
  recordSuccess(name: string, version: string, times: RequestTimes): void {
    const counters = this.#counters(name, version);
    counters.lastInference = this.wallClock();
    counters.success.add(times.totalMs);
    counters.queue.add(times.queueMs);
    counters.computeInput.add(0);
    counters.computeInfer.add(times.computeMs);
    counters.computeOutput.add(0);
  }

  /** A request that reached a loaded version and failed (invalid, refused, timed out or run failed). */
  recordFailure(name: string, version: string, totalMs: number): void {
    const counters = this.#counters(name, version);
    counters.lastInference = this.wallClock();
    counters.fail.add(totalMs);
  }

  /** One successful model run of `rows` rows that took `computeMs`. */
  recordExecution(name: string, version: string, rows: number, computeMs: number): void {
    const counters = this.#counters(name, version);
    counters.executionCount += 1;
    counters.inferenceCount += rows;
    let batch = counters.batches.get(rows);
    if (batch === undefined) {
      batch = new BatchCounters();
      counters.batches.set(rows, batch);
    }
    batch.computeInput.add(0);
    batch.computeInfer.add(computeMs);
    batch.computeOutput.add(0);
  }

  /** A copy of a version's counters now. */
  snapshot(name: string, version: string): ModelVersionStatistics {
    const counters = this.#versions.get(name)?.get(version) ?? new VersionCounters();
    const inferenceStats: InferStatistics = {
      success: counters.success.value,
      fail: counters.fail.value,
      queue: counters.queue.value,
      computeInput: counters.computeInput.value,
      computeInfer: counters.computeInfer.value,
      computeOutput: counters.computeOutput.value,
    };
    const batchStats: BatchStatistics[] = [...counters.batches.entries()]
      .sort(([a], [b]) => a - b)
      .map(([batchSize, batch]) => ({
        batchSize,
        computeInput: batch.computeInput.value,
        computeInfer: batch.computeInfer.value,
        computeOutput: batch.computeOutput.value,
      }));
    return {
      name,
      version,
      lastInference: counters.lastInference,
      inferenceCount: counters.inferenceCount,
      executionCount: counters.executionCount,
      inferenceStats,
      batchStats,
    };
  }

  #models(name: string): Map<string, VersionCounters> {
    let versions = this.#versions.get(name);
    if (versions === undefined) {
      versions = new Map();
      this.#versions.set(name, versions);
    }
    return versions;
  }

  /** Counters of a version, created on first use (a data plane built without the counted model). */
  #counters(name: string, version: string): VersionCounters {
    const versions = this.#models(name);
    let counters = versions.get(version);
    if (counters === undefined) {
      counters = new VersionCounters();
      versions.set(version, counters);
    }
    return counters;
  }
}
