import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createBatchProgress, summaryLine } from '../../../src/cli/batch-progress.js';
import { TerminalBar } from '../../../src/cli/terminal-bar.js';
import { fakeSignals } from '../../support/fake-signals.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ManualClock } from '../../support/manual-clock.js';

function capture(): Writable & { isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns: 100, text: () => chunks.join('') });
}

const at = (partsDone: number, rowsIn: number) => ({
  parts: 4,
  partsDone,
  rowsIn,
  rowsOut: rowsIn,
  rowsRejected: 0,
});

describe('batch progress', () => {
  it('logs rows, rows/s and ETA at a fixed pace when not on a terminal, and a line when it fails', () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const clock = new ManualClock();
    const progress = createBatchProgress({ clock, logger: createLogger({ destination }) });
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
    clock.advance(1_000);
    progress.fail();
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.msg, 'batch job failed');
    assert.equal(lines[1]?.seconds, 6);
    assert.equal(lines[1]?.partsDone, 1);
  });

  it('on a terminal draws a bar over parts, prints log lines above it and ends with the summary line', () => {
    const clock = new ManualClock();
    const stream = capture();
    const bar = new TerminalBar({ stream, clock, signals: fakeSignals() });
    const logger = createLogger({ destination: bar.passthrough() });
    const progress = createBatchProgress({ clock, logger, bar });
    progress.update(at(0, 0));
    clock.advance(2_000);
    progress.update(at(1, 1_000));
    logger.info({ part: 'part-0.jsonl' }, 'part done');
    clock.advance(2_000);
    progress.update(at(4, 4_000));
    progress.succeed(
      { ...at(4, 4_000), rowsRejected: 10, partsSkipped: 0, seconds: 4, committed: false, runId: 'r' },
      'file:///out/',
    );
    const frames = stream.text().split('\r\x1b[K');
    // Until a part is done the total (and so the ETA) is unknown.
    assert.equal(frames[1], `batch [${'░'.repeat(30)}]   0% 0/4 parts 0 rows 0 rows/s ETA ?`);
    assert.match(frames[2] ?? '', /^batch \[█+░+\] {2}25% 1\/4 parts 1000 rows 500 rows\/s ETA 6s$/);
    // The log line takes the bar's line, and the bar is drawn again under it.
    assert.match(frames[3] ?? '', /^\{.*"msg":"part done"\}\n$/);
    assert.equal(frames[4], frames[2]);
    assert.match(frames[5] ?? '', /^batch \[█+\] 100% 4\/4 parts 4000 rows/);
    assert.equal(
      frames.at(-1),
      '\x1b[?25hbatch: 4000 rows in 4.0 s (1000 rows/s), 10 rejected, output file:///out/\n',
    );
  });

  it('on a terminal a failed job clears the bar and says how far it got', () => {
    const clock = new ManualClock();
    const stream = capture();
    const bar = new TerminalBar({ stream, clock, signals: fakeSignals() });
    const progress = createBatchProgress({
      clock,
      logger: createLogger({ destination: bar.passthrough() }),
      bar,
    });
    clock.advance(1_500);
    progress.update(at(1, 1_000));
    progress.fail();
    assert.ok(
      stream
        .text()
        .endsWith('\r\x1b[K\x1b[?25hbatch: failed after 1.5 s (1/4 parts, 1000 rows, 0 rejected)\n'),
      JSON.stringify(stream.text()),
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
