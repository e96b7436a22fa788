/** The terminal side of the progress reporter: one bar with bytes, percent, rate and ETA. */
import type { Clock } from '../core/clock.js';
import { ProgressMeter } from '../repository/download/progress.js';
import type { ProgressSnapshot, TransferProgress } from '../repository/download/progress.js';
import type { BarView } from './bar-render.js';
import { failedLine, formatBytes, formatDuration, formatRate, transferSummary } from './progress-format.js';
import type { ProgressReporter } from './progress-reporter.js';
import { BAR_REDRAW_MS, TerminalBar, type BarStream, type SignalHost } from './terminal-bar.js';

/** A bar that shows from the first event and is replaced by the summary (or the failure) line. */
export function createProgressBar(options: {
  readonly label: string;
  readonly stream: BarStream;
  readonly clock: Pick<Clock, 'now'>;
  readonly color: boolean;
  readonly signals?: SignalHost;
}): ProgressReporter {
  const started = options.clock.now();
  // The meter's rate is windowed, so the ETA follows a link that speeds up or stalls.
  const meter = new ProgressMeter({ clock: options.clock, intervalMs: BAR_REDRAW_MS });
  const bar = new TerminalBar(options);
  let moved = false;
  let finished = false;
  return {
    update(progress: TransferProgress): void {
      moved = true;
      const at = meter.update(progress);
      // The first frame and the last byte are drawn at once; the bar throttles the rest.
      const last = progress.bytes >= progress.totalBytes;
      bar.draw(barView(options.label, at ?? meter.snapshot()), !bar.shown || last);
    },
    note(message: string): void {
      bar.print(`${message}\n`);
    },
    succeed(outcome): void {
      if (finished) return;
      finished = true;
      bar.end(transferSummary(outcome, options.clock.now() - started));
    },
    fail(): void {
      if (finished) return;
      finished = true;
      bar.end(moved ? failedLine(options.label, meter.snapshot()) : undefined);
    },
  };
}

/** `pull m@1 [███░░░] 50% 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s`. */
export function barView(label: string, at: ProgressSnapshot): BarView {
  return {
    label,
    fraction: at.totalBytes > 0 ? at.bytes / at.totalBytes : undefined,
    fields: [
      `${formatBytes(at.bytes)}/${formatBytes(at.totalBytes)}`,
      formatRate(at.bytesPerSecond),
      `ETA ${formatDuration(at.etaSeconds)}`,
    ],
  };
}
