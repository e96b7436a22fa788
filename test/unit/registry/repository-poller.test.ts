import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepositoryPoller } from '../../../src/registry/repository-poller.js';
import { eventLoopTurns, ManualClock } from '../../support/manual-clock.js';

describe('repository poller', () => {
  it('syncs once per interval, never two at once, and stops without another sync', async () => {
    const clock = new ManualClock();
    let syncs = 0;
    let release: (() => void) | undefined;
    const poller = new RepositoryPoller(
      {
        refresh: () => {
          syncs += 1;
          return new Promise<void>((resolve) => (release = resolve));
        },
      },
      clock,
      1000,
    );
    poller.start();
    clock.advance(999);
    await eventLoopTurns();
    assert.equal(syncs, 0, 'nothing before the first interval');
    clock.advance(1);
    await eventLoopTurns();
    assert.equal(syncs, 1);
    clock.advance(5000);
    await eventLoopTurns();
    assert.equal(syncs, 1, 'a slow sync is not overlapped by the next tick');
    release!();
    await eventLoopTurns();
    assert.equal(poller.ticks, 1);
    clock.advance(1000);
    await eventLoopTurns();
    assert.equal(syncs, 2, 'the next wait starts when the sync finished');
    release!();
    await eventLoopTurns();
    await poller.stop();
    clock.advance(10_000);
    await eventLoopTurns();
    assert.equal(syncs, 2, 'no sync after stop');
    assert.equal(clock.pendingSleeps, 0);
  });

  it('keeps polling after a sync that failed', async () => {
    const clock = new ManualClock();
    let syncs = 0;
    const poller = new RepositoryPoller(
      {
        refresh: async () => {
          syncs += 1;
          throw new Error('store down');
        },
      },
      clock,
      10,
    );
    poller.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(10);
      await eventLoopTurns();
    }
    assert.equal(syncs, 3);
    await poller.stop();
  });
});
