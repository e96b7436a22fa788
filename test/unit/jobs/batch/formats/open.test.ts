import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { formatOf, openSource } from '../../../../../src/jobs/batch/formats/open.js';

describe('formatOf', () => {
  it('knows .parquet, .csv, .jsonl, .ndjson and .json, in any case', () => {
    assert.equal(formatOf('part-0.parquet'), 'parquet');
    assert.equal(formatOf('a/b.CSV'), 'csv');
    assert.equal(formatOf('x.jsonl'), 'jsonl');
    assert.equal(formatOf('x.ndjson'), 'jsonl');
    assert.equal(formatOf('x.json'), 'jsonl');
  });

  it('lets --format win over the extension', () => {
    assert.equal(formatOf('data.txt', 'csv'), 'csv');
    assert.equal(formatOf('data.csv', 'jsonl'), 'jsonl');
  });

  it('names the path and the known extensions when it cannot tell', () => {
    assert.throws(
      () => formatOf('scores.tsv'),
      (error: Error) => {
        assert.equal((error as { id?: string }).id, 'INVALID_REQUEST');
        assert.match(error.message, /scores\.tsv/);
        assert.match(error.message, /\.parquet, \.csv, \.jsonl, \.ndjson, \.json/);
        return true;
      },
    );
    assert.throws(() => formatOf('x.csv', 'avro'), {
      id: 'INVALID_REQUEST',
      message: /format avro is not one of/,
    });
  });
});

describe('openSource', () => {
  it('refuses a stream for Parquet, which needs random access', () => {
    assert.throws(() => openSource(() => Readable.from([]), 'parquet'), { id: 'INVALID_REQUEST' });
  });
});
