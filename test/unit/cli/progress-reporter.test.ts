import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatDuration,
  formatRate,
  transferSummary,
} from '../../../src/cli/progress-format.js';
import { createProgressReporter } from '../../../src/cli/progress-reporter.js';
import { ManualClock } from '../../support/manual-clock.js';
import { fakeSignals } from '../../support/fake-signals.js';

const MiB = 1024 * 1024;
// eslint-disable-next-line no-control-regex
const ESC = /\x1b/;

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

/** A reporter for `pull m@1` drawing on a terminal with `env`, its clock and what it wrote. */
function onTerminal(env: NodeJS.ProcessEnv = {}) {
  const clock = new ManualClock();
  const stream = capture(true);
  const progress = createProgressReporter({ label: 'pull m@1', stream, clock, env, signals: fakeSignals() });
  return { clock, stream, progress };
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
    progress.succeed({ done: 'pulled file:///s/m/1', bytes: 100 * MiB, files: 4 });
    const text = stream.text();
    assert.deepEqual(text.split('\n'), [
      'pull file:///s/m@1: 50.0 MiB of 100.0 MiB (50%), 10.0 MiB/s, ETA 5s',
      'pull file:///s/m@1: store unreachable (ECONNRESET); retry 1 in 0.2 s',
      'pulled file:///s/m/1: 100.0 MiB, 4 files in 10.0 s (10.0 MiB/s)',
      '',
    ]);
    assert.doesNotMatch(text, ESC, 'no ANSI escapes off a terminal');
  });

  it('says nothing more for a transfer that failed before the first byte (the error says it)', () => {
    const stream = capture(false);
    const progress = createProgressReporter({ label: 'pull x', stream });
    progress.fail();
    assert.equal(stream.text(), '');
  });

  it('off a terminal, a transfer that failed part-way ends with a line saying how far it got', () => {
    const clock = new ManualClock();
    const stream = capture(false);
    const progress = createProgressReporter({ label: 'push file:///s/m', stream, clock });
    clock.advance(2_000);
    progress.update({ bytes: 12 * MiB, totalBytes: 64 * MiB });
    progress.fail();
    progress.succeed({ done: 'pushed x', bytes: 1, files: 1 }); // ignored: the transfer is over
    assert.equal(stream.text(), 'push file:///s/m: failed after 2.0 s (12.0 MiB of 64.0 MiB moved)\n');
  });

  it('on a terminal draws a bar with bytes, percent, rate and ETA, then replaces it with the summary', () => {
    const { clock, stream, progress } = onTerminal();
    for (let tick = 1; tick <= 8; tick += 1) {
      clock.advance(500);
      progress.update({ bytes: tick * 8 * MiB, totalBytes: 64 * MiB });
    }
    progress.succeed({ done: 'pulled file:///s/m/1', bytes: 64 * MiB, files: 2 });
    const frames = stream.text().split('\r\x1b[K');
    assert.equal(frames[0], '\x1b[?25l', 'the cursor is hidden first');
    assert.equal(
      frames.at(-2),
      `pull m@1 [\x1b[32m${'█'.repeat(30)}\x1b[39m] 100% 64.0 MiB/64.0 MiB 16.0 MiB/s ETA 0s`,
    );
    // 8 events 500 ms apart: each is a frame (the throttle is 100 ms), none dropped or doubled.
    assert.equal(frames.length, 1 + 8 + 1);
    assert.equal(frames.at(-1), '\x1b[?25hpulled file:///s/m/1: 64.0 MiB, 2 files in 4.0 s (16.0 MiB/s)\n');
  });

  it('on a terminal a failed transfer clears the bar, shows the cursor and says it failed', () => {
    const { clock, stream, progress } = onTerminal();
    clock.advance(1_000);
    progress.update({ bytes: 8 * MiB, totalBytes: 64 * MiB });
    progress.fail();
    assert.ok(
      stream.text().endsWith('\r\x1b[K\x1b[?25hpull m@1: failed after 1.0 s (8.0 MiB of 64.0 MiB moved)\n'),
      JSON.stringify(stream.text()),
    );
  });

  it('honours NO_COLOR on a terminal: cursor control only, no colour', () => {
    const draw = (env: NodeJS.ProcessEnv) => {
      const { clock, stream, progress } = onTerminal(env);
      clock.advance(1_000);
      progress.update({ bytes: 32 * MiB, totalBytes: 64 * MiB });
      return stream.text();
    };
    assert.ok(draw({}).includes(`[\x1b[32m${'█'.repeat(15)}\x1b[39m${'░'.repeat(15)}]`));
    const plain = draw({ NO_COLOR: '1' });
    assert.match(plain, /\[█+░+\] {2}50%/);
    // Cursor control (hide, CR + clear line) stays; no SGR (colour) sequence.
    const escapes = plain.split('\x1b').slice(1);
    assert.ok(escapes.length > 0);
    for (const escape of escapes)
      assert.ok(
        ['[?25l', '[?25h', '[K'].some((control) => escape.startsWith(control)),
        JSON.stringify(escape),
      );
  });

  it('treats TERM=dumb as no terminal: plain lines, no escapes', () => {
    const stream = capture(true);
    const progress = createProgressReporter({
      label: 'pull x',
      stream,
      env: { TERM: 'dumb' },
      clock: new ManualClock(),
    });
    progress.update({ bytes: 1, totalBytes: 2 });
    progress.succeed({ done: 'pulled x', bytes: 2, files: 1 });
    assert.doesNotMatch(stream.text(), ESC);
    assert.match(stream.text(), /^pulled x: 2 B, 1 file in 0 ms \(instant\)\n$/);
  });

  it('sums a transfer up in one line, with files reused from a cache when it says', () => {
    assert.equal(
      transferSummary({ done: 'pulled file:///s/m/3', bytes: 12 * MiB, files: 4, reused: 1 }, 1_200),
      'pulled file:///s/m/3: 12.0 MiB, 4 files (1 reused from cache) in 1.2 s (10.0 MiB/s)',
    );
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
