/**
 * A Clock whose time moves only when a test says so: `advance(ms)` fires every sleep that falls due,
 * in time order. Code under test sees the same Clock contract as systemClock, so no test depends on
 * how fast the machine is.
 */
import type { Clock } from '../../src/core/clock.js';

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

export class ManualClock implements Clock {
  #now = 0;
  #sleepers: Sleeper[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((other) => other !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms` and wakes every sleeper due by then, earliest first. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((sleeper) => sleeper.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.at > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Sleeps not yet due (a scheduler with nothing to wait for should hold none). */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }
}

/** Lets promise callbacks and setImmediate work queued so far run: `turns` full event-loop turns. */
export async function eventLoopTurns(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
