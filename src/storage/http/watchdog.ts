/**
 * The request timeout of every store HTTP exchange (the http store's fetch, WebHDFS's node:http),
 * on the injected Clock, so tests fire it by advancing a ManualClock instead of waiting.
 */
import type { Clock, Timer } from '../../core/clock.js';

/**
 * Aborts the exchange when the server is silent for `timeoutMs`, or when the caller's signal fires.
 * It bounds each wait (for headers, for the next body chunk), not the whole transfer, so a large
 * model that keeps arriving is never cut off, while a stalled server is.
 */
export class Watchdog {
  readonly signal: AbortSignal;
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #clock: Clock;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller?.reason);
  #timer: Timer | undefined;

  constructor(
    readonly timeoutMs: number,
    clock: Clock,
    caller?: AbortSignal,
  ) {
    this.signal = this.#controller.signal;
    this.#clock = clock;
    this.#caller = caller;
    // An already-aborted signal fires no event: abort now, so the request fails as CANCELLED.
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Starts (or restarts) the clock for one wait on the server. */
  arm(): void {
    this.#timer?.clear();
    this.#timer = this.#clock.setTimer(this.timeoutMs, () => {
      this.timedOut = true;
      this.#controller.abort(new Error(`no response within ${this.timeoutMs} ms`));
    });
  }

  /** Stops the clock while the consumer, not the server, is the one taking time. */
  disarm(): void {
    this.#timer?.clear();
    this.#timer = undefined;
  }

  /** Releases the timer and the caller's listener; the exchange is over. */
  dispose(): void {
    this.disarm();
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  /** True when the caller, not the timeout, cancelled the exchange. */
  get cancelled(): boolean {
    return this.#caller?.aborted === true;
  }
}
