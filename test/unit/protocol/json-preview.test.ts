import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewJson } from '../../../src/protocol/json-preview.js';

describe('previewJson', () => {
  it('writes short values as JSON.stringify does', () => {
    for (const value of [null, true, 1.5, 'a"b', [1, [2, {}]], { a: [1], 'b c': null }]) {
      assert.equal(previewJson(value), JSON.stringify(value));
    }
    assert.equal(previewJson(undefined), 'nothing');
    assert.equal(previewJson(12n), '12');
  });

  it('cuts long values at the budget, marking the cut', () => {
    assert.equal(previewJson('x'.repeat(1000), 10), `"${'x'.repeat(9)}…`);
    assert.equal(previewJson(Array(100_000).fill(7), 9), '[7,7,7,7,…');
    assert.equal(previewJson({ key: 'value' }, 8), '{"key":"…');
  });

  it('renders a list nested 1,000,000 deep without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    assert.equal(previewJson(deep, 5), '[[[[[…');
  });
});
