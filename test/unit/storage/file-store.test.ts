import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import type { ModelStore } from '../../../src/storage/model-store.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

describe('file store specifics', () => {
  let root: { path: string; remove(): Promise<void> };
  let store: ModelStore;
  before(async () => {
    root = await tempFolder('file-store-unit');
    store = createFileStore(pathToFileURL(`${root.path}/`), {});
  });
  after(() => root.remove());

  it('normalises its uri without a trailing slash', () => {
    assert.equal(store.uri, pathToFileURL(root.path).href);
  });

  it('refuses ".." anywhere in a path, for every method', async () => {
    for (const call of [
      () => store.stat('../x'),
      () => store.list('a/../..'),
      () => store.read('a/../../etc/passwd'),
      () => store.write('../escape.bin', Buffer.from('x')),
      () => store.rename('a', '../b'),
      () => store.delete('..'),
    ]) {
      await assert.rejects(call(), berthError('STORE_ERROR', '".."'));
    }
  });

  it('names the full path of a missing file', async () => {
    await assert.rejects(
      store.read('m/1/model.onnx'),
      berthError('STORE_NOT_FOUND', `${store.uri}/m/1/model.onnx`),
    );
  });

  it('refuses to delete the store root', async () => {
    await assert.rejects(store.delete(''), berthError('STORE_ERROR', 'store root'));
  });

  it('leaves no temp file behind after a refused write', async () => {
    await store.write('w/a.bin', Buffer.from('1'));
    await assert.rejects(store.write('w/a.bin', Buffer.from('2')), berthError('STORE_ALREADY_EXISTS'));
    assert.deepEqual(await readdir(join(root.path, 'w')), ['a.bin']);
  });

  it('a folder rename onto a non-empty folder fails and does not touch either', async () => {
    await mkdir(join(root.path, 'r/src'), { recursive: true });
    await mkdir(join(root.path, 'r/1'), { recursive: true });
    await writeFile(join(root.path, 'r/src/a'), 'a');
    await writeFile(join(root.path, 'r/1/b'), 'b');
    await assert.rejects(store.rename('r/src', 'r/1'), berthError('STORE_ALREADY_EXISTS', 'r/1'));
    assert.deepEqual(await readdir(join(root.path, 'r/1')), ['b']);
    assert.deepEqual(await readdir(join(root.path, 'r/src')), ['a']);
  });

  it('rejects negative or fractional ranges', async () => {
    await store.write('g/a.bin', Buffer.from('abc'));
    await assert.rejects(store.read('g/a.bin', { offset: -1 }), berthError('STORE_ERROR', 'non-negative'));
    await assert.rejects(store.read('g/a.bin', { length: 1.5 }), berthError('STORE_ERROR', 'non-negative'));
  });

  it('reading a folder is an error, not an empty file', async () => {
    await assert.rejects(store.read('g'), berthError('STORE_ERROR', 'is a folder'));
  });
});
