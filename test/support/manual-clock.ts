/**
 * A Clock whose time moves only when a test says so: `advance(ms)` fires every sleep and timer that
 * falls due, in time order. Code under test sees the same Clock contract as systemClock, so no test
 * depends on how fast the machine is.
 */
import type { Clock, Timer } from '../../src/core/clock.js';

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
  readonly kind: 'sleep' | 'timer';
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
        kind: 'sleep',
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

  setTimer(ms: number, callback: () => void): Timer {
    const timer: Sleeper = { kind: 'timer', at: this.#now + Math.max(0, ms), resolve: callback };
    this.#sleepers.push(timer);
    return {
      clear: () => {
        this.#sleepers = this.#sleepers.filter((other) => other !== timer);
      },
    };
  }

  /** Moves time forward by `ms` and wakes every sleeper and timer due by then, earliest first. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((sleeper) => sleeper.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.at > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Sleeps not yet due (a scheduler with nothing to wait for should hold none). */
  get pendingSleeps(): number {
    return this.#sleepers.filter((sleeper) => sleeper.kind === 'sleep').length;
  }

  /** Timers set and neither due nor cleared (a finished request should leave none). */
  get pendingTimers(): number {
    return this.#sleepers.filter((sleeper) => sleeper.kind === 'timer').length;
  }
}

/** Lets promise callbacks and setImmediate work queued so far run: `turns` full event-loop turns. */
export async function eventLoopTurns(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs event-loop turns (I/O included) until `ready()` holds; throws after `turns` without it. */
export async function turnsUntil(ready: () => boolean, turns = 100_000): Promise<void> {
  for (let turn = 0; !ready(); turn += 1) {
    if (turn >= turns) throw new Error(`condition not met after ${turns} event-loop turns`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
