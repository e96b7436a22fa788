/**
 * Shows a transfer (`berth models pull | push`) to a person: a progress bar with bytes, rate and
 * ETA on a terminal, and on anything else (CI logs, a file) a plain line at a fixed pace, since
 * a redrawn bar there is noise. Progress goes to stderr so stdout keeps only the result.
 */
import type { Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import { ProgressMeter } from '../repository/download/progress.js';
import type { ProgressSnapshot, TransferProgress } from '../repository/download/progress.js';
import { createProgressBar } from './progress-bar.js';
import { formatBytes, formatDuration, formatPercent, formatRate } from './progress-format.js';

/** Takes every progress event of one transfer; it decides itself when to draw. */
export interface ProgressReporter {
  update(progress: TransferProgress): void;
  /** A message (a retry warning) printed so that it does not break the bar. */
  note(message: string): void;
  /** The transfer is over (done or failed): stops the bar, or prints a closing line. */
  finish(): void;
}

/** Where to report and how; a terminal is detected from the stream unless `tty` says. */
export interface ProgressReporterOptions {
  /** What moves, first on every line: `pull file:///models/recommender@2`. */
  readonly label: string;
  /** process.stderr when absent. */
  readonly stream?: Writable & { isTTY?: boolean };
  readonly tty?: boolean;
  readonly clock?: Pick<Clock, 'now'>;
  /** Pace of the plain lines, ms. */
  readonly intervalMs?: number;
}

/** Plain lines every 5 s: often enough to show a pull is alive, rarely enough for CI logs. */
export const PROGRESS_LINE_INTERVAL_MS = 5_000;

/** A bar on a terminal, plain lines elsewhere. */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const clock = options.clock ? { clock: options.clock } : {};
  if (tty) return createProgressBar({ label: options.label, stream, ...clock });
  return new LineReporter(
    options.label,
    stream,
    new ProgressMeter({
      ...clock,
      intervalMs: options.intervalMs ?? PROGRESS_LINE_INTERVAL_MS,
    }),
  );
}

/** One line per interval, and a closing line with the average rate. */
class LineReporter implements ProgressReporter {
  #moved = false;
  #finished = false;

  constructor(
    readonly label: string,
    readonly stream: Writable,
    readonly meter: ProgressMeter,
  ) {}

  update(progress: TransferProgress): void {
    this.#moved = true;
    const at = this.meter.update(progress);
    if (at !== undefined && at.bytes < at.totalBytes) this.stream.write(`${this.label}: ${describe(at)}\n`);
  }

  note(message: string): void {
    this.stream.write(`${this.label}: ${message}\n`);
  }

  finish(): void {
    if (this.#finished || !this.#moved) return;
    this.#finished = true;
    const at = this.meter.snapshot();
    const seconds = at.elapsedMs / 1000;
    const average = seconds > 0 ? formatRate(at.bytes / seconds) : 'instant';
    this.stream.write(`${this.label}: ${formatBytes(at.bytes)} in ${seconds.toFixed(1)} s (${average})\n`);
  }
}

/** `12.0 MiB of 100.0 MiB (12%), 35.2 MiB/s, ETA 3s`. */
export function describe(at: ProgressSnapshot): string {
  const percent = formatPercent(at.bytes, at.totalBytes);
  return (
    `${formatBytes(at.bytes)} of ${formatBytes(at.totalBytes)}${percent ? ` (${percent})` : ''}, ` +
    `${formatRate(at.bytesPerSecond)}, ETA ${formatDuration(at.etaSeconds)}`
  );
}
