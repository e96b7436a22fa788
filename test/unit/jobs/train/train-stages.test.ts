import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainDoneLine, trainFailedLine } from '../../../../src/cli/train-summary.js';
import { StageTimer } from '../../../../src/jobs/train/train-stages.js';
import { ManualClock } from '../../../support/manual-clock.js';

/** A stage that takes `ms` on the manual clock. */
const takes = (clock: ManualClock, ms: number) => async () => {
  clock.advance(ms);
  return ms;
};

describe('train stages', () => {
  it('times each stage on the injected clock and sums the run up with the published version', async () => {
    const clock = new ManualClock();
    const timer = new StageTimer(clock);
    clock.advance(150); // set-up before the first stage counts in the total, not in a stage
    assert.equal(await timer.time('fetch code', takes(clock, 1_200)), 1_200);
    await timer.time('stage data', takes(clock, 400));
    await timer.time('run', takes(clock, 10_100));
    await timer.time('validate', takes(clock, 300));
    await timer.time('publish', takes(clock, 250));
    assert.equal(
      trainDoneLine('published file:///m/ranker/3 (commit 3f2a9c1)', timer.elapsedMs, timer.timings),
      'train: published file:///m/ranker/3 (commit 3f2a9c1) in 12.4 s: ' +
        'fetch code 1.2 s, stage data 0.4 s, run 10.1 s, validate 0.3 s, publish 0.3 s',
    );
  });

  it('records a stage that throws as failed, and says where the run failed', async () => {
    const clock = new ManualClock();
    const timer = new StageTimer(clock);
    await timer.time('fetch code', takes(clock, 500));
    const failing = timer.time('run', async () => {
      clock.advance(2_000);
      throw new Error('exit 1');
    });
    await assert.rejects(failing, /exit 1/);
    assert.deepEqual(timer.timings, [
      { stage: 'fetch code', ms: 500, ok: true },
      { stage: 'run', ms: 2_000, ok: false },
    ]);
    assert.equal(
      trainFailedLine(timer.elapsedMs, timer.timings),
      'train: failed in run after 2.5 s: fetch code 0.5 s, run 2.0 s (failed)',
    );
  });

  it('says nothing of stages when the run failed before the first one', () => {
    assert.equal(trainFailedLine(10, []), undefined);
    assert.equal(trainDoneLine('verified', 0, []), 'train: verified in 0 ms');
  });
});
