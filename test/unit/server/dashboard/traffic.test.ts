/**
 * The dashboard's traffic: readings of the real metrics turn into seconds, and the seconds of
 * several workers add up to what one process that saw every request would report, quantiles included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics, LATENCY_BUCKETS, type BerthMetrics } from '../../../../src/observability/metrics.js';
import {
  bucketQuantile,
  mergeSeconds,
  toTrafficPoint,
} from '../../../../src/server/dashboard/traffic-merge.js';
import { readTraffic, TrafficRecorder } from '../../../../src/server/dashboard/traffic-recorder.js';
import { mulberry32 } from '../../../support/prng.js';

const labels = { model: 'ranker', version: '1', protocol: 'v2' };

function serve(metrics: BerthMetrics, latencySeconds: number, outcome = 'ok', rows = 1): void {
  metrics.requests.inc({ ...labels, outcome });
  metrics.requestSeconds.observe(labels, latencySeconds);
  metrics.batchSize.observe({ model: 'ranker', version: '1' }, rows);
}

describe('traffic recorder', () => {
  it('turns readings of the real metrics into per-second differences, errors apart', async () => {
    const metrics = createMetrics();
    const recorder = new TrafficRecorder();
    recorder.record(99, await readTraffic(metrics));
    assert.deepEqual(recorder.since(), [], 'the first reading is only the baseline');

    serve(metrics, 0.002);
    serve(metrics, 0.004, 'BERTH_ERR_INPUT_DATATYPE');
    metrics.queueDepth.set({ model: 'ranker', version: '1' }, 3);
    metrics.inFlight.set({ model: 'ranker' }, 2);
    recorder.record(100, await readTraffic(metrics));
    serve(metrics, 0.002, 'ok', 8);
    metrics.queueDepth.set({ model: 'ranker', version: '1' }, 0);
    recorder.record(101, await readTraffic(metrics));

    const [first, second] = recorder.since();
    assert.equal(first?.t, 100);
    assert.equal(first?.requests, 2);
    assert.equal(first?.errors, 1);
    assert.equal(first?.queueDepth, 3);
    assert.equal(first?.inFlight, 2);
    assert.equal(first?.latency.at(-1), 2, '+Inf bucket counts every observation');
    assert.equal(second?.requests, 1);
    assert.equal(second?.errors, 0);
    assert.equal(second?.batchRows, 8);
    assert.equal(second?.queueDepth, 0);
    assert.deepEqual(
      recorder.since(100).map((entry) => entry.t),
      [101],
    );
  });

  it('keeps only the newest seconds', async () => {
    const metrics = createMetrics();
    const recorder = new TrafficRecorder(3);
    for (let t = 0; t < 10; t++) {
      serve(metrics, 0.001);
      recorder.record(t, await readTraffic(metrics));
    }
    assert.deepEqual(
      recorder.since().map((second) => second.t),
      [7, 8, 9],
    );
  });
});

describe('bucketQuantile', () => {
  it('interpolates inside the bucket and stops at the highest bound', () => {
    const bounds = [1, 2, 4];
    // 10 observations ≤ 1, 10 in (1, 2], none in (2, 4], 0 above.
    assert.equal(bucketQuantile(0.5, bounds, [10, 20, 20, 20]), 1);
    assert.equal(bucketQuantile(0.75, bounds, [10, 20, 20, 20]), 1.5);
    assert.equal(bucketQuantile(0.25, bounds, [10, 20, 20, 20]), 0.5);
    assert.equal(bucketQuantile(0.99, bounds, [0, 0, 0, 5]), 4, 'beyond the bounds: the highest');
    assert.equal(bucketQuantile(0.5, bounds, [0, 0, 0, 0]), undefined, 'no observation, no quantile');
  });
});

describe('seconds of several workers', () => {
  it('add up to what one process seeing every request reports (seeded)', async () => {
    const random = mulberry32(20261204);
    const whole = createMetrics();
    const workers = [createMetrics(), createMetrics(), createMetrics()];
    const recorders = workers.map(() => new TrafficRecorder());
    const wholeRecorder = new TrafficRecorder();
    for (const [i, worker] of workers.entries()) recorders[i]!.record(0, await readTraffic(worker));
    wholeRecorder.record(0, await readTraffic(whole));
    for (let t = 1; t <= 5; t++) {
      for (let n = 0; n < 200; n++) {
        const latency = LATENCY_BUCKETS[Math.floor(random() * LATENCY_BUCKETS.length)]! * random() * 1.5;
        const outcome = random() < 0.1 ? 'BERTH_ERR_QUEUE_FULL' : 'ok';
        const rows = 1 + Math.floor(random() * 64);
        serve(whole, latency, outcome, rows);
        serve(workers[Math.floor(random() * workers.length)]!, latency, outcome, rows);
      }
      for (const [i, worker] of workers.entries()) recorders[i]!.record(t, await readTraffic(worker));
      wholeRecorder.record(t, await readTraffic(whole));
    }
    const merged = mergeSeconds(recorders.map((recorder) => recorder.since())).map(toTrafficPoint);
    const alone = wholeRecorder.since().map(toTrafficPoint);
    assert.equal(merged.length, 5);
    assert.deepEqual(merged, alone);
    assert.ok(merged.every((point) => point.requests === 200 && point.p99 !== undefined));
    assert.ok(merged.every((point) => point.p50! <= point.p95! && point.p95! <= point.p99!));
  });
});
