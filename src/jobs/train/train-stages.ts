/**
 * The stages of a `berth train` run, timed on the injected clock. The caller (the CLI) makes the
 * timer and passes it in, so it can sum the run up whether it published or failed part-way.
 */
import type { Clock } from '../../core/clock.js';

/** The stages in the order a run goes through them; `validate` is skipped when nothing was written. */
export const TRAIN_STAGES = ['fetch code', 'stage data', 'run', 'validate', 'publish'] as const;
export type TrainStage = (typeof TRAIN_STAGES)[number];

/** One stage that ran: how long it took, and whether it ended the run by failing. */
export interface StageTiming {
  readonly stage: TrainStage;
  readonly ms: number;
  readonly ok: boolean;
}

/** Records each stage's duration as it runs; `timings` holds the stages begun so far, in order. */
export class StageTimer {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #started: number;
  readonly #timings: StageTiming[] = [];

  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
    this.#started = clock.now();
  }

  /** Runs one stage and records how long it took, also when it throws (then `ok: false`). */
  async time<T>(stage: TrainStage, step: () => Promise<T>): Promise<T> {
    const start = this.#clock.now();
    try {
      const value = await step();
      this.#timings.push({ stage, ms: this.#clock.now() - start, ok: true });
      return value;
    } catch (error) {
      this.#timings.push({ stage, ms: this.#clock.now() - start, ok: false });
      throw error;
    }
  }

  get timings(): readonly StageTiming[] {
    return [...this.#timings];
  }

  /** Time since the timer was made (the whole run, set-up and clean-up included). */
  get elapsedMs(): number {
    return this.#clock.now() - this.#started;
  }
}
