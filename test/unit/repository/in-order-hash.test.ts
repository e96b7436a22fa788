import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InOrderHasher } from '../../../src/repository/download/in-order-hash.js';
import { planRanges } from '../../../src/repository/download/parallel-download.js';
import { tempFolder } from '../../support/store-assertions.js';

describe('InOrderHasher', () => {
  it('hashes a file written back to front only as far as it is contiguous, then all of it', async () => {
    const folder = await tempFolder('in-order-hash');
    const bytes = Buffer.from(Array.from({ length: 3_500_000 }, (_, index) => (index * 13) % 251));
    const ranges = planRanges(bytes.length, 1_000_000);
    assert.deepEqual(
      ranges.map((range) => [range.start, range.end]),
      [
        [0, 1_000_000],
        [1_000_000, 2_000_000],
        [2_000_000, 3_000_000],
        [3_000_000, 3_500_000],
      ],
    );
    const handle = await open(join(folder.path, 'f'), 'wx+');
    try {
      let filled = 0;
      const hasher = new InOrderHasher(handle, () => filled);
      for (const range of [...ranges].reverse()) {
        await handle.write(bytes, range.start, range.end - range.start, range.start);
        hasher.kick();
        await hasher.settle();
        assert.equal(hasher.hashed, 0, 'nothing before the first range is written');
      }
      filled = bytes.length;
      assert.equal(await hasher.digest(), createHash('sha256').update(bytes).digest('hex'));
      assert.equal(hasher.hashed, bytes.length);
    } finally {
      await handle.close();
      await folder.remove();
    }
  });

  it('reports a file shorter than the prefix it was promised', async () => {
    const folder = await tempFolder('in-order-hash-short');
    const handle = await open(join(folder.path, 'f'), 'wx+');
    try {
      await handle.write(Buffer.from('abc'), 0, 3, 0);
      const hasher = new InOrderHasher(handle, () => 10);
      await assert.rejects(hasher.digest(), /ends at 3 bytes, before 10/);
    } finally {
      await handle.close();
      await folder.remove();
    }
  });
});
