/**
 * Counts HTTP requests in flight and remembers when the last one arrived, so shutdown can wait for
 * a quiet moment: connections that queued in the kernel while a model held the event loop are
 * accepted and answered (503) before the listener closes, instead of being reset.
 */
export class RequestTracker {
  #inFlight = 0;
  #lastStartMs = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  started(): void {
    this.#inFlight += 1;
    this.#lastStartMs = this.now();
  }

  finished(): void {
    this.#inFlight -= 1;
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
