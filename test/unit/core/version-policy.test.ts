import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModelRef } from '../../../src/core/model-ref.js';
import { formatVersionPolicy, parseVersionPolicy, selectVersions } from '../../../src/core/version-policy.js';

describe('version policy', () => {
  it('parses each form and writes it back the same way', () => {
    for (const text of ['latest', 'latest:3', 'all', 'specific:1,4'])
      assert.equal(formatVersionPolicy(parseVersionPolicy(text, 'version_policy')), text);
    assert.deepEqual(parseVersionPolicy('specific:4,1,4', 'x'), { kind: 'specific', versions: [1, 4] });
  });

  it('rejects bad forms naming the setting and the forms it takes', () => {
    for (const text of ['newest', 'latest:0', 'latest:1,2', 'specific:', 'specific:a', 'all:2'])
      assert.throws(
        () => parseVersionPolicy(text, '--version-policy'),
        (error: Error) => /--version-policy/.test(error.message) && /latest:N/.test(error.message),
        text,
      );
  });

  it('selects from what is published', () => {
    const published = [3, 1, 7, 5];
    assert.deepEqual(selectVersions({ kind: 'latest', count: 1 }, published), [7]);
    assert.deepEqual(selectVersions({ kind: 'latest', count: 2 }, published), [5, 7]);
    assert.deepEqual(selectVersions({ kind: 'latest', count: 9 }, published), [1, 3, 5, 7]);
    assert.deepEqual(selectVersions({ kind: 'all' }, published), [1, 3, 5, 7]);
    assert.deepEqual(selectVersions({ kind: 'specific', versions: [2, 3] }, published), [3]);
    assert.deepEqual(selectVersions({ kind: 'latest', count: 1 }, []), []);
  });

  it('reads a policy from a model reference', () => {
    assert.deepEqual(parseModelRef('m@latest:2', 'file:///s').policy, { kind: 'latest', count: 2 });
    assert.deepEqual(parseModelRef('s3://b/models/m@all', undefined), {
      name: 'm',
      storeUri: 's3://b/models',
      policy: { kind: 'all' },
    });
    assert.throws(() => parseModelRef('m@latest:x', 'file:///s'), /m@latest:x/);
  });
});
