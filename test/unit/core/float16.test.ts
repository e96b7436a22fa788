import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHalfBits, toHalfBits } from '../../../src/core/float16.js';

describe('float16', () => {
  it('round-trips every finite half value exactly', () => {
    for (let bits = 0; bits < 0x10000; bits += 1) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f) continue;
      assert.equal(toHalfBits(fromHalfBits(bits)), bits, `bits 0x${bits.toString(16)}`);
    }
  });

  it('maps known values', () => {
    assert.equal(toHalfBits(1), 0x3c00);
    assert.equal(toHalfBits(-2), 0xc000);
    assert.equal(toHalfBits(65504), 0x7bff);
    assert.equal(toHalfBits(1e6), 0x7c00, 'overflow is +Infinity');
    assert.equal(toHalfBits(2 ** -24), 0x0001, 'smallest subnormal');
    assert.equal(toHalfBits(2 ** -26), 0x0000, 'underflow is zero');
    assert.ok(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN))));
    assert.equal(fromHalfBits(0x3555), 0.333251953125);
  });

  it('rounds halfway cases to even', () => {
    // 1 + 2^-11 lies halfway between 1 (even) and 1 + 2^-10: rounds down to 1.
    assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00);
    // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9: rounds up.
    assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02);
  });
});
