/** The terminal side of the progress reporter: one cli-progress bar with bytes, rate and ETA. */
import { Presets, SingleBar } from 'cli-progress';
import type { Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import { ProgressMeter } from '../repository/download/progress.js';
import type { ProgressSnapshot, TransferProgress } from '../repository/download/progress.js';
import { formatBytes, formatDuration, formatRate } from './progress-format.js';
import type { ProgressReporter } from './progress-reporter.js';

/** How often the bar takes a new value: its own redraw rate (10 fps) needs no more. */
const BAR_UPDATE_MS = 100;

/** A bar that starts at the first event (when the total is known) and stays, full, when done. */
export function createProgressBar(options: {
  readonly label: string;
  readonly stream: Writable;
  readonly clock?: Pick<Clock, 'now'>;
}): ProgressReporter {
  const meter = new ProgressMeter({
    intervalMs: BAR_UPDATE_MS,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const bar = new SingleBar(
    {
      stream: options.stream,
      // cli-progress's own {eta} averages a few updates; the meter's windowed rate is steadier.
      format: `${options.label} [{bar}] {percentage}% | {done} of {size} | {rate} | ETA {left}`,
      barsize: 30,
      hideCursor: true,
      gracefulExit: true,
      linewrap: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  const payload = (at: ProgressSnapshot) => ({
    done: formatBytes(at.bytes),
    size: formatBytes(at.totalBytes),
    rate: formatRate(at.bytesPerSecond),
    left: formatDuration(at.etaSeconds),
  });
  return {
    update(progress: TransferProgress): void {
      const at = meter.update(progress);
      if (!started) {
        started = true;
        const now = meter.snapshot();
        bar.start(progress.totalBytes, progress.bytes, payload(now));
        return;
      }
      // The last frame is drawn when the last byte arrives, so the rate shown is the transfer's,
      // not diluted by what follows it (fsync, the copy out of the cache).
      const last = progress.bytes >= progress.totalBytes;
      if (at !== undefined || last) bar.update(progress.bytes, payload(at ?? meter.snapshot()));
    },
    note(message: string): void {
      // Clear the bar's line, print the message on its own line; the next redraw puts the bar back.
      options.stream.write(`\r\x1b[K${message}\n`);
    },
    finish(): void {
      if (!started) return;
      bar.stop();
      started = false;
    },
  };
}
