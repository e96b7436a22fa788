/**
 * The dashboard's charts, second by second, from the server's own Prometheus metrics: once a wall
 * second the recorder reads the cumulative counters and histograms, keeps the difference from the
 * last reading, and holds the last few minutes in a ring. A second keeps raw histogram counts, not
 * quantiles, so the seconds of several workers add up before any quantile is taken (traffic-merge.ts).
 */
import type { BerthMetrics } from '../../observability/metrics.js';

/** Seconds of history each process keeps (five minutes). */
export const TRAFFIC_HISTORY_SECONDS = 300;

/** Cumulative values read from the metrics at one instant. */
export interface TrafficReading {
  readonly requests: number;
  readonly errors: number;
  /** berth_request_seconds bucket counts, cumulative by bound as Prometheus keeps them, +Inf last. */
  readonly latency: readonly number[];
  readonly batches: number;
  readonly batchRows: number;
  /** berth_batch_size bucket counts, cumulative by bound, +Inf last. */
  readonly batchSizes: readonly number[];
  /** Gauges: their value at the reading, not a difference. */
  readonly queueDepth: number;
  readonly inFlight: number;
}

/** One second of one process's traffic: what happened between two readings. */
export interface TrafficSecond extends TrafficReading {
  /** Epoch seconds at the start of the second. */
  readonly t: number;
}

/** Keeps the last TRAFFIC_HISTORY_SECONDS seconds; readings must come in time order. */
export class TrafficRecorder {
  readonly #seconds: TrafficSecond[] = [];
  #last: TrafficReading | undefined;

  constructor(private readonly capacity = TRAFFIC_HISTORY_SECONDS) {}

  /** Records the second `t` as the difference between `reading` and the one before it. */
  record(t: number, reading: TrafficReading): void {
    const previous = this.#last;
    this.#last = reading;
    // The first reading only sets the baseline: what came before the recorder started is no second.
    if (previous === undefined) return;
    // Counters only grow in a process (berth never removes a counter's series); the clamp is a guard.
    const base = previous;
    this.#seconds.push({
      t,
      requests: Math.max(0, reading.requests - base.requests),
      errors: Math.max(0, reading.errors - base.errors),
      latency: difference(reading.latency, base.latency),
      batches: Math.max(0, reading.batches - base.batches),
      batchRows: Math.max(0, reading.batchRows - base.batchRows),
      batchSizes: difference(reading.batchSizes, base.batchSizes),
      queueDepth: reading.queueDepth,
      inFlight: reading.inFlight,
    });
    if (this.#seconds.length > this.capacity) this.#seconds.splice(0, this.#seconds.length - this.capacity);
  }

  /** Seconds after `after` (epoch seconds), oldest first; all of them without it. */
  since(after?: number): TrafficSecond[] {
    return after === undefined ? [...this.#seconds] : this.#seconds.filter((second) => second.t > after);
  }
}

function difference(now: readonly number[], before: readonly number[]): number[] {
  return now.map((value, i) => Math.max(0, value - (before[i] ?? 0)));
}

/** Reads the cumulative traffic of every model and version from Berth's metrics. */
export async function readTraffic(metrics: BerthMetrics): Promise<TrafficReading> {
  const [requests, latency, batches, queueDepth, inFlight] = await Promise.all([
    metrics.requests.get(),
    metrics.requestSeconds.get(),
    metrics.batchSize.get(),
    metrics.queueDepth.get(),
    metrics.inFlight.get(),
  ]);
  let total = 0;
  let errors = 0;
  for (const { labels, value } of requests.values) {
    total += value;
    if (labels.outcome !== 'ok') errors += value;
  }
  const batchHistogram = sumHistogram(batches.values, 'berth_batch_size');
  return {
    requests: total,
    errors,
    latency: sumHistogram(latency.values, 'berth_request_seconds').buckets,
    batches: batchHistogram.count,
    batchRows: batchHistogram.sum,
    batchSizes: batchHistogram.buckets,
    queueDepth: sum(queueDepth.values),
    inFlight: sum(inFlight.values),
  };
}

interface MetricValue {
  readonly value: number;
  readonly labels: Partial<Record<string, string | number>>;
  readonly metricName?: string;
}

const sum = (values: readonly MetricValue[]): number => values.reduce((total, { value }) => total + value, 0);

/** A histogram's series summed over every label set: buckets in bound order (+Inf last), sum, count. */
function sumHistogram(
  values: readonly MetricValue[],
  name: string,
): { buckets: number[]; sum: number; count: number } {
  const byBound = new Map<string, number>();
  let total = 0;
  let count = 0;
  for (const { value, labels, metricName } of values) {
    if (metricName === `${name}_bucket`) {
      const bound = String(labels.le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + value);
    } else if (metricName === `${name}_sum`) total += value;
    else if (metricName === `${name}_count`) count += value;
  }
  // prom-client lists a series' buckets in bound order; the Map keeps the first series' order.
  return { buckets: [...byBound.values()], sum: total, count };
}

/** Handle of the once-a-second reading; `stop` ends it. */
export interface TrafficSampling {
  stop(): void;
}

/**
 * Reads `metrics` into `recorder` just after every wall-clock second, so that the seconds of
 * several workers carry the same `t` and add up. The timer never keeps the process alive.
 */
export function sampleTraffic(
  metrics: BerthMetrics,
  recorder: TrafficRecorder,
  wallClock: () => number = Date.now,
): TrafficSampling {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    // 20 ms past the boundary: the second that just ended is complete.
    const delay = 1000 - (wallClock() % 1000) + 20;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = (): void => {
    const second = Math.floor(wallClock() / 1000) - 1;
    readTraffic(metrics)
      .then((reading) => recorder.record(second, reading))
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) schedule();
      });
  };
  // The baseline reading, so the first whole second already has a difference.
  void readTraffic(metrics).then(
    (reading) => recorder.record(Math.floor(wallClock() / 1000) - 1, reading),
    () => undefined,
  );
  schedule();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
