/**
 * Poll mode: every `intervalMs` the registry syncs each model with the store, so a newly published
 * version is loaded and switched to, and one removed from the store (or no longer wanted by the
 * version policy) is unloaded. Ticks never overlap: the next wait starts when a sync finishes.
 * Time comes from the injected clock, so tests advance it instead of sleeping.
 */
import type { Clock } from '../core/clock.js';

export interface PollTarget {
  refresh(signal?: AbortSignal): Promise<void>;
}

export class RepositoryPoller {
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #ticks = 0;

  constructor(
    private readonly target: PollTarget,
    private readonly clock: Pick<Clock, 'sleep'>,
    private readonly intervalMs: number,
  ) {}

  /** Syncs finished so far (for tests and the dashboard). */
  get ticks(): number {
    return this.#ticks;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops waiting; a sync in progress is aborted and awaited, so nothing loads after this resolves. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { signal } = this.#stop;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(this.intervalMs, signal);
      } catch {
        return;
      }
      await this.target.refresh(signal).catch(() => undefined);
      this.#ticks += 1;
    }
  }
}
