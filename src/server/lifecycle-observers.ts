/**
 * The registry's lifecycle events, turned into metrics and log lines. Subscribed once by the serving
 * core; the registry itself knows neither Prometheus nor pino.
 */
import type { Logger } from '../observability/logger.js';
import { MODEL_STATE_VALUES, type BerthMetrics } from '../observability/metrics.js';
import type { LifecycleEvent } from '../registry/lifecycle-events.js';

/** Keeps berth_model_state and the per-version load gauges current; an unloaded version's series go. */
export function lifecycleMetrics(metrics: BerthMetrics): (event: LifecycleEvent) => void {
  return (event) => {
    const labels = { model: event.model, version: event.version };
    if (event.state === 'UNAVAILABLE') {
      for (const gauge of [
        metrics.modelState,
        metrics.downloadSeconds,
        metrics.loadSeconds,
        metrics.warmupSeconds,
        metrics.queueDepth,
      ])
        gauge.remove(labels);
      return;
    }
    metrics.modelState.set(labels, MODEL_STATE_VALUES[event.state]);
    const timings = event.timings;
    if (timings === undefined) return;
    metrics.downloadBytes.inc(labels, timings.reused ? 0 : timings.bytes);
    metrics.downloadSeconds.set(labels, timings.downloadMs / 1000);
    metrics.loadSeconds.set(labels, timings.loadMs / 1000);
    metrics.warmupSeconds.set(labels, timings.warmupMs / 1000);
  };
}

/** One line per state change: failures at error with the cause, the rest at info. */
export function lifecycleLog(logger: Logger): (event: LifecycleEvent) => void {
  return (event) => {
    const fields = { model: event.model, version: event.version, state: event.state, from: event.previous };
    if (event.state === 'FAILED') {
      logger.error(
        { ...fields, err: event.error?.stableId },
        `model version failed: ${event.error?.message ?? ''}`,
      );
      return;
    }
    if (event.state === 'READY' && event.timings) {
      const { timings } = event;
      logger.info(
        {
          ...fields,
          uri: timings.uri,
          bytes: timings.bytes,
          reused: timings.reused,
          downloadMs: Math.round(timings.downloadMs),
          loadMs: Math.round(timings.loadMs),
          warmupMs: Math.round(timings.warmupMs * 10) / 10,
          warmupRuns: timings.warmupRuns,
        },
        'model ready',
      );
      return;
    }
    logger.info(fields, event.state === 'UNAVAILABLE' ? 'model version unloaded' : 'model version state');
  };
}
