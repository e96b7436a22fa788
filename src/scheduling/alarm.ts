import type { Clock } from '../core/clock.js';

/**
 * One re-armable wake-up on the injected Clock: `at(time)` keeps the earliest time asked for, so a
 * scheduler holds a single timer however many requests wait. `cancel` drops it (an idle scheduler
 * holds no timer, so it never keeps the process alive).
 */
export class Alarm {
  #at = Infinity;
  #controller: AbortController | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onFire: () => void,
  ) {}

  /** Fires `onFire` at clock time `time` (ms), unless an earlier wake-up is already set. */
  at(time: number): void {
    if (time >= this.#at) return;
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#at = time;
    this.clock.sleep(Math.max(0, time - this.clock.now()), controller.signal).then(
      () => {
        if (this.#controller !== controller) return;
        this.#controller = undefined;
        this.#at = Infinity;
        this.onFire();
      },
      () => undefined, // cancelled or re-armed earlier
    );
  }

  cancel(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    this.#at = Infinity;
  }
}
