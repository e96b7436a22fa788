import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RangeHasher } from '../../../src/repository/download/in-order-hash.js';
import { planRanges } from '../../../src/repository/download/parallel-download.js';
import type { ByteRange } from '../../../src/repository/download/parallel-download.js';
import { tempFolder } from '../../support/store-assertions.js';

const bytes = Buffer.from(Array.from({ length: 3_500_000 }, (_, index) => (index * 13) % 251));
const sha256 = createHash('sha256').update(bytes).digest('hex');

/** Each range split into chunks of `chunk` bytes, as a socket delivers them. */
function chunksOf(range: ByteRange, chunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = range.start; at < range.end; at += chunk)
    chunks.push(Buffer.from(bytes.subarray(at, Math.min(range.end, at + chunk))));
  return chunks;
}

/** Feeds every range back to front: receive a chunk, write it, tell the hasher it is on disk. */
async function backToFront(
  holdBytes: number,
  corrupt?: { range: number },
): Promise<{ digest: string; maxHeld: number }> {
  const folder = await tempFolder('in-order-hash');
  const ranges = planRanges(bytes.length, 1_000_000);
  const handle = await open(join(folder.path, 'f'), 'wx+');
  try {
    const hasher = new RangeHasher(handle, ranges, holdBytes);
    let maxHeld = 0;
    for (const [index, range] of [...ranges.entries()].reverse()) {
      let at = range.start;
      for (const chunk of chunksOf(range, 65_536)) {
        hasher.received(index, chunk);
        maxHeld = Math.max(maxHeld, hasher.heldBytes);
        // What the disk gets differs from what arrived only when a test corrupts it.
        const onDisk = corrupt?.range === index ? Buffer.alloc(chunk.byteLength, 0xee) : chunk;
        await handle.write(onDisk, 0, onDisk.byteLength, at);
        at += chunk.byteLength;
        hasher.written(index, chunk.byteLength);
      }
      if (index > 0) assert.equal(hasher.hashed, 0, 'nothing is hashed before the first range arrives');
    }
    return { digest: await hasher.digest(), maxHeld };
  } finally {
    await handle.close();
    await folder.remove();
  }
}

describe('RangeHasher', () => {
  it('hashes ranges that arrive back to front in file order, from memory, when they fit', async () => {
    const { digest, maxHeld } = await backToFront(4_000_000);
    assert.equal(digest, sha256);
    assert.equal(maxHeld, 2_500_000, 'ranges 1-3 were held whole');
  });

  it('reads back from the file what does not fit in memory, with the same digest', async () => {
    const { digest, maxHeld } = await backToFront(1_200_000);
    assert.equal(digest, sha256);
    assert.ok(maxHeld <= 1_200_000, `held ${maxHeld} bytes, bound 1200000`);
  });

  it('hashes from memory what arrived, and from the file only what it had to read back', async () => {
    // Range 3 (the last, 500000 bytes) fits the bound and is held: the corruption on disk is not
    // read. Range 1 does not fit once 3 and 2 are held, so it is read back: its corruption shows.
    assert.equal((await backToFront(4_000_000, { range: 3 })).digest, sha256);
    assert.notEqual((await backToFront(1_600_000, { range: 1 })).digest, sha256);
  });

  it('hashes a range at the frontier as it arrives, holding nothing', async () => {
    const folder = await tempFolder('in-order-hash-front');
    const ranges = planRanges(bytes.length, 1_000_000);
    const handle = await open(join(folder.path, 'f'), 'wx+');
    try {
      const hasher = new RangeHasher(handle, ranges, 0);
      for (const [index, range] of ranges.entries()) {
        for (const chunk of chunksOf(range, 100_000)) hasher.received(index, chunk);
        assert.equal(hasher.hashed, range.end);
        assert.equal(hasher.heldBytes, 0);
      }
      assert.equal(await hasher.digest(), sha256);
    } finally {
      await handle.close();
      await folder.remove();
    }
  });

  it('reports a file shorter than the bytes it was told were written', async () => {
    const folder = await tempFolder('in-order-hash-short');
    const handle = await open(join(folder.path, 'f'), 'wx+');
    try {
      await handle.write(Buffer.from('abc'), 0, 3, 0);
      const hasher = new RangeHasher(
        handle,
        [
          { start: 0, end: 5 },
          { start: 5, end: 10 },
        ],
        0,
      );
      hasher.received(1, Buffer.from('fghij')); // let go: no room to hold it
      hasher.received(0, Buffer.from('abcde'));
      hasher.written(1, 5);
      await assert.rejects(hasher.digest(), /ends at 5 bytes, before 10/);
    } finally {
      await handle.close();
      await folder.remove();
    }
  });

  it('refuses a digest before every range arrived', async () => {
    const folder = await tempFolder('in-order-hash-missing');
    const handle = await open(join(folder.path, 'f'), 'wx+');
    try {
      const hasher = new RangeHasher(
        handle,
        [
          { start: 0, end: 5 },
          { start: 5, end: 10 },
        ],
        10,
      );
      hasher.received(1, Buffer.from('fghij'));
      await assert.rejects(hasher.digest(), /only 0 bytes arrived in order/);
    } finally {
      await handle.close();
      await folder.remove();
    }
  });
});
