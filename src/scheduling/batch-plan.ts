/**
 * The dynamic batcher's one decision, as a pure function: given the waiting requests (oldest first),
 * which of them run now as one batch, or until when to wait for more.
 */

/** What the plan needs to know of a waiting request. */
export interface QueuedRows {
  /** Rows (first dimension) the request adds to a batch. */
  readonly rows: number;
  /** Requests batch together only when their keys are equal (datatypes and non-batch dims). */
  readonly key: string;
  /** Clock time it was queued, ms. */
  readonly enqueuedAt: number;
}

export interface BatchLimits {
  readonly maxBatchSize: number;
  /** Ascending, each at most maxBatchSize; empty when none are preferred. */
  readonly preferredBatchSizes: readonly number[];
  /** 0: dispatch whatever waits; more: a partial batch may wait this long after its oldest request. */
  readonly maxQueueDelayMs: number;
}

export type BatchPlan =
  | { readonly kind: 'run'; readonly indices: readonly number[]; readonly rows: number }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'idle' };

/**
 * The oldest request and the following ones with its key, in queue order, up to maxBatchSize rows
 * (stopping at the first that would overflow, so no request is overtaken by a later one of its
 * group). The batch runs now when it is full, when the delay is 0 or has passed for its oldest
 * request, or when it reaches the largest preferred size; else the plan says when to look again.
 * With preferred sizes it is cut after the largest prefix whose rows are a preferred size, if any.
 */
export function planBatch(queue: readonly QueuedRows[], limits: BatchLimits, now: number): BatchPlan {
  const head = queue[0];
  if (head === undefined) return { kind: 'idle' };
  const indices: number[] = [];
  const prefixRows: number[] = [];
  let rows = 0;
  let full = false;
  for (let index = 0; index < queue.length; index++) {
    const entry = queue[index]!;
    if (entry.key !== head.key) continue;
    if (rows + entry.rows > limits.maxBatchSize) {
      full = true;
      break;
    }
    indices.push(index);
    rows += entry.rows;
    prefixRows.push(rows);
    if (rows === limits.maxBatchSize) {
      full = true;
      break;
    }
  }
  const preferred = limits.preferredBatchSizes;
  const largestPreferred = preferred[preferred.length - 1];
  const due = head.enqueuedAt + limits.maxQueueDelayMs;
  const ready =
    full ||
    limits.maxQueueDelayMs === 0 ||
    now >= due ||
    (largestPreferred !== undefined && prefixRows.includes(largestPreferred));
  if (!ready) return { kind: 'wait', until: due };
  for (let cut = prefixRows.length - 1; cut >= 0 && preferred.length > 0; cut--) {
    if (preferred.includes(prefixRows[cut]!)) {
      return { kind: 'run', indices: indices.slice(0, cut + 1), rows: prefixRows[cut]! };
    }
  }
  return { kind: 'run', indices, rows };
}
