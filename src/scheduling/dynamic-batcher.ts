import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import type { Tensor, TensorSpec } from '../core/tensor.js';
import type { LoadedModel } from '../runtime/runtime.js';
import { Alarm } from './alarm.js';
import { planBatch, type BatchLimits, type QueuedRows } from './batch-plan.js';
import { concatInputs, splitOutputs } from './batch-tensor.js';
import { DEFAULT_CHUNK_WINDOW, rowsOf, runInChunks, tooManyRowsError } from './large-request.js';
import type { ScheduledResult, ScheduledWork, Scheduler } from './scheduler.js';

/** Settings of one batcher, as berth.yaml `batching` and `max_batch_size` give them (after overrides). */
export interface DynamicBatcherOptions {
  readonly maxBatchSize: number;
  /** 0: never hold a batch back for more rows. */
  readonly maxQueueDelayUs: number;
  readonly preferredBatchSizes: readonly number[];
  /** Requests that may wait; one more is refused at once with QUEUE_FULL. */
  readonly maxQueueSize: number;
  /** How long a request may wait in the queue (not run); 0: no limit. */
  readonly timeoutMs: number;
  /** Refuse requests over maxBatchSize (INPUT_SHAPE) instead of splitting them; default false. */
  readonly strictMaxBatchSize?: boolean;
  /** Names the model in messages, e.g. `model "add" version 2`. */
  readonly label?: string;
}

export type RejectReason = 'queue_full' | 'timeout' | 'cancelled';

/** What the batcher reports as it works (metrics are wired to it by the composition root). */
export interface BatcherObserver {
  /** A run started with this many rows. */
  batch(rows: number): void;
  /** Requests waiting changed. */
  queueDepth(waiting: number): void;
  rejected(reason: RejectReason): void;
}

export const NO_OBSERVER: BatcherObserver = { batch: () => {}, queueDepth: () => {}, rejected: () => {} };

interface Pending extends QueuedRows {
  readonly work: ScheduledWork;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (result: ScheduledResult) => void;
  readonly reject: (error: unknown) => void;
  /** Clock time after which it fails if still queued; Infinity without a timeout. */
  readonly deadline: number;
  onAbort?: () => void;
}

/**
 * A Scheduler that batches (Triton's dynamic batcher, measured for Node here): it adds no latency at
 * low load — a request runs at once when one of the model's `concurrency` runs is free. Requests that
 * arrive while every run is busy wait in a bounded queue; when a run frees, on the next event-loop
 * turn (so requests that arrived in the same turn join), the waiting requests with the oldest one's
 * shape key run as one batch of up to maxBatchSize rows, cut at a preferred size when one is set.
 * `maxQueueDelayUs` > 0 opts into holding a partial batch back up to that long for more rows, even
 * when idle. A request with more rows than maxBatchSize is split into chunks of at most maxBatchSize
 * rows that queue (and batch) like requests of their own and are answered as one, rows in order
 * (large-request.ts); `strictMaxBatchSize` refuses it with INPUT_SHAPE instead, as Triton does.
 * One more than maxQueueSize waiting is refused at once with QUEUE_FULL. A waiting request that
 * passes timeoutMs or whose signal aborts is removed and fails with CANCELLED; a started run cannot
 * be stopped. A failed batch fails each of its requests with the same cause.
 */
export class DynamicBatcher implements Scheduler {
  readonly #queue: Pending[] = [];
  readonly #concurrency: number;
  readonly #limits: BatchLimits;
  readonly #alarm: Alarm;
  /** True when every input's non-batch dims are fixed, so every validated request has one key. */
  readonly #oneKey: boolean;
  #running = 0;
  #flushScheduled = false;
  #idle: Array<() => void> = [];

