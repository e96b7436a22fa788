import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelConfigSchema } from '../../../src/core/model-config.js';
import type { TensorSpec } from '../../../src/core/tensor.js';
import { warmupBatchSizes } from '../../../src/registry/warmup.js';
import { batchingSettings, withServerOverrides } from '../../../src/scheduling/batching-settings.js';

const dynamic: TensorSpec[] = [
  { name: 'a', datatype: 'FP32', shape: [-1, 4] },
  { name: 'b', datatype: 'FP32', shape: [-1, 4] },
];
const fixed: TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [2, 3] }];
const config = (value: Record<string, unknown> = {}) => modelConfigSchema.parse(value);

describe('withServerOverrides', () => {
  it('keeps berth.yaml values the server does not set', () => {
    const file = config({ max_batch_size: 16, batching: { max_queue_delay_us: 500, max_queue_size: 9 } });
    assert.deepEqual(withServerOverrides(file, {}), file);
  });

  it('lets every server setting win over berth.yaml', () => {
    const file = config({
      max_batch_size: 16,
      batching: {
        enabled: true,
        max_queue_delay_us: 500,
        max_queue_size: 9,
        timeout_ms: 10,
        preferred_batch_sizes: [8],
      },
    });
    const merged = withServerOverrides(file, {
      batching: false,
      max_batch_size: 64,
      max_queue_delay_us: 0,
      max_queue_size: 100,
      request_timeout_ms: 250,
    });
    assert.equal(merged.max_batch_size, 64);
    assert.deepEqual(merged.batching, {
      enabled: false,
      max_queue_delay_us: 0,
      max_queue_size: 100,
      timeout_ms: 250,
      preferred_batch_sizes: [8],
      strict_max_batch_size: false,
    });
    assert.ok(Object.isFrozen(merged));
  });
});

describe('batchingSettings', () => {
  it('is on by default when every input has a dynamic first dimension, with the schema defaults', () => {
    const settings = batchingSettings(dynamic, config());
    assert.equal(settings.enabled, true);
    assert.equal(settings.refused, false);
    assert.deepEqual(
      {
        maxBatchSize: settings.maxBatchSize,
        maxQueueDelayUs: settings.maxQueueDelayUs,
        preferredBatchSizes: settings.preferredBatchSizes,
        maxQueueSize: settings.maxQueueSize,
        timeoutMs: settings.timeoutMs,
      },
      { maxBatchSize: 32, maxQueueDelayUs: 0, preferredBatchSizes: [], maxQueueSize: 256, timeoutMs: 0 },
    );
    assert.equal(settings.strictMaxBatchSize, false);
  });

  it('refuses large requests only when batching.strict_max_batch_size is set', () => {
    const strict = batchingSettings(dynamic, config({ batching: { strict_max_batch_size: true } }));
    assert.equal(strict.strictMaxBatchSize, true);
  });

  it('is off when turned off, and off with a reason naming the input when the signature cannot batch', () => {
    assert.equal(batchingSettings(dynamic, config({ batching: { enabled: false } })).enabled, false);
    const off = batchingSettings(fixed, config());
    assert.equal(off.enabled, false);
    assert.equal(off.refused, false);
    assert.match(off.reason, /input "x" has a fixed first dimension \(2\)/);
    const asked = batchingSettings(fixed, config({ batching: { enabled: true } }));
    assert.equal(asked.enabled, false);
    assert.equal(asked.refused, true);
    assert.equal(batchingSettings([], config()).enabled, false);
  });

  it('follows the server override over berth.yaml', () => {
    const file = config({ batching: { enabled: false } });
    assert.equal(batchingSettings(dynamic, withServerOverrides(file, { batching: true })).enabled, true);
    const lowered = withServerOverrides(config({ batching: { preferred_batch_sizes: [4, 16, 8] } }), {
      max_batch_size: 8,
    });
    assert.deepEqual(batchingSettings(dynamic, lowered).preferredBatchSizes, [4, 8]);
  });
});

describe('warm-up and the batcher agree', () => {
  it('warms 1, the preferred sizes and max_batch_size, after the server override', () => {
    const file = config({ max_batch_size: 32, batching: { preferred_batch_sizes: [4, 16] } });
    assert.deepEqual(warmupBatchSizes(dynamic, file), [1, 4, 16, 32]);
    assert.deepEqual(warmupBatchSizes(dynamic, withServerOverrides(file, { max_batch_size: 8 })), [1, 4, 8]);
    assert.deepEqual(warmupBatchSizes(fixed, file), [1]);
  });
});
