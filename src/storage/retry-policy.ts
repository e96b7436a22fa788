/**
 * When and how long to wait before trying a store again: exponential backoff with "full jitter"
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015), inside a bounded total time
 * (as Google's ExponentialBackOff `maxElapsedTime`). Time and randomness are injected, so tests
 * drive every delay.
 */
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';

/** Backoff bounds; every field in ms. */
export interface RetryPolicy {
  /** Upper bound of the first wait; each later bound doubles, up to maxDelayMs. */
  readonly initialDelayMs: number;
  /** Largest single wait. */
  readonly maxDelayMs: number;
  /**
   * No retry starts once this much time has passed since the first attempt (or, for a stream,
   * since the last byte that arrived): a store that stays down fails within about this long.
   */
  readonly maxElapsedMs: number;
}

/**
 * 30 s covers a NameNode or S3 gateway restart and a load balancer's health-check cycle, and
 * stays well inside a Kubernetes start-up probe; waits start small (0–200 ms) because most
 * faults (a reset connection, a fail-over) are over at once, and stop growing at 5 s so a store
 * that comes back is noticed within 5 s.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  maxElapsedMs: 30_000,
});

/**
 * The wait before retry number `retry` (1 for the first retry): a uniform draw from
 * [0, min(maxDelayMs, initialDelayMs * 2^(retry-1))). Full jitter spreads the retries of many
 * servers starting at once, so a recovering store is not hit by them all in the same instant.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Only a store that could not be reached is worth another try; every other answer is final. */
export function isRetryable(error: unknown): error is BerthError {
  return error instanceof BerthError && error.id === 'STORE_UNREACHABLE';
}

/**
 * The retry state of one operation: how many attempts failed since the budget (re)started, and
 * whether the next one still fits in `maxElapsedMs`. A stream calls `progress()` on every chunk,
 * so a long download that keeps moving is never cut off by the total bound.
 */
export class RetryBudget {
  #started: number;
  #failures = 0;

  constructor(
    readonly policy: RetryPolicy,
    readonly clock: Pick<Clock, 'now'>,
    readonly random: () => number = Math.random,
  ) {
    this.#started = clock.now();
  }

  /** Attempts that failed since the budget (re)started. */
  get failures(): number {
    return this.#failures;
  }

  /** Time since the budget (re)started, ms. */
  get elapsedMs(): number {
    return this.clock.now() - this.#started;
  }

  /** Records a failure; the wait before the next attempt, or undefined when the budget is spent. */
  next(): number | undefined {
    this.#failures += 1;
    const delay = backoffDelay(this.policy, this.#failures, this.random);
    return this.elapsedMs + delay > this.policy.maxElapsedMs ? undefined : delay;
  }

  /** Data arrived: start a fresh budget. */
  progress(): void {
    if (this.#failures === 0) return; // the common case, on every chunk: nothing to reset
    this.#failures = 0;
    this.#started = this.clock.now();
  }

  /** The error to throw when the budget is spent, naming what, how often, how long and why. */
  exhausted(where: string, cause: BerthError): BerthError {
    const tries = this.#failures === 1 ? '1 attempt' : `${this.#failures} attempts`;
    const seconds = (this.elapsedMs / 1000).toFixed(1);
    return new BerthError(
      'STORE_UNREACHABLE',
      `${where}: still unreachable after ${tries} in ${seconds} s ` +
        `(retry budget ${this.policy.maxElapsedMs} ms); last error: ${cause.message}`,
      { cause },
    );
  }
}

/** Checks a policy once, where it is configured, so a typo fails at start-up, not mid-download. */
export function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  for (const key of ['initialDelayMs', 'maxDelayMs', 'maxElapsedMs'] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new BerthError('INVALID_REQUEST', `retry policy: ${key} must be a number >= 0, got ${value}`);
    }
  }
  return policy;
}
