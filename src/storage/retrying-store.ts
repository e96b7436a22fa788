/**
 * Retries transient store faults around any backend, so no backend carries retry code of its own
 * (composition over flags, as undici's retry interceptor). Only idempotent calls are retried:
 * stat, list and read. A read that breaks mid-stream continues with a range request from the
 * first byte not yet delivered, so the caller sees one unbroken stream; the caller's sha256 over
 * the whole file still proves the pieces fit (a file replaced between two requests fails it).
 */
import { Readable } from 'node:stream';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { ForwardingStore } from './forwarding-store.js';
import type { ModelStore, ReadOptions, StoreEntry } from './model-store.js';
import { checkRetryPolicy, DEFAULT_RETRY_POLICY, isRetryable, RetryBudget } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';
import { storeUriOf } from './store-path.js';

/** Where retries are reported; a pino Logger fits. */
export interface RetryLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The backoff bounds, and the injected time, randomness and logger. */
export interface RetryingStoreOptions {
  /** DEFAULT_RETRY_POLICY when absent. */
  readonly policy?: RetryPolicy;
  /** Measures the budget and sleeps between attempts; the system clock when absent. */
  readonly clock?: Clock;
  /** A uniform draw from [0, 1) for the jitter; Math.random when absent. */
  readonly random?: () => number;
  /** Told of every retry (warn); silent when absent. */
  readonly logger?: RetryLogger;
}

/** Wraps `store` in a RetryingStore, unless it already is one. */
export function withRetries(store: ModelStore, options: RetryingStoreOptions = {}): ModelStore {
  return store instanceof RetryingStore ? store : new RetryingStore(store, options);
}

/**
 * A ModelStore whose stat, list and read retry STORE_UNREACHABLE with backoff and jitter inside
 * the policy's total time, then throw STORE_UNREACHABLE naming the URI, the attempts and the last
 * cause. Writes, renames and deletes go through once: a retried write could publish twice.
 */
export class RetryingStore extends ForwardingStore {
  readonly #policy: RetryPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: RetryLogger | undefined;

  constructor(inner: ModelStore, options: RetryingStoreOptions = {}) {
    super(inner);
    this.#policy = checkRetryPolicy(options.policy ?? DEFAULT_RETRY_POLICY);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger;
  }

  override stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    return this.#attempt(this.#budget(), path, signal, () => this.inner.stat(path, signal));
  }

  override list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return this.#attempt(this.#budget(), path, signal, () => this.inner.list(path, signal));
  }

  override listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return this.#attempt(this.#budget(), path, signal, () => this.inner.listTemp(path, signal));
  }

  override async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset = 0, length } = options;
    const budget = this.#budget();
    // Aborted when the caller destroys the stream, so a pending wait or reopen stops at once.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const open = (delivered: number): Promise<Readable> =>
      this.#attempt(budget, path, signal, () =>
        this.inner.read(path, {
          offset: offset + delivered,
          ...(length === undefined ? {} : { length: length - delivered }),
          signal,
        }),
      );
    // The first open is awaited here, so a missing file fails read() itself, as the contract says.
    const first = await open(0);
    return resumingStream(first, {
      budget,
      stop,
      complete: (delivered) => length !== undefined && delivered >= length,
      resume: async (delivered, error) => {
        await this.#pause(budget, path, error, signal, { offset: offset + delivered });
        return open(delivered);
      },
    });
  }

  #budget(): RetryBudget {
    return new RetryBudget(this.#policy, this.#clock, this.#random);
  }

  /** Runs `operation` until it succeeds, fails for good, or the budget is spent. */
  async #attempt<T>(
    budget: RetryBudget,
    path: string,
    signal: AbortSignal | undefined,
    operation: () => Promise<T>,
  ): Promise<T> {
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (!isRetryable(error) || signal?.aborted) throw error;
        await this.#pause(budget, path, error, signal);
      }
    }
  }

  /** Waits out the backoff after `error`, or throws when the budget is spent or the caller gives up. */
  async #pause(
    budget: RetryBudget,
    path: string,
    error: BerthError,
    signal: AbortSignal | undefined,
    fields: Record<string, unknown> = {},
  ): Promise<void> {
    const where = storeUriOf(this.uri, path);
    const delayMs = budget.next();
    if (delayMs === undefined) throw budget.exhausted(where, error);
    this.#logger?.warn(
      { uri: where, attempt: budget.failures, delayMs, ...fields, cause: error.message },
      'store unreachable; retrying',
    );
    try {
      await this.#clock.sleep(delayMs, signal);
    } catch (reason) {
      throw new BerthError('CANCELLED', `${where}: cancelled while waiting to retry`, { cause: reason });
    }
  }
}

interface Resume {
  readonly budget: RetryBudget;
  readonly stop: AbortController;
  /** True when every asked-for byte has been delivered (a fault after that needs no retry). */
  complete(delivered: number): boolean;
  /** Waits, then opens the rest of the file from byte `delivered`; throws when giving up. */
  resume(delivered: number, error: BerthError): Promise<Readable>;
}

/**
 * One stream over a sequence of inner streams: when one fails with a retryable error, the next is
 * opened where it stopped. Backpressure passes through: nothing is read from the inner stream
 * while the consumer is not asking for more, so memory stays at one chunk beyond the buffers.
 */
function resumingStream(first: Readable, how: Resume): Readable {
  let current = first;
  let delivered = 0;
  let started = false;
  // The consumer asked for more: `wake` when the pump waits for that, else `wanted` remembers it
  // (read() can come before the pump starts waiting, and a lost call would stall the stream).
  let wake: (() => void) | undefined;
  let wanted = false;
  const pump = async (): Promise<void> => {
    for (;;) {
      try {
        for await (const chunk of current) {
          if (out.destroyed) return;
          const bytes = chunk as Buffer;
          delivered += bytes.byteLength;
          how.budget.progress();
          if (out.push(bytes)) continue;
          if (wanted) wanted = false;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
        return;
      } catch (error) {
        if (out.destroyed || how.complete(delivered)) return; // nothing more is wanted
        if (!isRetryable(error)) throw error;
        current = await how.resume(delivered, error);
      }
    }
  };
  const out = new Readable({
    read() {
      if (started) {
        const waiting = wake;
        wake = undefined;
        if (waiting) waiting();
        else wanted = true;
        return;
      }
      started = true;
      pump().then(
        () => {
          if (!out.destroyed) out.push(null);
        },
        (error: unknown) => out.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      how.stop.abort();
      current.destroy();
      wake?.();
      callback(error);
    },
  });
  return out;
}
