import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { formatBytes, formatDuration, formatRate } from '../../../src/cli/progress-format.js';
import { createProgressReporter } from '../../../src/cli/progress-reporter.js';
import { ManualClock } from '../../support/manual-clock.js';

const MiB = 1024 * 1024;

/** A stream that keeps what is written; `isTTY` as a terminal would set it. */
function capture(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 120, text: () => chunks.join('') });
}

describe('progress reporter', () => {
  it('on a non-terminal stream writes a throttled line with bytes, percent, rate and ETA, then a summary', () => {
    const clock = new ManualClock();
    const stream = capture(false);
    const progress = createProgressReporter({
      label: 'pull file:///s/m@1',
      stream,
      clock,
      intervalMs: 5_000,
    });
    for (let tick = 1; tick <= 40; tick += 1) {
      clock.advance(250);
      progress.update({ bytes: tick * 2.5 * MiB, totalBytes: 100 * MiB }); // 10 MiB/s for 10 s
    }
    progress.note('store unreachable (ECONNRESET); retry 1 in 0.2 s');
    progress.finish();
    assert.deepEqual(stream.text().split('\n'), [
      'pull file:///s/m@1: 50.0 MiB of 100.0 MiB (50%), 10.0 MiB/s, ETA 5s',
      'pull file:///s/m@1: store unreachable (ECONNRESET); retry 1 in 0.2 s',
      'pull file:///s/m@1: 100.0 MiB in 10.0 s (10.0 MiB/s)',
      '',
    ]);
  });

  it('says nothing for a transfer that never moved (a failure before the first byte)', () => {
    const stream = capture(false);
    const progress = createProgressReporter({ label: 'pull x', stream });
    progress.finish();
    assert.equal(stream.text(), '');
  });

  it('on a terminal draws a bar with bytes, rate and ETA, and leaves it full when done', () => {
    const clock = new ManualClock();
    const stream = capture(true);
    const progress = createProgressReporter({ label: 'pull m@1', stream, clock });
    for (let tick = 1; tick <= 8; tick += 1) {
      clock.advance(500);
      progress.update({ bytes: tick * 8 * MiB, totalBytes: 64 * MiB });
    }
    progress.finish();
    const text = stream.text();
    assert.match(text, /pull m@1 \[[█░]+\] 100% \| 64\.0 MiB of 64\.0 MiB \| 16\.0 MiB\/s \| ETA 0s/);
  });

  it('formats sizes, rates and durations for people', () => {
    assert.deepEqual(
      [
        formatBytes(0),
        formatBytes(1023),
        formatBytes(1536),
        formatBytes(5 * MiB),
        formatBytes(3 * 1024 * MiB),
      ],
      ['0 B', '1023 B', '1.5 KiB', '5.0 MiB', '3.0 GiB'],
    );
    assert.equal(formatRate(2.5 * MiB), '2.5 MiB/s');
    assert.deepEqual(
      [
        formatDuration(undefined),
        formatDuration(0.2),
        formatDuration(59),
        formatDuration(125),
        formatDuration(3720),
      ],
      ['?', '1s', '59s', '2m05s', '1h02m'],
    );
  });
});
