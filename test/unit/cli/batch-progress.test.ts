import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createBatchProgress, summaryLine } from '../../../src/cli/batch-progress.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ManualClock } from '../../support/manual-clock.js';

describe('batch progress', () => {
  it('logs rows, rows/s and ETA at a fixed pace when not on a terminal', () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const clock = new ManualClock();
    const stream = new Writable({ write: (_c, _e, done) => done() });
    const progress = createBatchProgress({
      stream,
      tty: false,
      clock,
      logger: createLogger({ destination }),
    });
    const at = (partsDone: number, rowsIn: number) => ({
      parts: 4,
      partsDone,
      rowsIn,
      rowsOut: rowsIn,
      rowsRejected: 0,
    });
    clock.advance(1_000);
    progress.update(at(0, 500));
    assert.equal(lines.length, 0, 'no line before the interval');
    clock.advance(4_000);
    progress.update(at(1, 1_000));
    assert.equal(lines.length, 1);
    // 1,000 rows in 5 s; one part of four done, so 3,000 rows are left at 200 rows/s.
    assert.deepEqual(
      { ...lines[0], level: undefined, time: undefined, pid: undefined, name: undefined },
      {
        level: undefined,
        time: undefined,
        pid: undefined,
        name: undefined,
        msg: 'batch progress',
        parts: 4,
        partsDone: 1,
        rowsIn: 1_000,
        rowsOut: 1_000,
        rowsRejected: 0,
        rowsPerSecond: 200,
        etaSeconds: 15,
      },
    );
  });

  it('sums a job up in one line', () => {
    assert.equal(
      summaryLine({
        parts: 3,
        partsDone: 3,
        partsSkipped: 1,
        rowsIn: 1_000,
        rowsOut: 990,
        rowsRejected: 10,
        seconds: 4,
        committed: true,
        runId: 'r',
      }),
      'batch: 1000 rows in, 990 out, 10 rejected, 3 parts (1 skipped), 4.0 s, 250 rows/s, committed (_SUCCESS written)',
    );
  });
});
