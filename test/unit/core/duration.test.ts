import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../../src/core/duration.js';
import { berthError } from '../../support/store-assertions.js';

describe('parseDuration', () => {
  it('reads a whole number with a unit, and a bare 0', () => {
    assert.equal(parseDuration('30s', '--min-age'), 30_000);
    assert.equal(parseDuration('15m', '--min-age'), 15 * 60_000);
    assert.equal(parseDuration('1h', '--min-age'), 3_600_000);
    assert.equal(parseDuration('2d', '--min-age'), 2 * 86_400_000);
    assert.equal(parseDuration('500ms', '--min-age'), 500);
    assert.equal(parseDuration('0', '--min-age'), 0);
    assert.equal(parseDuration('0s', '--min-age'), 0);
  });

  it('names the flag and the value otherwise', () => {
    for (const value of ['', '1', '1.5h', '-1h', '1w', 'h', '1 h x', '99999999999999999d']) {
      assert.throws(
        () => parseDuration(value, '--min-age'),
        berthError('INVALID_REQUEST', '--min-age', JSON.stringify(value), '30s, 15m, 1h or 2d'),
      );
    }
  });
});
