/**
 * Shows a transfer (`berth models pull | push`) to a person: a progress bar with bytes, rate and
 * ETA on a terminal, and on anything else (CI logs, a file) a plain line at a fixed pace, since
 * a redrawn bar there is noise. Either way it ends with one summary line, or one line saying it
 * failed. Progress goes to stderr so stdout keeps only the result.
 */
import type { Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { ProgressMeter } from '../repository/download/progress.js';
import type { ProgressSnapshot, TransferProgress } from '../repository/download/progress.js';
import { createProgressBar } from './progress-bar.js';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  failedLine,
  transferSummary,
  type TransferOutcome,
} from './progress-format.js';
import { colorAllowed, isInteractive, type SignalHost } from './terminal-bar.js';

/** Takes every progress event of one transfer; it decides itself when to draw. */
export interface ProgressReporter {
  update(progress: TransferProgress): void;
  /** A message (a retry warning) printed so that it does not break the bar. */
  note(message: string): void;
  /** The transfer is done: the bar (or the lines) end with one summary line. */
  succeed(outcome: TransferOutcome): void;
  /** The transfer failed: the bar is cleared and, if anything had moved, one line says how far it got. */
  fail(): void;
}

/** Where to report and how; a terminal is detected from the stream unless `tty` says. */
export interface ProgressReporterOptions {
  /** What moves, first on every line: `pull file:///models/recommender@2`. */
  readonly label: string;
  /** process.stderr when absent. */
  readonly stream?: Writable & { isTTY?: boolean; columns?: number };
  readonly tty?: boolean;
  /** For TERM and NO_COLOR; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Pick<Clock, 'now'>;
  /** Pace of the plain lines, ms. */
  readonly intervalMs?: number;
  /** process when absent (the bar restores the terminal on SIGINT / SIGTERM). */
  readonly signals?: SignalHost;
}

/** Plain lines every 5 s: often enough to show a pull is alive, rarely enough for CI logs. */
export const PROGRESS_LINE_INTERVAL_MS = 5_000;

/** A bar on a terminal, plain lines elsewhere. */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const tty = options.tty ?? isInteractive(stream, env);
  const clock = options.clock ?? systemClock;
  if (tty) {
    return createProgressBar({
      label: options.label,
      stream,
      clock,
      color: colorAllowed(env),
      ...(options.signals ? { signals: options.signals } : {}),
    });
  }
  return new LineReporter(
    options.label,
    stream,
    clock,
    new ProgressMeter({ clock, intervalMs: options.intervalMs ?? PROGRESS_LINE_INTERVAL_MS }),
  );
}

/** One line per interval, and a closing line: the summary, or how far a failed transfer got. */
class LineReporter implements ProgressReporter {
  readonly #started: number;
  #moved = false;
  #finished = false;

  constructor(
    readonly label: string,
    readonly stream: Writable,
    readonly clock: Pick<Clock, 'now'>,
    readonly meter: ProgressMeter,
  ) {
    this.#started = clock.now();
  }

  update(progress: TransferProgress): void {
    this.#moved = true;
    const at = this.meter.update(progress);
    if (at !== undefined && at.bytes < at.totalBytes) this.stream.write(`${this.label}: ${describe(at)}\n`);
  }

  note(message: string): void {
    this.stream.write(`${this.label}: ${message}\n`);
  }

  succeed(outcome: TransferOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.stream.write(`${transferSummary(outcome, this.clock.now() - this.#started)}\n`);
  }

  fail(): void {
    if (this.#finished) return;
    this.#finished = true;
    // Nothing moved: the error line berth prints says it all.
    if (this.#moved) this.stream.write(`${failedLine(this.label, this.meter.snapshot())}\n`);
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
