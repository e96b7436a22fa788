import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { colorAllowed, isInteractive, TerminalBar } from '../../../src/cli/terminal-bar.js';
import { fakeSignals } from '../../support/fake-signals.js';
import { ManualClock } from '../../support/manual-clock.js';

function terminal(columns = 80): Writable & { isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns, text: () => chunks.join('') });
}

const frame = (n: number) => ({ label: 'job', fraction: n / 100, fields: [`${n}/100`] });
const frames = (text: string) => text.split('\r\x1b[K').length - 1;

describe('terminal bar', () => {
  it('redraws at most 10 times a second on the injected clock, however often it is told', () => {
    const clock = new ManualClock();
    const stream = terminal();
    const bar = new TerminalBar({ stream, clock, signals: fakeSignals() });
    for (let n = 0; n < 100; n += 1) {
      bar.draw(frame(n));
      clock.advance(10); // 100 updates a second for one second
    }
    assert.equal(frames(stream.text()), 10);
    bar.draw(frame(100), true); // a forced frame (the last one) is drawn at once
    assert.equal(frames(stream.text()), 11);
  });

  it('fits each frame to the width the stream has now, so a resize is followed', () => {
    const clock = new ManualClock();
    const stream = terminal(120);
    const bar = new TerminalBar({ stream, clock, signals: fakeSignals() });
    bar.draw({ label: 'x'.repeat(200), fraction: 0.5, fields: ['1/2'] });
    stream.columns = 40;
    clock.advance(100);
    bar.draw({ label: 'x'.repeat(200), fraction: 0.5, fields: ['1/2'] });
    const drawn = stream.text().replace('\x1b[?25l', '').split('\r\x1b[K').slice(1);
    assert.deepEqual(
      drawn.map((line) => line.length),
      [119, 39],
    );
  });

  it('prints lines above the bar and draws it again under them', () => {
    const stream = terminal();
    const bar = new TerminalBar({ stream, clock: new ManualClock(), signals: fakeSignals() });
    bar.print('before the bar\n');
    bar.draw(frame(50));
    bar.print('retrying\n');
    bar.end('done');
    assert.equal(
      stream.text(),
      'before the bar\n\x1b[?25l\r\x1b[Kjob [' +
        '█'.repeat(15) +
        '░'.repeat(15) +
        ']  50% 50/100' +
        '\r\x1b[Kretrying\n\r\x1b[Kjob [' +
        '█'.repeat(15) +
        '░'.repeat(15) +
        ']  50% 50/100' +
        '\r\x1b[K\x1b[?25hdone\n',
    );
  });

  it('on SIGINT restores the terminal and, with no other listener, raises the signal again', () => {
    const signals = fakeSignals();
    const stream = terminal();
    const bar = new TerminalBar({ stream, clock: new ManualClock(), signals });
    bar.draw(frame(10));
    assert.equal(signals.listenerCount('SIGINT'), 1);
    signals.emit('SIGINT', 'SIGINT');
    assert.ok(stream.text().endsWith('\r\x1b[K\x1b[?25h'));
    assert.deepEqual(signals.killed, ['SIGINT']);
    assert.equal(signals.listenerCount('SIGINT'), 0);
    bar.draw(frame(20));
    bar.end('pull x: failed after 1.0 s');
    assert.ok(stream.text().endsWith('\x1b[?25hpull x: failed after 1.0 s\n'), 'no bar after the signal');
  });

  it("leaves a command's own SIGINT listener to handle the signal (batch aborts gracefully)", () => {
    const signals = fakeSignals();
    let aborted = 0;
    signals.once('SIGINT', () => (aborted += 1)); // registered before the bar, as berth batch does
    const stream = terminal();
    const bar = new TerminalBar({ stream, clock: new ManualClock(), signals });
    bar.draw(frame(10));
    signals.emit('SIGINT', 'SIGINT');
    assert.equal(aborted, 1);
    assert.deepEqual(signals.killed, []);
    assert.ok(stream.text().endsWith('\x1b[?25h'));
  });

  it('restores the cursor at exit if the command never ended the bar', () => {
    const signals = fakeSignals();
    const stream = terminal();
    new TerminalBar({ stream, clock: new ManualClock(), signals }).draw(frame(10));
    signals.emit('exit', 1);
    assert.ok(stream.text().endsWith('\r\x1b[K\x1b[?25h'));
    assert.deepEqual(signals.killed, []);
  });

  it('is used only on a TTY that is not TERM=dumb, and colours only without NO_COLOR', () => {
    assert.equal(isInteractive({ isTTY: true }, {}), true);
    assert.equal(isInteractive({ isTTY: true }, { TERM: 'dumb' }), false);
    assert.equal(isInteractive({}, {}), false);
    assert.equal(colorAllowed({}), true);
    assert.equal(colorAllowed({ NO_COLOR: '' }), true);
    assert.equal(colorAllowed({ NO_COLOR: '1' }), false);
  });
});
