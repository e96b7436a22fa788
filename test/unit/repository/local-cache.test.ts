import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import { cacheKey, localize } from '../../../src/repository/local-cache.js';
import type { ModelStore } from '../../../src/storage/model-store.js';
import { publishVersion } from '../../../src/repository/publish.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

describe('cacheKey', () => {
  it('changes with the source and with the manifest bytes', () => {
    const manifest = Buffer.from('{"a":1}');
    const key = cacheKey('file:///s', 'm', 1, manifest);
    assert.match(key, /^[0-9a-f]{32}-[0-9a-f]{32}$/);
    assert.equal(cacheKey('file:///s', 'm', 1, Buffer.from('{"a":1}')), key);
    assert.notEqual(cacheKey('file:///s', 'm', 2, manifest), key);
    assert.notEqual(cacheKey('file:///t', 'm', 1, manifest), key);
    assert.notEqual(cacheKey('file:///s', 'm', 1, Buffer.from('{"a":2}')), key);
  });
});

describe('localize', () => {
  let root: { path: string; remove(): Promise<void> };
  let store: ModelStore;
  before(async () => {
    root = await tempFolder('local-cache-unit');
    store = createFileStore(pathToFileURL(join(root.path, 'store')), {});
  });
  after(() => root.remove());

  it('does not reuse the cache of a version number published again with other content', async () => {
    const local = join(root.path, 'local');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'model.onnx'), 'first');
    await publishVersion(store, 'm', local, { lineage: {} });
    const cacheDir = join(root.path, 'cache');
    const first = await localize(store, 'm', 1, { cacheDir });
    // The version folder is replaced behind the server's back (a re-created store, a restore...).
    await store.delete('m/1');
    await writeFile(join(local, 'model.onnx'), 'second');
    await publishVersion(store, 'm', local, { lineage: {} });
    const second = await localize(store, 'm', 1, { cacheDir });
    assert.equal(second.reused, false);
    assert.notEqual(second.dir, first.dir);
  });

  it('a missing version is STORE_NOT_FOUND and creates nothing in the cache', async () => {
    const cacheDir = join(root.path, 'cache-missing');
    await assert.rejects(
      localize(store, 'm', 9, { cacheDir }),
      berthError('STORE_NOT_FOUND', 'm/9/MANIFEST.json'),
    );
    assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
  });

  it('an aborted download is CANCELLED and leaves no partial folder', async () => {
    const cacheDir = join(root.path, 'cache-abort');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      localize(store, 'm', 1, { cacheDir, signal: controller.signal }),
      berthError('CANCELLED'),
    );
    assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
  });

  describe('in parallel ranges', () => {
    const bytes = Buffer.from(
      Array.from({ length: 1_000_000 }, (_, index) => (index * 7 + (index >> 9)) % 253),
    );
    // 16 ranges of 64 KiB, 4 at a time: they finish out of order, and later ones wait in memory.
    const ranges = { thresholdBytes: 65_536, chunkBytes: 65_536, concurrency: 4 };

    it('downloads the file whole, its sha256 checked in order', async () => {
      const local = join(root.path, 'ranges-local');
      await mkdir(local, { recursive: true });
      await writeFile(join(local, 'model.onnx'), bytes);
      await publishVersion(store, 'r', local, { lineage: {} });
      const pulled = await localize(store, 'r', 1, { cacheDir: join(root.path, 'cache-ranges'), ranges });
      assert.ok((await readFile(join(pulled.dir, 'model.onnx'))).equals(bytes));
    });

    for (const [name, at] of [
      ['the first', 10],
      ['a middle', 500_000],
      ['the last', 999_999],
    ] as const) {
      it(`a byte flipped in ${name} range is DIGEST_MISMATCH and leaves no cache folder`, async () => {
        const bad = Buffer.from(bytes);
        bad[at] = (bad[at] ?? 0) ^ 0x40;
        await writeFile(join(root.path, 'store', 'r', '1', 'model.onnx'), bad); // behind the manifest's back
        const cacheDir = join(root.path, `cache-ranges-bad-${at}`);
        await assert.rejects(
          localize(store, 'r', 1, { cacheDir, ranges }),
          berthError('DIGEST_MISMATCH', 'model.onnx'),
        );
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      });
    }
  });
});
