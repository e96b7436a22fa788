import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch, type BatchLimits, type QueuedRows } from '../../../src/scheduling/batch-plan.js';

const queued = (rows: number, key = '', enqueuedAt = 0): QueuedRows => ({ rows, key, enqueuedAt });
const limits = (overrides: Partial<BatchLimits> = {}): BatchLimits => ({
  maxBatchSize: 8,
  preferredBatchSizes: [],
  maxQueueDelayMs: 0,
  ...overrides,
});

describe('planBatch', () => {
  it('is idle with nothing queued', () => {
    assert.deepEqual(planBatch([], limits(), 0), { kind: 'idle' });
  });

  it('takes everything queued up to max_batch_size, stopping at the first request that would overflow', () => {
    const queue = [queued(3), queued(4), queued(2), queued(1)];
    assert.deepEqual(planBatch(queue, limits(), 0), { kind: 'run', indices: [0, 1], rows: 7 });
    assert.deepEqual(planBatch(queue.slice(2), limits(), 0), { kind: 'run', indices: [0, 1], rows: 3 });
  });

  it("takes only requests with the oldest one's shape key, from anywhere in the queue", () => {
    const queue = [queued(1, 'a'), queued(1, 'b'), queued(2, 'a'), queued(1, 'b')];
    assert.deepEqual(planBatch(queue, limits(), 0), { kind: 'run', indices: [0, 2], rows: 3 });
  });

  it('cuts at the largest preferred size a prefix reaches, else takes all', () => {
    const preferred = limits({ preferredBatchSizes: [2, 4] });
    const singles = Array.from({ length: 7 }, () => queued(1));
    assert.deepEqual(planBatch(singles, preferred, 0), { kind: 'run', indices: [0, 1, 2, 3], rows: 4 });
    assert.deepEqual(planBatch(singles.slice(0, 3), preferred, 0), { kind: 'run', indices: [0, 1], rows: 2 });
    assert.deepEqual(planBatch([queued(3)], preferred, 0), { kind: 'run', indices: [0], rows: 3 });
  });

  it('with a queue delay, waits for more rows until the oldest request has waited that long', () => {
    const delayed = limits({ maxQueueDelayMs: 5 });
    const queue = [queued(1, '', 10), queued(2, '', 12)];
    assert.deepEqual(planBatch(queue, delayed, 14), { kind: 'wait', until: 15 });
    assert.deepEqual(planBatch(queue, delayed, 15), { kind: 'run', indices: [0, 1], rows: 3 });
  });

  it('with a queue delay, runs at once when the batch is full or reaches the largest preferred size', () => {
    const delayed = limits({ maxQueueDelayMs: 5, maxBatchSize: 4 });
    assert.equal(planBatch([queued(2), queued(2)], delayed, 0).kind, 'run');
    assert.equal(planBatch([queued(2), queued(3)], delayed, 0).kind, 'run');
    const preferred = limits({ maxQueueDelayMs: 5, preferredBatchSizes: [2, 3] });
    assert.deepEqual(planBatch([queued(1), queued(1)], preferred, 0), { kind: 'wait', until: 5 });
    assert.deepEqual(planBatch([queued(1), queued(1), queued(1)], preferred, 0), {
      kind: 'run',
      indices: [0, 1, 2],
      rows: 3,
    });
  });
});
