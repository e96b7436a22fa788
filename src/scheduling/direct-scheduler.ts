import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import type { LoadedModel } from '../runtime/runtime.js';
import { Alarm } from './alarm.js';
import { NO_OBSERVER, type BatcherObserver, type RejectReason } from './dynamic-batcher.js';
import { canSplit, DEFAULT_CHUNK_WINDOW, rowsOf, runInChunks, tooManyRowsError } from './large-request.js';
import type { ScheduledResult, ScheduledWork, Scheduler } from './scheduler.js';

/** The berth.yaml settings an unbatched model is still served with (batching-settings.ts gives them). */
export interface DirectSchedulerOptions {
  /** Requests with more rows are split into runs of at most this many (dynamic first dimension only). */
  readonly maxBatchSize: number;
  /** Refuse requests over maxBatchSize (INPUT_SHAPE) instead of splitting them; default false. */
  readonly strictMaxBatchSize?: boolean;
  /** Requests that may wait for a free run; one more is refused at once with QUEUE_FULL. */
  readonly maxQueueSize: number;
  /** How long a request may wait for a free run; 0: no limit. */
  readonly timeoutMs: number;
  /** Names the model in messages, e.g. `model "add" version 2`. */
  readonly label?: string;
}

interface Waiter {
  readonly deadline: number;
  readonly admit: () => void;
  readonly fail: (error: BerthError) => void;
}

/**
 * Runs each request on the model as sent, with bounded admission: up to the model's `concurrency`
 * runs at once, up to maxQueueSize more waiting in arrival order, and QUEUE_FULL past that (as the
 * DynamicBatcher bounds its queue). A waiting request that passes timeoutMs or whose signal aborts
 * fails with CANCELLED. When every input has a dynamic first dimension, a request over maxBatchSize
 * is split as the batcher splits it (or refused when strictMaxBatchSize); a fixed first dimension
 * is left to validation's exact shape.
 */
export class DirectScheduler implements Scheduler {
  readonly #waiting: Waiter[] = [];
  readonly #concurrency: number;
  readonly #splittable: boolean;
  readonly #alarm: Alarm;
  #running = 0;
  #idle: Array<() => void> = [];

  constructor(
    private readonly model: LoadedModel,
    private readonly clock: Clock,
    private readonly options: DirectSchedulerOptions,
    /** The same metrics as the batcher's: runs and their rows, queue depth, rejections by reason. */
    private readonly observer: BatcherObserver = NO_OBSERVER,
  ) {
    this.#concurrency = Math.max(1, model.concurrency ?? 1);
    this.#splittable = canSplit(model.metadata.inputs);
    this.#alarm = new Alarm(clock, () => this.#expire());
  }

  async enqueue(work: ScheduledWork, signal?: AbortSignal): Promise<ScheduledResult> {
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the request was cancelled before it ran');
    const { maxBatchSize } = this.options;
    if (!this.#splittable || rowsOf(work) <= maxBatchSize) return this.#runOne(work, signal);
    if (this.options.strictMaxBatchSize) throw tooManyRowsError(work, maxBatchSize, this.#label());
    const run = (chunk: ScheduledWork, chunkSignal: AbortSignal) => this.#runOne(chunk, chunkSignal);
    const window = Math.min(DEFAULT_CHUNK_WINDOW, this.options.maxQueueSize);
    return runInChunks(work, maxBatchSize, this.model.metadata.outputs, run, signal, window);
  }

  /** Resolves when nothing waits and nothing runs. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #runOne(work: ScheduledWork, signal: AbortSignal | undefined): Promise<ScheduledResult> {
    const enqueuedAt = this.clock.now();
    if (this.#running < this.#concurrency && this.#waiting.length === 0) this.#running += 1;
    else await this.#admission(signal, enqueuedAt);
    const started = this.clock.now();
    this.observer.batch(rowsOf(work));
    try {
      const outputs = await this.model.infer(work.inputs, work.outputNames, signal);
      return { outputs, queueMs: started - enqueuedAt, computeMs: this.clock.now() - started };
    } finally {
      this.#runFinished();
    }
  }

  /** Waits for a free run, which the finishing run hands over (so #running already counts it). */
  #admission(signal: AbortSignal | undefined, now: number): Promise<void> {
    if (this.#waiting.length >= this.options.maxQueueSize) {
      this.observer.rejected('queue_full');
      return Promise.reject(
        new BerthError(
          'QUEUE_FULL',
          `${this.#label()}: ${this.#waiting.length} requests are waiting, the most max_queue_size allows; retry later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void =>
        this.#remove(
          waiter,
          'cancelled',
          new BerthError('CANCELLED', 'the request was cancelled while queued'),
        );
      const waiter: Waiter = {
        deadline: this.options.timeoutMs > 0 ? now + this.options.timeoutMs : Infinity,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
      this.observer.queueDepth(this.#waiting.length);
      if (waiter.deadline !== Infinity) this.#alarm.at(waiter.deadline);
    });
  }

  #runFinished(): void {
    if (this.#waiting.length === 0) {
      this.#running -= 1;
      this.#wakeIfIdle();
      return;
    }
    // The slot is handed over on the next turn (as the batcher flushes), so that a failure this run
    // caused, say a split request's chunk, cancels its queued siblings before one of them takes it.
    setImmediate(() => {
      const next = this.#waiting.shift();
      if (next) {
        this.observer.queueDepth(this.#waiting.length);
        next.admit();
        this.#rearm();
        return;
      }
      this.#running -= 1;
      this.#wakeIfIdle();
    });
  }

  /** Fails the waiters past their deadline (one timeout for all, so they expire in queue order). */
  #expire(): void {
    const now = this.clock.now();
    while (this.#waiting.length > 0 && this.#waiting[0]!.deadline <= now) {
      this.#remove(this.#waiting[0]!, 'timeout', this.#timeoutError());
    }
    this.#rearm();
  }

  #remove(waiter: Waiter, reason: RejectReason, error: BerthError): void {
    const index = this.#waiting.indexOf(waiter);
    if (index < 0) return;
    this.#waiting.splice(index, 1);
    this.observer.rejected(reason);
    this.observer.queueDepth(this.#waiting.length);
    waiter.fail(error);
    if (this.#waiting.length === 0) this.#alarm.cancel();
    this.#wakeIfIdle();
  }

  #rearm(): void {
    const head = this.#waiting[0];
    if (head === undefined) this.#alarm.cancel();
    else if (head.deadline !== Infinity) this.#alarm.at(head.deadline);
  }

  #isIdle(): boolean {
    return this.#running === 0 && this.#waiting.length === 0;
  }

  #wakeIfIdle(): void {
    if (this.#isIdle()) for (const wake of this.#idle.splice(0)) wake();
  }

  #timeoutError(): BerthError {
    return new BerthError(
      'CANCELLED',
      `${this.#label()}: the request waited ${this.options.timeoutMs} ms for a free run without running (timeout_ms)`,
    );
  }

  #label(): string {
    return this.options.label ?? 'the model';
  }
}
