/**
 * Statistics extension JSON (Triton docs/protocol/extension_statistics.md, "Statistics Response JSON
 * Object"): `{"model_stats": [...]}` with Triton's field names. Pure.
 */
import type { BatchStatistics, ModelVersionStatistics, StatisticDuration } from '../../core/statistics.js';

/** `$duration_stat`. */
export interface DurationJson {
  count: number;
  ns: number;
}

export interface BatchStatisticsJson {
  batch_size: number;
  compute_input: DurationJson;
  compute_infer: DurationJson;
  compute_output: DurationJson;
}

/** `$model_stat`. */
export interface ModelStatisticsJson {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<
    | 'success'
    | 'fail'
    | 'queue'
    | 'compute_input'
    | 'compute_infer'
    | 'compute_output'
    | 'cache_hit'
    | 'cache_miss',
    DurationJson
  >;
  batch_stats: BatchStatisticsJson[];
}

/** Berth has no response cache; Triton's clients read these fields, so they are sent as zeros. */
const NO_CACHE: DurationJson = { count: 0, ns: 0 };

/** The response body; also the gRPC ModelStatisticsResponse, whose fields have these names and numbers' types. */
export function encodeModelStatistics(stats: readonly ModelVersionStatistics[]): {
  model_stats: ModelStatisticsJson[];
} {
  return { model_stats: stats.map(modelStatistics) };
}

function modelStatistics(stats: ModelVersionStatistics): ModelStatisticsJson {
  const infer = stats.inferenceStats;
  return {
    name: stats.name,
    version: stats.version,
    last_inference: stats.lastInference,
    inference_count: stats.inferenceCount,
    execution_count: stats.executionCount,
    inference_stats: {
      success: duration(infer.success),
      fail: duration(infer.fail),
      queue: duration(infer.queue),
      compute_input: duration(infer.computeInput),
      compute_infer: duration(infer.computeInfer),
      compute_output: duration(infer.computeOutput),
      cache_hit: { ...NO_CACHE },
      cache_miss: { ...NO_CACHE },
    },
    batch_stats: stats.batchStats.map(batchStatistics),
  };
}

function batchStatistics(batch: BatchStatistics): BatchStatisticsJson {
  return {
    batch_size: batch.batchSize,
    compute_input: duration(batch.computeInput),
    compute_infer: duration(batch.computeInfer),
    compute_output: duration(batch.computeOutput),
  };
}

function duration(value: StatisticDuration): DurationJson {
  return { count: value.count, ns: value.ns };
}
