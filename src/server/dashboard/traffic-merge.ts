/**
 * Seconds of traffic from one or many processes, added up by second and turned into chart points:
 * counts add, histogram buckets add bound by bound, and only then are quantiles interpolated within
 * the buckets (as Prometheus' histogram_quantile does), so p99 across workers is the server's p99.
 */
import { BATCH_SIZE_BUCKETS, LATENCY_BUCKETS } from '../../observability/metrics.js';
import type { TrafficPoint } from './dashboard-snapshot.js';
import type { TrafficSecond } from './traffic-recorder.js';

/** Adds up the seconds of every process, by second, oldest first. */
export function mergeSeconds(parts: readonly (readonly TrafficSecond[])[]): TrafficSecond[] {
  const byTime = new Map<number, TrafficSecond>();
  for (const second of parts.flat()) {
    const seen = byTime.get(second.t);
    byTime.set(second.t, seen === undefined ? second : addSeconds(seen, second));
  }
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

function addSeconds(a: TrafficSecond, b: TrafficSecond): TrafficSecond {
  return {
    t: a.t,
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    latency: addBuckets(a.latency, b.latency),
    batches: a.batches + b.batches,
    batchRows: a.batchRows + b.batchRows,
    batchSizes: addBuckets(a.batchSizes, b.batchSizes),
    queueDepth: a.queueDepth + b.queueDepth,
    inFlight: a.inFlight + b.inFlight,
  };
}

function addBuckets(a: readonly number[], b: readonly number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}

/**
 * The q-quantile of a histogram given as cumulative bucket counts over `bounds` (+Inf last, beyond
 * the bounds), interpolated linearly inside its bucket; undefined with no observation. An answer in
 * the +Inf bucket is the highest bound: the histogram knows no more.
 */
export function bucketQuantile(
  q: number,
  bounds: readonly number[],
  cumulative: readonly number[],
): number | undefined {
  const total = cumulative.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  const index = cumulative.findIndex((count) => count >= rank);
  if (index >= bounds.length || index < 0) return bounds.at(-1);
  const lower = index === 0 ? 0 : bounds[index - 1]!;
  const below = index === 0 ? 0 : cumulative[index - 1]!;
  const inBucket = cumulative[index]! - below;
  if (inBucket <= 0) return bounds[index];
  return lower + (bounds[index]! - lower) * ((rank - below) / inBucket);
}

/** One merged second as the browser charts it: latencies in milliseconds, batch sizes in rows. */
export function toTrafficPoint(second: TrafficSecond): TrafficPoint {
  const ms = (seconds: number | undefined) =>
    seconds === undefined ? undefined : Math.round(seconds * 1e6) / 1e3;
  const p50 = ms(bucketQuantile(0.5, LATENCY_BUCKETS, second.latency));
  const p95 = ms(bucketQuantile(0.95, LATENCY_BUCKETS, second.latency));
  const p99 = ms(bucketQuantile(0.99, LATENCY_BUCKETS, second.latency));
  const batchP95 = bucketQuantile(0.95, BATCH_SIZE_BUCKETS, second.batchSizes);
  return {
    t: second.t,
    requests: second.requests,
    errors: second.errors,
    ...(p50 === undefined ? {} : { p50 }),
    ...(p95 === undefined ? {} : { p95 }),
    ...(p99 === undefined ? {} : { p99 }),
    batches: second.batches,
    ...(second.batches > 0 ? { batchMean: Math.round((second.batchRows / second.batches) * 100) / 100 } : {}),
    ...(batchP95 === undefined ? {} : { batchP95: Math.round(batchP95 * 100) / 100 }),
    queueDepth: second.queueDepth,
    inFlight: second.inFlight,
  };
}