  constructor(
    private readonly model: LoadedModel,
    private readonly options: DynamicBatcherOptions,
    private readonly clock: Clock,
    private readonly observer: BatcherObserver = NO_OBSERVER,
  ) {
    this.#concurrency = Math.max(1, model.concurrency ?? 1);
    this.#limits = {
      maxBatchSize: options.maxBatchSize,
      preferredBatchSizes: [...new Set(options.preferredBatchSizes)]
        .filter((size) => size <= options.maxBatchSize)
        .sort((a, b) => a - b),
      maxQueueDelayMs: options.maxQueueDelayUs / 1000,
    };
    this.#alarm = new Alarm(clock, () => this.#flush());
    this.#oneKey = model.metadata.inputs.every((spec) => spec.shape.slice(1).every((dim) => dim >= 0));
  }

  async enqueue(work: ScheduledWork, signal?: AbortSignal): Promise<ScheduledResult> {
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the request was cancelled before it ran');
    const rows = rowsOf(work);
    if (rows <= this.options.maxBatchSize) return this.#enqueueOne(work, rows, signal);
    // No run ever exceeds max_batch_size, so warm-up covers every run and memory stays as promised.
    if (this.options.strictMaxBatchSize)
      throw tooManyRowsError(work, this.options.maxBatchSize, this.#label());
    return runInChunks(
      work,
      this.options.maxBatchSize,
      this.model.metadata.outputs,
      (chunk, chunkSignal) => this.#enqueueOne(chunk, rowsOf(chunk), chunkSignal),
      signal,
      Math.min(DEFAULT_CHUNK_WINDOW, this.options.maxQueueSize),
    );
  }

  /** One request of at most maxBatchSize rows: at once when a run is free, else into the queue. */
  async #enqueueOne(
    work: ScheduledWork,
    rows: number,
    signal: AbortSignal | undefined,
  ): Promise<ScheduledResult> {
    const now = this.clock.now();
    if (this.#running < this.#concurrency && this.#queue.length === 0 && this.#limits.maxQueueDelayMs === 0) {
      return this.#runAlone(work, rows, signal, now);
    }
    if (this.#queue.length >= this.options.maxQueueSize) {
      this.observer.rejected('queue_full');
      throw new BerthError(
        'QUEUE_FULL',
        `${this.#label()}: ${this.#queue.length} requests are waiting, the most max_queue_size allows; retry later`,
      );
    }
    return new Promise<ScheduledResult>((resolve, reject) => {
      const pending: Pending = {
        work,
        rows,
        key: this.#oneKey ? '' : shapeKey(this.model.metadata.inputs, work.inputs),
        enqueuedAt: now,
        deadline: this.options.timeoutMs > 0 ? now + this.options.timeoutMs : Infinity,
        signal,
        resolve,
        reject,
      };
      if (signal) {
        pending.onAbort = () =>
          this.#remove(
            pending,
            'cancelled',
            new BerthError('CANCELLED', 'the request was cancelled while queued'),
          );
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#queue.push(pending);
      this.observer.queueDepth(this.#queue.length);
      if (pending.deadline !== Infinity) this.#alarm.at(pending.deadline);
      this.#scheduleFlush();
    });
  }

  /** Resolves when nothing waits and nothing runs. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The fast path: a free run and nobody waiting, so no queue, no copy, no timer. */
  async #runAlone(
    work: ScheduledWork,
    rows: number,
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<ScheduledResult> {
    this.#running += 1;
    this.observer.batch(rows);
    try {
      const outputs = await this.model.infer(work.inputs, work.outputNames, signal);
      return { outputs, queueMs: 0, computeMs: this.clock.now() - started };
    } finally {
      this.#runFinished();
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#running >= this.#concurrency) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** Fails what timed out, then starts batches while runs are free and the plan says go. */
  #flush(): void {
    const now = this.clock.now();
    while (this.#queue.length > 0 && this.#queue[0]!.deadline <= now) {
      this.#remove(this.#queue[0]!, 'timeout', this.#timeoutError());
    }
    while (this.#running < this.#concurrency) {
      const plan = planBatch(this.#queue, this.#limits, now);
      if (plan.kind === 'idle') break;
      if (plan.kind === 'wait') {
        this.#alarm.at(plan.until);
        break;
      }
      void this.#runBatch(this.#take(plan.indices), plan.rows, now);
    }
    const head = this.#queue[0];
    if (head === undefined) this.#alarm.cancel();
    else if (head.deadline !== Infinity) this.#alarm.at(head.deadline);
  }

  /** Removes the planned requests from the queue (usually a prefix) and detaches their abort listeners. */
  #take(indices: readonly number[]): Pending[] {
    const last = indices[indices.length - 1]!;
    let taken: Pending[];
    if (last === indices.length - 1) taken = this.#queue.splice(0, indices.length);
    else {
      const chosen = new Set(indices);
      taken = indices.map((index) => this.#queue[index]!);
      const rest = this.#queue.filter((_, index) => !chosen.has(index));
      this.#queue.splice(0, this.#queue.length, ...rest);
    }
    for (const pending of taken) this.#detach(pending);
    this.observer.queueDepth(this.#queue.length);
    return taken;
  }

  async #runBatch(batch: readonly Pending[], rows: number, started: number): Promise<void> {
    this.#running += 1;
    this.observer.batch(rows);
    try {
      if (batch.length === 1) {
        const only = batch[0]!;
        const outputs = await this.model.infer(only.work.inputs, only.work.outputNames, only.signal);
        only.resolve(this.#result(only, outputs, started));
        return;
      }
      const outputNames = [...new Set(batch.flatMap((pending) => pending.work.outputNames))];
      const outputs = await this.model.infer(
        concatInputs(batch.map((pending) => pending.work.inputs)),
        outputNames,
      );
      const parts = splitOutputs(
        outputs,
        batch.map((pending) => pending.rows),
        this.model.metadata.outputs,
      );
      batch.forEach((pending, index) => {
        const mine = parts[index]!;
        const wanted = pending.work.outputNames;
        const outputsOf =
          wanted.length === mine.size ? mine : new Map(wanted.map((name) => [name, mine.get(name)!]));
        pending.resolve(this.#result(pending, outputsOf, started));
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.#runFinished();
    }
  }

  #result(pending: Pending, outputs: Map<string, Tensor>, started: number): ScheduledResult {
    return { outputs, queueMs: started - pending.enqueuedAt, computeMs: this.clock.now() - started };
  }

  #runFinished(): void {
    this.#running -= 1;
    if (this.#queue.length > 0) this.#scheduleFlush();
    else this.#wakeIfIdle();
  }

  /** Takes a waiting request out of the queue and fails it (timeout or abort). */
  #remove(pending: Pending, reason: RejectReason, error: BerthError): void {
    const index = this.#queue.indexOf(pending);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    this.#detach(pending);
    this.observer.queueDepth(this.#queue.length);
    this.observer.rejected(reason);
    pending.reject(error);
    if (this.#queue.length === 0) {
      this.#alarm.cancel();
      this.#wakeIfIdle();
    }
  }

  #detach(pending: Pending): void {
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
  }

  #isIdle(): boolean {
    return this.#running === 0 && this.#queue.length === 0;
  }

  #wakeIfIdle(): void {
    if (this.#isIdle()) for (const wake of this.#idle.splice(0)) wake();
  }

  #timeoutError(): BerthError {
    return new BerthError(
      'CANCELLED',
      `${this.#label()}: the request waited ${this.options.timeoutMs} ms in the queue without running (timeout_ms)`,
    );
  }

  #label(): string {
    return this.options.label ?? 'the model';
  }
}

/** Requests can share a batch only when every input agrees on datatype and the dims after the first. */
function shapeKey(specs: readonly TensorSpec[], inputs: ReadonlyMap<string, Tensor>): string {
  let key = '';
  for (const spec of specs) {
    const tensor = inputs.get(spec.name);
    if (tensor) key += `${spec.name}:${tensor.datatype}:${tensor.shape.slice(1).join('x')};`;
  }
  return key;
}
