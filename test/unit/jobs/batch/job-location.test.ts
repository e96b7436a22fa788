import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openInput } from '../../../../src/jobs/batch/job-location.js';
import { createDefaultStoreRegistry } from '../../../../src/storage/store-registry.js';

describe('openInput', () => {
  const stores = createDefaultStoreRegistry();

  it('opens a folder of parts as the store itself', () => {
    const input = openInput(stores, '/data/features/', undefined);
    assert.equal(input.store.uri, pathToFileURL('/data/features').href);
    assert.equal(input.file, undefined);
  });

  it('opens a part file as a name in the store of its folder', () => {
    const input = openInput(stores, 's3://bucket/features/part-7.parquet', undefined);
    assert.equal(input.store.uri, 's3://bucket/features');
    assert.equal(input.file, 'part-7.parquet');
    const root = openInput(stores, 'file:///part.jsonl', undefined);
    assert.equal(root.file, 'part.jsonl');
    assert.match(root.store.uri, /^file:/);
  });

  it('takes a name with an unknown extension as a file only when --format is given', () => {
    assert.equal(openInput(stores, '/data/rows.txt', undefined).file, undefined);
    assert.equal(openInput(stores, '/data/rows.txt', 'csv').file, 'rows.txt');
  });
});
