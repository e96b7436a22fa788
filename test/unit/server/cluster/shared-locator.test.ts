import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelSource } from '../../../../src/core/model-ref.js';
import type { LocalizedModel } from '../../../../src/registry/version-loader.js';
import { sharedLocator } from '../../../../src/server/cluster/shared-locator.js';

const SOURCE: ModelSource = { name: 'ranker', storeUri: 'file:///models' };

function countingLocator() {
  let pulls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const locate = async (source: ModelSource): Promise<LocalizedModel> => {
    pulls += 1;
    await gate;
    return {
      version: source.version ?? 3,
      dir: `/cache/${source.name}-${source.version ?? 3}`,
      uri: 'u',
      bytes: 10,
      downloadMs: 5,
      reused: false,
    };
  };
  return { locate, release, pulls: () => pulls };
}

describe('sharedLocator', () => {
  it('shares one pull among concurrent asks, and tells only the first asker it was downloaded', async () => {
    const inner = countingLocator();
    const shared = sharedLocator(inner.locate);
    const asks = [shared.locate(SOURCE), shared.locate(SOURCE), shared.locate(SOURCE)];
    inner.release();
    const answers = await Promise.all(asks);
    assert.equal(inner.pulls(), 1);
    assert.deepEqual(
      answers.map((answer) => answer.reused),
      [false, true, true],
    );
    assert.ok(answers.every((answer) => answer.dir === '/cache/ranker-3'));
  });

  it('a prefetch claims nothing: the first worker still hears the real download', async () => {
    const inner = countingLocator();
    inner.release();
    const shared = sharedLocator(async (source) => {
      const located = await inner.locate(source);
      // Later pulls find the folder cached, as the real local cache reports it.
      return inner.pulls() > 1 ? { ...located, reused: true, downloadMs: 0 } : located;
    });
    await shared.prefetch(SOURCE);
    const first = await shared.locate(SOURCE);
    const second = await shared.locate(SOURCE);
    assert.equal(first.reused, false);
    assert.equal(first.downloadMs, 5);
    assert.equal(second.reused, true);
  });

  it('different versions are different pulls', async () => {
    const inner = countingLocator();
    inner.release();
    const shared = sharedLocator(inner.locate);
    await Promise.all([shared.locate({ ...SOURCE, version: 1 }), shared.locate({ ...SOURCE, version: 2 })]);
    assert.equal(inner.pulls(), 2);
  });
});
