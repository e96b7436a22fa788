/**
 * Shows a batch job to a person: on a terminal a bar over parts with rows, rows/s and ETA, ended
 * by a summary line (or a line saying it failed); elsewhere structured log lines at a fixed pace.
 * Both measure time on the injected clock.
 */
import type { Clock } from '../core/clock.js';
import type { BatchProgress, BatchSummary } from '../jobs/batch/batch-runner.js';
import type { Logger } from '../observability/logger.js';
import { ProgressMeter, type ProgressSnapshot } from '../repository/download/progress.js';
import type { BarView } from './bar-render.js';
import { formatDuration, formatSeconds, plural } from './progress-format.js';
import { PROGRESS_LINE_INTERVAL_MS } from './progress-reporter.js';
import { BAR_REDRAW_MS, type TerminalBar } from './terminal-bar.js';

/** Takes every progress event of a job; decides itself when to draw. */
export interface BatchProgressReporter {
  update(progress: BatchProgress): void;
  /** The job is done: on a terminal the bar gives way to `batchDoneLine`. */
  succeed(summary: BatchSummary, outputUri: string): void;
  /** The job failed: the bar is cleared; if anything was done, one line (or log) says how far it got. */
  fail(): void;
}

/** A bar when given a terminal bar, log lines every PROGRESS_LINE_INTERVAL_MS otherwise. */
export function createBatchProgress(options: {
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'now'>;
  /** The bar to draw on (stderr is a terminal); absent: log lines. */
  readonly bar?: TerminalBar;
}): BatchProgressReporter {
  const { bar, clock } = options;
  const started = clock.now();
  // The meter counts rows as it would bytes; the total is estimated from the parts done so far.
  const meter = new ProgressMeter({ clock, intervalMs: bar ? BAR_REDRAW_MS : PROGRESS_LINE_INTERVAL_MS });
  let last: BatchProgress | undefined;
  let finished = false;
  const view = (progress: BatchProgress) => {
    last = progress;
    const perPart = progress.partsDone > 0 ? progress.rowsIn / progress.partsDone : 0;
    const total = Math.max(progress.rowsIn, Math.round(perPart * progress.parts));
    return meter.update({ bytes: progress.rowsIn, totalBytes: total });
  };
  const elapsed = () => formatSeconds(clock.now() - started);
  if (bar === undefined) {
    return {
      update(progress) {
        const at = view(progress);
        if (at === undefined) return;
        options.logger.info({ ...counts(progress), ...rates(progress, at) }, 'batch progress');
      },
      succeed() {
        finished = true; // the command logs 'batch job finished' with the summary
      },
      fail() {
        if (finished || last === undefined) return;
        finished = true;
        options.logger.error(
          { ...counts(last), seconds: (clock.now() - started) / 1000 },
          'batch job failed',
        );
      },
    };
  }
  return {
    update(progress) {
      const at = view(progress) ?? meter.snapshot();
      const first = !bar.shown;
      bar.draw(batchBarView(progress, at), first || progress.partsDone === progress.parts);
    },
    succeed(summary, outputUri) {
      if (finished) return;
      finished = true;
      bar.end(batchDoneLine(summary, outputUri));
    },
    fail() {
      if (finished) return;
      finished = true;
      bar.end(last === undefined ? undefined : batchFailedLine(last, elapsed()));
    },
  };
}

/** The counts alone, whatever else the event carries. */
function counts(progress: BatchProgress): BatchProgress {
  const { parts, partsDone, rowsIn, rowsOut, rowsRejected } = progress;
  return { parts, partsDone, rowsIn, rowsOut, rowsRejected };
}

function rates(progress: BatchProgress, at: ProgressSnapshot) {
  const eta = etaOf(progress, at);
  return {
    rowsPerSecond: Math.round(at.bytesPerSecond),
    etaSeconds: eta === undefined ? null : Math.ceil(eta),
  };
}

/** Seconds left; unknown until a part is done, as the total is estimated from the parts done. */
function etaOf(progress: BatchProgress, at: ProgressSnapshot): number | undefined {
  return progress.partsDone === 0 && progress.parts > 0 ? undefined : at.etaSeconds;
}

/** `batch [█████░░░░░]  50% 2/4 parts 1234 rows 250 rows/s ETA 5s`. */
export function batchBarView(progress: BatchProgress, at: ProgressSnapshot): BarView {
  return {
    label: 'batch',
    fraction: progress.parts > 0 ? progress.partsDone / progress.parts : undefined,
    fields: [
      `${progress.partsDone}/${plural(progress.parts, 'part')}`,
      plural(progress.rowsIn, 'row'),
      `${Math.round(at.bytesPerSecond)} rows/s`,
      `ETA ${formatDuration(etaOf(progress, at))}`,
    ],
  };
}

/** `batch: 1000 rows in 4.0 s (250 rows/s), 10 rejected, output file:///data/scores/`. */
export function batchDoneLine(summary: BatchSummary, outputUri: string): string {
  return (
    `batch: ${plural(summary.rowsIn, 'row')} in ${summary.seconds.toFixed(1)} s (${rowRate(summary)} rows/s), ` +
    `${summary.rowsRejected} rejected, output ${outputUri}`
  );
}

/** `batch: failed after 3.2 s (1/4 parts, 1000 rows, 2 rejected)`. */
export function batchFailedLine(progress: BatchProgress, elapsed: string): string {
  return (
    `batch: failed after ${elapsed} (${progress.partsDone}/${plural(progress.parts, 'part')}, ` +
    `${plural(progress.rowsIn, 'row')}, ${progress.rowsRejected} rejected)`
  );
}

function rowRate(summary: BatchSummary): number {
  return summary.seconds > 0 ? Math.round(summary.rowsIn / summary.seconds) : summary.rowsIn;
}

/** `batch: 111 rows in, 110 out, 1 rejected, 3 parts (1 skipped), 2.5 s, 44 rows/s, committed`. */
export function summaryLine(summary: BatchSummary): string {
  return (
    `batch: ${summary.rowsIn} rows in, ${summary.rowsOut} out, ${summary.rowsRejected} rejected, ` +
    `${summary.parts} parts (${summary.partsSkipped} skipped), ${summary.seconds.toFixed(1)} s, ${rowRate(summary)} rows/s, ` +
    `${summary.committed ? 'committed (_SUCCESS written)' : 'not committed (other shards unfinished)'}`
  );
}
