import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import {
  backoffDelay,
  checkRetryPolicy,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  RetryBudget,
} from '../../../src/storage/retry-policy.js';
import { ManualClock } from '../../support/manual-clock.js';
import { berthError } from '../../support/store-assertions.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 5_000 };
const justBelowOne = 1 - Number.EPSILON;

describe('backoffDelay: exponential backoff with full jitter', () => {
  it('draws from [0, ceiling) where the ceiling doubles per retry up to maxDelayMs', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 10, 60].map((retry) =>
      backoffDelay(policy, retry, () => justBelowOne),
    );
    assert.deepEqual(ceilings, [99, 199, 399, 799, 999, 999, 999, 999]);
    for (const retry of [1, 2, 5, 60])
      assert.equal(
        backoffDelay(policy, retry, () => 0),
        0,
      );
  });

  it('spreads delays over the whole range (full jitter), never past the ceiling', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const draws = Array.from({ length: 2_000 }, () => backoffDelay(policy, 4, random));
    assert.ok(draws.every((delay) => delay >= 0 && delay < 800 && Number.isInteger(delay)));
    // Each quarter of [0, 800) gets a fair share: the point of jitter is that retries do not bunch.
    for (let quarter = 0; quarter < 4; quarter += 1) {
      const share = draws.filter((delay) => Math.floor(delay / 200) === quarter).length / draws.length;
      assert.ok(share > 0.2 && share < 0.3, `quarter ${quarter} got ${share}`);
    }
  });

  it('a huge retry count does not overflow the ceiling', () => {
    assert.equal(
      backoffDelay(policy, 10_000, () => 0.5),
      500,
    );
  });
});

describe('RetryBudget', () => {
  it('allows retries while elapsed time plus the next wait stays within maxElapsedMs', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(policy, clock, () => justBelowOne);
    const waits: number[] = [];
    for (;;) {
      const wait = budget.next();
      if (wait === undefined) break;
      waits.push(wait);
      clock.advance(wait + 50); // each attempt itself takes 50 ms
    }
    assert.deepEqual(waits, [99, 199, 399, 799, 999, 999, 999]);
    const spent = waits.reduce((sum, wait) => sum + wait + 50, 0);
    assert.ok(spent <= policy.maxElapsedMs, `spent ${spent}`);
    assert.ok(spent + 999 > policy.maxElapsedMs, 'stops only when the next wait would not fit');
    assert.equal(budget.failures, waits.length + 1);
  });

  it('one slow attempt can spend the whole budget: the bound is on time, not on attempts', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(policy, clock, () => 0.5);
    clock.advance(5_000);
    assert.equal(budget.next(), undefined);
    const error = budget.exhausted('http://s/m/1/x', new BerthError('STORE_UNREACHABLE', 'ECONNREFUSED'));
    assert.ok(berthError('STORE_UNREACHABLE', 'http://s/m/1/x', '1 attempt', '5.0 s', 'ECONNREFUSED')(error));
  });

  it('progress starts a fresh budget, so a long download that keeps moving is never cut off', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(policy, clock, () => 0.5);
    clock.advance(4_900);
    assert.equal(typeof budget.next(), 'number');
    clock.advance(100);
    budget.progress();
    assert.equal(budget.failures, 0);
    assert.equal(budget.elapsedMs, 0);
    assert.equal(budget.next(), 50);
  });
});

describe('isRetryable and checkRetryPolicy', () => {
  it('retries only STORE_UNREACHABLE', () => {
    assert.equal(isRetryable(new BerthError('STORE_UNREACHABLE', 'x')), true);
    for (const id of ['STORE_NOT_FOUND', 'STORE_ERROR', 'CANCELLED', 'DIGEST_MISMATCH'] as const)
      assert.equal(isRetryable(new BerthError(id, 'x')), false);
    assert.equal(isRetryable(new Error('ECONNRESET')), false);
  });

  it('accepts the default and names a bad field', () => {
    assert.equal(checkRetryPolicy(DEFAULT_RETRY_POLICY), DEFAULT_RETRY_POLICY);
    assert.throws(
      () => checkRetryPolicy({ ...policy, maxElapsedMs: -1 }),
      berthError('INVALID_REQUEST', 'maxElapsedMs', '-1'),
    );
  });
});
