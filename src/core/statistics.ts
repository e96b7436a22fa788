/**
 * Per model version statistics in core terms (Triton's statistics extension,
 * docs/protocol/extension_statistics.md): counts and cumulative nanoseconds. Codecs encode these.
 */

/** How many times something happened and the nanoseconds it took in all. */
export interface StatisticDuration {
  readonly count: number;
  readonly ns: number;
}

/** Per-request figures: success and fail are whole requests; the rest count successful requests. */
export interface InferStatistics {
  readonly success: StatisticDuration;
  readonly fail: StatisticDuration;
  readonly queue: StatisticDuration;
  readonly computeInput: StatisticDuration;
  readonly computeInfer: StatisticDuration;
  readonly computeOutput: StatisticDuration;
}

/** Model runs of one batch size. */
export interface BatchStatistics {
  readonly batchSize: number;
  readonly computeInput: StatisticDuration;
  readonly computeInfer: StatisticDuration;
  readonly computeOutput: StatisticDuration;
}

/** Everything one loaded version has counted since it became READY. */
export interface ModelVersionStatistics {
  readonly name: string;
  readonly version: string;
  /** Wall-clock ms since the epoch of the last request that finished; 0 before the first. */
  readonly lastInference: number;
  /** Rows run by successful model runs (a batch of 4 counts 4). */
  readonly inferenceCount: number;
  /** Successful model runs (a batch of 4 counts 1). */
  readonly executionCount: number;
  readonly inferenceStats: InferStatistics;
  /** One entry per batch size run, smallest first. */
  readonly batchStats: readonly BatchStatistics[];
}
