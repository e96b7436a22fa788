/**
 * Per model version and protocol, the bound ("child") metrics of the hot path. prom-client hashes a
 * label object on every labelled call; binding once per (model, version, protocol) takes that off
 * each request. Error outcomes are rare and stay on the labelled path.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { BerthMetrics } from './metrics.js';

export interface BoundRequestMetrics {
  readonly ok: Counter.Internal;
  readonly requestSeconds: Histogram.Internal<'model' | 'version' | 'protocol'>;
  readonly queueSeconds: Histogram.Internal<'model' | 'version'>;
  readonly computeSeconds: Histogram.Internal<'model' | 'version'>;
  readonly inFlight: Gauge.Internal<'model'>;
}

export class RequestMetricsCache {
  readonly #bound = new Map<string, BoundRequestMetrics>();

  constructor(private readonly metrics: BerthMetrics) {}

  get(model: string, version: string, protocol: string): BoundRequestMetrics {
    const key = `${model}\u0000${version}\u0000${protocol}`;
    let bound = this.#bound.get(key);
    if (!bound) {
      const { metrics } = this;
      bound = {
        ok: metrics.requests.labels({ model, version, protocol, outcome: 'ok' }),
        requestSeconds: metrics.requestSeconds.labels({ model, version, protocol }),
        queueSeconds: metrics.queueSeconds.labels({ model, version }),
        computeSeconds: metrics.computeSeconds.labels({ model, version }),
        inFlight: metrics.inFlight.labels({ model }),
      };
      this.#bound.set(key, bound);
    }
    return bound;
  }
}
