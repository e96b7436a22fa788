/**
 * Every metric Berth exports, in one place, registered on an injected prom-client Registry (no
 * global default registry, so tests and several servers in one process never collide). With
 * `--workers N` the primary merges the workers' registries with prom-client's cluster aggregation:
 * counters, histograms and queue gauges add up; each gauge below says when it does not.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds: 50 µs to 10 s, dense where model serving lives (0.1–50 ms). */
export const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** Rows per batch: powers of two up to 1024, the sizes batchers and warm-ups tend to use. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The numeric value exported by berth_model_state for each lifecycle state. */
export const MODEL_STATE_VALUES = { LOADING: 0, WARMING: 1, READY: 2, UNLOADING: 3, FAILED: 4 } as const;

export interface BerthMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'model' | 'version' | 'protocol' | 'outcome'>;
  readonly queueSeconds: Histogram<'model' | 'version'>;
  readonly computeSeconds: Histogram<'model' | 'version'>;
  readonly requestSeconds: Histogram<'model' | 'version' | 'protocol'>;
  readonly inFlight: Gauge<'model'>;
  readonly modelState: Gauge<'model' | 'version'>;
  readonly downloadBytes: Counter<'model' | 'version'>;
  readonly downloadSeconds: Gauge<'model' | 'version'>;
  readonly loadSeconds: Gauge<'model' | 'version'>;
  readonly warmupSeconds: Gauge<'model' | 'version'>;
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly queueDepth: Gauge<'model' | 'version'>;
  readonly queueRejections: Counter<'model' | 'version' | 'reason'>;
  readonly workerMemory: Gauge<'worker' | 'kind'>;
}

/** Which serving process these metrics describe: "0" when there is one. */
export interface MetricsOptions {
  readonly worker?: string;
}

/** Creates Berth's metrics on `registry` (a fresh one by default). */
export function createMetrics(
  registry: Registry = new Registry(),
  options: MetricsOptions = {},
): BerthMetrics {
  const registers = [registry];
  const worker = options.worker ?? '0';
  return {
    registry,
    requests: new Counter({
      name: 'berth_requests_total',
      help: 'Inference requests by model, version, protocol and outcome (ok or the error id).',
      labelNames: ['model', 'version', 'protocol', 'outcome'],
      registers,
    }),
    queueSeconds: new Histogram({
      name: 'berth_queue_seconds',
      help: 'Time an inference request waited before its model started running it.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    computeSeconds: new Histogram({
      name: 'berth_compute_seconds',
      help: 'Time the runtime spent running the model for a request (its batch).',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'berth_request_seconds',
      help: 'Whole inference request time inside the server, decode to encode.',
      labelNames: ['model', 'version', 'protocol'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({
      name: 'berth_requests_in_flight',
      help: 'Inference requests accepted and not yet answered.',
      labelNames: ['model'],
      registers,
    }),
    modelState: new Gauge({
      name: 'berth_model_state',
      help: 'Lifecycle state per model version: 0 LOADING, 1 WARMING, 2 READY, 3 UNLOADING, 4 FAILED (across workers, the lowest).',
      labelNames: ['model', 'version'],
      // 2 (READY) only once every worker is; a worker still loading shows as 0.
      aggregator: 'min',
      registers,
    }),
    downloadBytes: new Counter({
      name: 'berth_model_download_bytes_total',
      help: 'Bytes downloaded from the model store (0 when the local cache was reused).',
      labelNames: ['model', 'version'],
      registers,
    }),
    downloadSeconds: new Gauge({
      name: 'berth_model_download_seconds',
      help: 'Time taken to download and verify the model version from the store (across workers, the longest).',
      labelNames: ['model', 'version'],
      aggregator: 'max',
      registers,
    }),
    loadSeconds: new Gauge({
      name: 'berth_model_load_seconds',
      help: 'Time taken by the runtime to load the model version (across workers, the longest).',
      labelNames: ['model', 'version'],
      aggregator: 'max',
      registers,
    }),
    warmupSeconds: new Gauge({
      name: 'berth_model_warmup_seconds',
      help: 'Time taken by warm-up before the model version became READY (across workers, the longest).',
      labelNames: ['model', 'version'],
      aggregator: 'max',
      registers,
    }),
    batchSize: new Histogram({
      name: 'berth_batch_size',
      help: "Rows per model run: the batcher's batches, or each request's rows with batching off.",
      labelNames: ['model', 'version'],
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'berth_queue_depth',
      help: "Requests waiting in a model's queue for a free run.",
      labelNames: ['model', 'version'],
      registers,
    }),
    queueRejections: new Counter({
      name: 'berth_queue_rejections_total',
      help: 'Requests the batching queue refused or dropped: queue_full, timeout (timeout_ms), cancelled.',
      labelNames: ['model', 'version', 'reason'],
      registers,
    }),
    workerMemory: new Gauge({
      name: 'berth_worker_memory_bytes',
      help: 'Memory of each serving process, read at scrape time: rss (resident), heap_used (JavaScript), external (native buffers, ONNX Runtime tensors).',
      labelNames: ['worker', 'kind'],
      registers,
      collect() {
        const usage = process.memoryUsage();
        this.set({ worker, kind: 'rss' }, usage.rss);
        this.set({ worker, kind: 'heap_used' }, usage.heapUsed);
        this.set({ worker, kind: 'external' }, usage.external);
      },
    }),
  };
}

/**
 * The dynamic batcher's observer (scheduling/dynamic-batcher.ts BatcherObserver) for one model
 * version, with its label children resolved once rather than per request.
 */
export function batcherMetrics(metrics: BerthMetrics, labels: { model: string; version: string }) {
  const batchSize = metrics.batchSize.labels(labels);
  const queueDepth = metrics.queueDepth.labels(labels);
  queueDepth.set(0);
  return {
    batch: (rows: number): void => batchSize.observe(rows),
    queueDepth: (waiting: number): void => queueDepth.set(waiting),
    rejected: (reason: string): void => metrics.queueRejections.inc({ ...labels, reason }),
  };
}

/** What `/metrics` answers with: one process's registry, or the whole cluster's aggregate. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** The source for one process: its own registry. */
export function registryMetrics(registry: Registry): MetricsSource {
  return { contentType: registry.contentType, text: () => registry.metrics() };
}
