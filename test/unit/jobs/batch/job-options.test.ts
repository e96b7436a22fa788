import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { parseFeatures, parseRejectLimit, parseShard } from '../../../../src/jobs/batch/job-options.js';
import { partsOfShard, type InputPart } from '../../../../src/jobs/batch/input-parts.js';

const invalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof BerthError && error.id === 'BATCH_JOB_INVALID' && pattern.test(error.message);

describe('batch job options', () => {
  it('expands feature ranges, keeping zero padding and an input name', () => {
    assert.deepEqual(parseFeatures('f0..f3'), { columns: ['f0', 'f1', 'f2', 'f3'] });
    assert.deepEqual(parseFeatures('x=a,f08..f10,b'), {
      input: 'x',
      columns: ['a', 'f08', 'f09', 'f10', 'b'],
    });
    assert.throws(() => parseFeatures('f3..f1'), invalid(/should read like f0\.\.f63/));
    assert.throws(() => parseFeatures('a,a'), invalid(/names a column twice/));
  });

  it('parses shards and reject limits, refusing what does not fit', () => {
    assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
    assert.throws(() => parseShard('4/4'), invalid(/expected i\/n with 0 <= i < n/));
    assert.throws(() => parseShard('0/0'), invalid(/expected i\/n/));
    assert.deepEqual(parseRejectLimit('100'), { kind: 'count', max: 100 });
    assert.deepEqual(parseRejectLimit('0.5%'), { kind: 'percent', max: 0.5 });
    assert.throws(() => parseRejectLimit('1.5'), invalid(/a row count \(100\) or a percentage/));
    assert.throws(() => parseRejectLimit('101%'), invalid(/--max-rejects "101%"/));
  });

  it('splits parts into disjoint shards that cover them all', () => {
    const parts = Array.from({ length: 7 }, (_, index): InputPart => ({
      index,
      name: `p${index}`,
      path: `p${index}`,
      format: 'jsonl',
      output: `p${index}`,
      outputFormat: 'jsonl',
    }));
    const shards = [0, 1, 2].map((index) =>
      partsOfShard(parts, { index, count: 3 }).map((part) => part.index),
    );
    assert.deepEqual(shards, [
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
  });
});
