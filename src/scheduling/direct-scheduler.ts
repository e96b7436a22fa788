import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import type { LoadedModel } from '../runtime/runtime.js';
import type { ScheduledResult, ScheduledWork, Scheduler } from './scheduler.js';

/** Runs each request on the model as soon as it arrives; counts what is running so drain can wait. */
export class DirectScheduler implements Scheduler {
  #running = 0;
  #idle: Array<() => void> = [];

  constructor(
    private readonly model: LoadedModel,
    private readonly clock: Clock,
  ) {}

  async enqueue(work: ScheduledWork, signal?: AbortSignal): Promise<ScheduledResult> {
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the request was cancelled before it ran');
    this.#running += 1;
    const started = this.clock.now();
    try {
      const outputs = await this.model.infer(work.inputs, work.outputNames, signal);
      return { outputs, queueMs: 0, computeMs: this.clock.now() - started };
    } finally {
      this.#running -= 1;
      if (this.#running === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  drain(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
