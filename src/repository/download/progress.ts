/**
 * Transfer progress as numbers for whoever shows it (a terminal bar, log lines): the rate over a
 * recent window rather than since the start, so the ETA follows a link that speeds up or stalls,
 * and a throttle, so a listener called on every chunk can report at a human pace.
 */
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';

/** Bytes moved so far of a known total. */
export interface TransferProgress {
  readonly bytes: number;
  readonly totalBytes: number;
}

/** Where a transfer stands, with its recent rate and the time left at that rate. */
export interface ProgressSnapshot extends TransferProgress {
  /** Bytes per second over the last `windowMs` (since the start when that is shorter). */
  readonly bytesPerSecond: number;
  /** Seconds left at that rate; undefined until a rate is known (something moved, over 0.5 s). */
  readonly etaSeconds: number | undefined;
  readonly elapsedMs: number;
}

/** How often a meter reports and how far back its rate looks. */
export interface ProgressMeterOptions {
  readonly clock?: Pick<Clock, 'now'>;
  /** `update` returns a snapshot at most this often, ms (0: on every call). */
  readonly intervalMs?: number;
  /** The rate is measured over this much recent time, ms. */
  readonly windowMs?: number;
}

/** Samples kept per window: enough for a smooth rate, few enough to prune for free. */
const SAMPLES_PER_WINDOW = 20;

/** The shortest span a rate is trusted over for an ETA, ms. */
const MIN_RATE_SPAN_MS = 500;

/** Measures one transfer; feed it every progress event. */
export class ProgressMeter {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  readonly #started: number;
  #lastReport: number;
  #samples: Array<{ at: number; bytes: number }>;
  #latest: TransferProgress = { bytes: 0, totalBytes: 0 };

  constructor(options: ProgressMeterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? 0;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#started = this.#clock.now();
    this.#lastReport = this.#started;
    this.#samples = [{ at: this.#started, bytes: 0 }];
  }

  /** Records progress; returns a snapshot when `intervalMs` has passed since the last one. */
  update(progress: TransferProgress): ProgressSnapshot | undefined {
    const now = this.#clock.now();
    this.#latest = { bytes: progress.bytes, totalBytes: progress.totalBytes };
    const newest = this.#samples.at(-1);
    if (newest === undefined || now - newest.at >= this.#windowMs / SAMPLES_PER_WINDOW) {
      this.#samples.push({ at: now, bytes: progress.bytes });
      // Keep one sample at or before the window's start, so the window is always covered.
      while (this.#samples.length > 2 && (this.#samples[1]?.at ?? now) <= now - this.#windowMs)
        this.#samples.shift();
    }
    if (now - this.#lastReport < this.#intervalMs) return undefined;
    this.#lastReport = now;
    return this.snapshot();
  }

  /** The state now, whatever the interval. */
  snapshot(): ProgressSnapshot {
    const now = this.#clock.now();
    const { bytes, totalBytes } = this.#latest;
    const oldest = this.#samples[0] ?? { at: this.#started, bytes: 0 };
    const span = now - oldest.at;
    const bytesPerSecond = span > 0 ? ((bytes - oldest.bytes) * 1000) / span : 0;
    const left = Math.max(0, totalBytes - bytes);
    // A rate over a few ms (the first chunk) says little; no ETA until it spans MIN_RATE_SPAN_MS.
    const known = bytesPerSecond > 0 && span >= MIN_RATE_SPAN_MS;
    const etaSeconds = left === 0 ? 0 : known ? left / bytesPerSecond : undefined;
    return { bytes, totalBytes, bytesPerSecond, etaSeconds, elapsedMs: now - this.#started };
  }
}
