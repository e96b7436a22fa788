/**
 * Shows a batch job to a person: a bar over parts with rows, rows/s and ETA on a terminal, and
 * structured log lines at a fixed pace elsewhere; both measure time on the injected clock.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { BatchProgress, BatchSummary } from '../jobs/batch/batch-runner.js';
import type { Logger } from '../observability/logger.js';
import { ProgressMeter } from '../repository/download/progress.js';
import { formatDuration } from './progress-format.js';
import { PROGRESS_LINE_INTERVAL_MS } from './progress-reporter.js';

/** Takes every progress event of a job; decides itself when to draw. */
export interface BatchProgressReporter {
  update(progress: BatchProgress): void;
  finish(): void;
}

/** A bar on a TTY, log lines every PROGRESS_LINE_INTERVAL_MS otherwise. */
export function createBatchProgress(options: {
  readonly stream: Writable & { isTTY?: boolean };
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'now'>;
  readonly tty?: boolean;
}): BatchProgressReporter {
  const tty = options.tty ?? options.stream.isTTY === true;
  // The meter counts rows as it would bytes; the total is estimated from the parts done so far.
  const meter = new ProgressMeter({
    clock: options.clock,
    intervalMs: tty ? 100 : PROGRESS_LINE_INTERVAL_MS,
  });
  const view = (progress: BatchProgress) => {
    const perPart = progress.partsDone > 0 ? progress.rowsIn / progress.partsDone : 0;
    const total = Math.max(progress.rowsIn, Math.round(perPart * progress.parts));
    return meter.update({ bytes: progress.rowsIn, totalBytes: total });
  };
  if (!tty) {
    return {
      update(progress) {
        const at = view(progress);
        if (at === undefined) return;
        options.logger.info(
          {
            parts: progress.parts,
            partsDone: progress.partsDone,
            rowsIn: progress.rowsIn,
            rowsOut: progress.rowsOut,
            rowsRejected: progress.rowsRejected,
            rowsPerSecond: Math.round(at.bytesPerSecond),
            etaSeconds: at.etaSeconds === undefined ? null : Math.ceil(at.etaSeconds),
          },
          'batch progress',
        );
      },
      finish() {},
    };
  }
  const bar = new SingleBar(
    {
      stream: options.stream,
      format: 'batch [{bar}] {value}/{total} parts | {rows} rows | {rate} rows/s | ETA {left}',
      barsize: 30,
      hideCursor: true,
      gracefulExit: true,
      linewrap: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const at = view(progress) ?? meter.snapshot();
      const payload = {
        rows: progress.rowsIn,
        rate: Math.round(at.bytesPerSecond),
        left: formatDuration(at.etaSeconds),
      };
      if (!started) {
        started = true;
        bar.start(progress.parts, progress.partsDone, payload);
      } else bar.update(progress.partsDone, payload);
    },
    finish() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** `batch: 111 rows in, 110 out, 1 rejected, 3 parts (1 skipped), 2.5 s, 44 rows/s, committed`. */
export function summaryLine(summary: BatchSummary): string {
  const rate = summary.seconds > 0 ? Math.round(summary.rowsIn / summary.seconds) : summary.rowsIn;
  return (
    `batch: ${summary.rowsIn} rows in, ${summary.rowsOut} out, ${summary.rowsRejected} rejected, ` +
    `${summary.parts} parts (${summary.partsSkipped} skipped), ${summary.seconds.toFixed(1)} s, ${rate} rows/s, ` +
    `${summary.committed ? 'committed (_SUCCESS written)' : 'not committed (other shards unfinished)'}`
  );
}
