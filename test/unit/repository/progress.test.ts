import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressMeter } from '../../../src/repository/download/progress.js';
import { ManualClock } from '../../support/manual-clock.js';

const MiB = 1024 * 1024;

describe('ProgressMeter', () => {
  it('reports at most once per interval, with the rate and the time left', () => {
    const clock = new ManualClock();
    const meter = new ProgressMeter({ clock, intervalMs: 1_000 });
    const reports = [];
    for (let second = 1; second <= 4; second += 1) {
      for (let tick = 0; tick < 4; tick += 1) {
        clock.advance(250);
        const at = meter.update({
          bytes: (second - 1) * 10 * MiB + (tick + 1) * 2.5 * MiB,
          totalBytes: 100 * MiB,
        });
        if (at) reports.push(at);
      }
    }
    assert.equal(reports.length, 4);
    const last = reports.at(-1)!;
    assert.equal(last.bytes, 40 * MiB);
    assert.equal(last.bytesPerSecond, 10 * MiB);
    assert.equal(last.etaSeconds, 6);
    assert.equal(last.elapsedMs, 4_000);
  });

  it('measures the rate over a recent window, so the ETA follows a stall', () => {
    const clock = new ManualClock();
    const meter = new ProgressMeter({ clock, windowMs: 2_000 });
    for (let step = 1; step <= 20; step += 1) {
      clock.advance(500);
      meter.update({ bytes: step * 5 * MiB, totalBytes: 200 * MiB }); // 10 MiB/s for 10 s
    }
    assert.equal(meter.snapshot().bytesPerSecond, 10 * MiB);
    for (let step = 1; step <= 8; step += 1) {
      clock.advance(500);
      meter.update({ bytes: 100 * MiB + step * 0.5 * MiB, totalBytes: 200 * MiB }); // then 1 MiB/s
    }
    const at = meter.snapshot();
    assert.ok(Math.abs(at.bytesPerSecond - MiB) < 0.3 * MiB, `rate ${at.bytesPerSecond / MiB} MiB/s`);
    assert.ok(at.etaSeconds !== undefined && at.etaSeconds > 70, `eta ${at.etaSeconds}`);
  });

  it('has no ETA before anything moved, and 0 when done', () => {
    const clock = new ManualClock();
    const meter = new ProgressMeter({ clock });
    clock.advance(100);
    assert.equal(meter.update({ bytes: 0, totalBytes: 10 })?.etaSeconds, undefined);
    clock.advance(100);
    assert.equal(meter.update({ bytes: 10, totalBytes: 10 })?.etaSeconds, 0);
  });
});
