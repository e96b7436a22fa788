/**
 * Admission for every transport: whether new work is taken (not while draining), how many requests
 * are in flight, and when the last one arrived, so shutdown can wait for a quiet moment: connections
 * that queued in the kernel while a model held the event loop are answered (503) before the
 * listeners close, instead of being reset.
 */
import { BerthError } from '../core/errors.js';

export class Admission {
  #draining = false;
  #inFlight = 0;
  #lastStartMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Counts one request in; the returned release counts it out (safe to call more than once). Counted
   * even when it is refused, so shutdown waits for the refusal to be answered too.
   */
  track(): () => void {
    this.#inFlight += 1;
    this.#lastStartMs = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
    };
  }

  /** Throws SHUTTING_DOWN once draining has started; health probes skip this check. */
  assertAccepting(): void {
    if (this.#draining)
      throw new BerthError('SHUTTING_DOWN', 'the server is shutting down and takes no new requests');
  }

  /** From now on new work is refused and readiness is false. */
  startDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves once nothing is in flight and nothing started for `quietMs`. */
  async quiet(quietMs: number, pollMs = 10): Promise<void> {
    while (this.#inFlight > 0 || this.now() - this.#lastStartMs < quietMs) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
