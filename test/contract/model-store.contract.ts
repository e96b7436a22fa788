/**
 * The one contract every ModelStore backend passes (file, http; webhdfs and s3 later). It uses only
 * the ModelStore interface plus the fixture's `seed`, which puts content in place behind the
 * store's back, so read-only backends run every read case on the same data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { localize } from '../../src/repository/local-cache.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, serializeManifest } from '../../src/repository/manifest.js';
import type { ModelStore } from '../../src/storage/model-store.js';
import { publishVersion } from '../../src/repository/publish.js';
import { listPublishedVersions, readManifest, resolveVersion } from '../../src/repository/versions.js';
import { berthError, readAll, tempFolder } from '../support/store-assertions.js';

/** Files by store path ('a/b.txt') and content. */
export type SeedFiles = Readonly<Record<string, string | Uint8Array>>;

/** A store under test, plus a way to put content into it that does not go through it. */
export interface StoreFixture {
  readonly store: ModelStore;
  /** Creates the files (and their folders) at these store paths; never called twice for one path. */
  seed(files: SeedFiles): Promise<void>;
  /** Stops servers and removes temp folders. */
  close(): Promise<void>;
}

/** What the suite needs to know before it runs: why write cases are skipped, if they are. */
export interface ContractTraits {
  /** Set for read-only backends: the reason shown for every skipped write case. */
  readonly readOnly?: string;
}

// 200 KiB of varied bytes: larger than one stream chunk, so ranges cross chunk boundaries.
const BIG = Buffer.from(Array.from({ length: 200 * 1024 }, (_, index) => (index * 31 + (index >> 8)) % 251));

/** Registers the shared ModelStore suite under `name`; `makeFixture` gives a fresh, empty store per case. */
export function modelStoreContract(
  name: string,
  makeFixture: () => Promise<StoreFixture>,
  traits: ContractTraits = {},
): void {
  const writes = traits.readOnly === undefined ? {} : { skip: traits.readOnly };
  const test = (
    title: string,
    body: (fixture: StoreFixture, scratch: string) => Promise<void>,
    options = {},
  ) =>
    it(title, options, async () => {
      const fixture = await makeFixture();
      const scratch = await tempFolder('contract');
      try {
        await body(fixture, scratch.path);
      } finally {
        await fixture.close();
        await scratch.remove();
      }
    });

  describe(`ModelStore contract: ${name}`, () => {
    test('writable matches the declared traits', async ({ store }) => {
      assert.equal(store.writable, traits.readOnly === undefined);
      assert.ok(!store.uri.endsWith('/'), `uri ${store.uri} must not end with '/'`);
    });

    describe('stat', () => {
      test('a file gives its name, kind and size', async (fixture) => {
        await fixture.seed({ 'm/a.bin': 'hello' });
        const entry = await fixture.store.stat('m/a.bin');
        assert.deepEqual([entry.name, entry.type, entry.size], ['a.bin', 'file', 5]);
      });
      test('a folder is a directory of size 0', async (fixture) => {
        await fixture.seed({ 'm/sub/a.bin': 'x' });
        const entry = await fixture.store.stat('m/sub');
        assert.deepEqual([entry.name, entry.type, entry.size], ['sub', 'directory', 0]);
      });
      test('a missing path throws STORE_NOT_FOUND naming it', async ({ store }) => {
        await assert.rejects(
          store.stat('nope/missing.bin'),
          berthError('STORE_NOT_FOUND', 'nope/missing.bin'),
        );
      });
      test('a path with ".." is refused', async ({ store }) => {
        await assert.rejects(store.stat('m/../../etc'), berthError('STORE_ERROR', '..'));
      });
    });

    describe('list', () => {
      test('gives the direct children sorted by name, with kinds and sizes', async (fixture) => {
        await fixture.seed({ 'm/b.txt': 'bb', 'm/a.txt': 'a', 'm/c/deep.txt': 'ccc', 'm/B.txt': 'B' });
        const entries = await fixture.store.list('m');
        assert.deepEqual(
          entries.map(({ name, type, size }) => ({ name, type, size })),
          [
            { name: 'B.txt', type: 'file', size: 1 },
            { name: 'a.txt', type: 'file', size: 1 },
            { name: 'b.txt', type: 'file', size: 2 },
            { name: 'c', type: 'directory', size: 0 },
          ],
        );
      });
      test('a missing folder throws STORE_NOT_FOUND', async ({ store }) => {
        await assert.rejects(store.list('absent'), berthError('STORE_NOT_FOUND', 'absent'));
      });
      test('files carry a modification time, the same (to the second) in stat and list', async (fixture) => {
        await fixture.seed({ 'm/a.txt': 'a' });
        const stated = (await fixture.store.stat('m/a.txt')).modifiedMs;
        const listed = (await fixture.store.list('m')).find((entry) => entry.name === 'a.txt')?.modifiedMs;
        assert.equal(typeof stated, 'number');
        assert.equal(typeof listed, 'number');
        // HTTP dates and S3's HEAD answer carry whole seconds; listings may carry milliseconds.
        assert.ok(Math.abs((stated as number) - (listed as number)) < 1000, `${stated} vs ${listed}`);
      });
    });

    describe('listTemp', () => {
      test('shows the temp files list() hides, with sizes; a missing folder is STORE_NOT_FOUND', async (fixture) => {
        await fixture.seed({
          'm/a.txt': 'a',
          'm/.berth-tmp-1234': 'half',
          'm/sub/.berth-tmp-5678': 'deeper',
        });
        assert.deepEqual(
          (await fixture.store.list('m')).map((entry) => entry.name),
          ['a.txt', 'sub'],
        );
        assert.deepEqual(await fixture.store.list('m/sub'), []);
        const temps = await fixture.store.listTemp('m');
        assert.deepEqual(
          temps.map(({ name, type, size }) => ({ name, type, size })),
          [{ name: '.berth-tmp-1234', type: 'file', size: 4 }],
        );
        assert.equal(typeof temps[0]?.modifiedMs, 'number');
        await assert.rejects(fixture.store.listTemp('absent'), berthError('STORE_NOT_FOUND', 'absent'));
      });
      test(
        'delete removes a temp file; a finished write leaves none',
        async (fixture) => {
          await fixture.seed({ 'm/.berth-tmp-1234': 'half' });
          await fixture.store.write('m/a.bin', Buffer.from('whole'));
          await fixture.store.delete('m/.berth-tmp-1234');
          assert.deepEqual(await fixture.store.listTemp('m'), []);
          assert.deepEqual(
            (await fixture.store.list('m')).map((entry) => entry.name),
            ['a.bin'],
          );
        },
        writes,
      );
    });

    describe('read', () => {
      test('the whole file', async (fixture) => {
        await fixture.seed({ 'm/big.bin': BIG });
        assert.ok((await readAll(await fixture.store.read('m/big.bin'))).equals(BIG));
      });
      test('a range from the middle, across chunk boundaries', async (fixture) => {
        await fixture.seed({ 'm/big.bin': BIG });
        const bytes = await readAll(
          await fixture.store.read('m/big.bin', { offset: 70_000, length: 100_000 }),
        );
        assert.ok(bytes.equals(BIG.subarray(70_000, 170_000)));
      });
      test('an offset with no length reads to the end', async (fixture) => {
        await fixture.seed({ 'm/a.txt': '0123456789' });
        assert.equal((await readAll(await fixture.store.read('m/a.txt', { offset: 7 }))).toString(), '789');
      });
      test('a range past the end is cut at the end; one starting at the end is empty', async (fixture) => {
        await fixture.seed({ 'm/a.txt': '0123456789' });
        const tail = await readAll(await fixture.store.read('m/a.txt', { offset: 8, length: 10 }));
        assert.equal(tail.toString(), '89');
        const none = await readAll(await fixture.store.read('m/a.txt', { offset: 10, length: 5 }));
        assert.equal(none.length, 0);
      });
      test('a missing file throws STORE_NOT_FOUND when read() is called', async ({ store }) => {
        await assert.rejects(store.read('m/none.bin'), berthError('STORE_NOT_FOUND', 'm/none.bin'));
      });
    });

    describe('write', () => {
      test(
        'read-only stores refuse writes with STORE_READ_ONLY',
        async ({ store }) => {
          await assert.rejects(store.write('m/x.bin', Buffer.from('x')), berthError('STORE_READ_ONLY'));
          await assert.rejects(store.rename('m/x', 'm/y'), berthError('STORE_READ_ONLY'));
          await assert.rejects(store.delete('m/x'), berthError('STORE_READ_ONLY'));
        },
        traits.readOnly === undefined ? { skip: 'the store is writable' } : {},
      );
      test(
        'bytes and streams are written, parents created, and read back',
        async ({ store }) => {
          await store.write('m/1/a.bin', Buffer.from('bytes'));
          await store.write('m/1/sub/b.bin', Readable.from([Buffer.from('str'), Buffer.from('eam')]));
          assert.equal((await readAll(await store.read('m/1/a.bin'))).toString(), 'bytes');
          assert.equal((await readAll(await store.read('m/1/sub/b.bin'))).toString(), 'stream');
          assert.deepEqual(
            (await store.list('m/1')).map((entry) => entry.name),
            ['a.bin', 'sub'],
          );
        },
        writes,
      );
      test(
        'never overwrites: STORE_ALREADY_EXISTS and the old bytes stay',
        async ({ store }) => {
          await store.write('m/a.bin', Buffer.from('first'));
          await assert.rejects(
            store.write('m/a.bin', Buffer.from('second')),
            berthError('STORE_ALREADY_EXISTS', 'm/a.bin'),
          );
          assert.equal((await readAll(await store.read('m/a.bin'))).toString(), 'first');
          assert.deepEqual(
            (await store.list('m')).map((entry) => entry.name),
            ['a.bin'],
          );
        },
        writes,
      );
    });

    describe('rename', () => {
      test(
        'moves a folder; a taken target throws STORE_ALREADY_EXISTS and nothing moves',
        async ({ store }) => {
          await store.write('m/s1/a.bin', Buffer.from('one'));
          await store.write('m/s2/a.bin', Buffer.from('two'));
          await store.rename('m/s1', 'm/1');
          await assert.rejects(store.rename('m/s2', 'm/1'), berthError('STORE_ALREADY_EXISTS', 'm/1'));
          assert.equal((await readAll(await store.read('m/1/a.bin'))).toString(), 'one');
          assert.equal((await readAll(await store.read('m/s2/a.bin'))).toString(), 'two');
          await assert.rejects(store.stat('m/s1'), berthError('STORE_NOT_FOUND'));
        },
        writes,
      );
      test(
        'moves a file exclusively',
        async ({ store }) => {
          await store.write('m/a.bin', Buffer.from('a'));
          await store.write('m/b.bin', Buffer.from('b'));
          await assert.rejects(store.rename('m/a.bin', 'm/b.bin'), berthError('STORE_ALREADY_EXISTS'));
          await store.rename('m/a.bin', 'm/c.bin');
          assert.deepEqual(
            (await store.list('m')).map((entry) => entry.name),
            ['b.bin', 'c.bin'],
          );
        },
        writes,
      );
      test(
        'a missing source throws STORE_NOT_FOUND',
        async ({ store }) => {
          await assert.rejects(store.rename('m/none', 'm/1'), berthError('STORE_NOT_FOUND', 'm/none'));
        },
        writes,
      );
    });

    describe('delete', () => {
      test(
        'removes a file, a whole folder, and accepts a missing path',
        async ({ store }) => {
          await store.write('m/a.bin', Buffer.from('a'));
          await store.write('m/d/e/f.bin', Buffer.from('f'));
          await store.delete('m/a.bin');
          await store.delete('m/d');
          await store.delete('m/never-there');
          assert.deepEqual(await store.list('m'), []);
        },
        writes,
      );
    });

    describe('versions', () => {
      test('only numbered folders holding MANIFEST.json count; pins are checked', async (fixture) => {
        await seedVersion(fixture, 'm', 1, { 'model.onnx': 'v1' });
        await seedVersion(fixture, 'm', 3, { 'model.onnx': 'v3' });
        // Not published: no manifest; a staging folder; a file with a number for a name; a "07".
        await fixture.seed({
          'm/4/model.onnx': 'half',
          'm/.staging-abc/model.onnx': 's',
          'm/.staging-abc/MANIFEST.json': '{}',
          'm/5': 'a file',
          'm/07/MANIFEST.json': '{}',
        });
        const { store } = fixture;
        assert.deepEqual(await listPublishedVersions(store, 'm'), [1, 3]);
        assert.equal(await resolveVersion(store, 'm'), 3);
        assert.equal(await resolveVersion(store, 'm', 1), 1);
        await assert.rejects(
          resolveVersion(store, 'm', 4),
          berthError('NO_PUBLISHED_VERSION', 'm/4', 'version 4'),
        );
        assert.equal((await readManifest(store, 'm', 3)).files[0]?.path, 'model.onnx');
      });
      test('a missing model folder is STORE_NOT_FOUND, an empty one NO_PUBLISHED_VERSION', async (fixture) => {
        await fixture.seed({ 'empty/2/model.onnx': 'x' });
        const { store } = fixture;
        await assert.rejects(
          resolveVersion(store, 'ghost'),
          berthError('STORE_NOT_FOUND', `${store.uri}/ghost`),
        );
        await assert.rejects(
          resolveVersion(store, 'ghost', 1),
          berthError('STORE_NOT_FOUND', `${store.uri}/ghost`),
        );
        await assert.rejects(
          resolveVersion(store, 'empty'),
          berthError('NO_PUBLISHED_VERSION', `${store.uri}/empty`),
        );
      });
    });

    describe('publish', () => {
      test(
        'gives version 1, then 2, with a manifest of every file',
        async ({ store }, scratch) => {
          const local = join(scratch, 'out');
          await writeLocal(local, {
            'model.onnx': 'weights',
            'berth.yaml': 'runtime: onnx\n',
            'extra/vocab.txt': 'a b',
          });
          await writeLocal(local, { [MANIFEST_FILE]: 'stale' });
          const first = await publishVersion(store, 'm', local, {
            lineage: { run: 'r1' },
            createdAt: '2024-01-02T03:04:05Z',
          });
          const second = await publishVersion(store, 'm', local, { lineage: { run: 'r2' } });
          assert.deepEqual([first.version, second.version], [1, 2]);
          assert.deepEqual(
            first.manifest.files.map((file) => [file.path, file.size, file.sha256]),
            [
              ['berth.yaml', 14, sha256('runtime: onnx\n')],
              ['extra/vocab.txt', 3, sha256('a b')],
              ['model.onnx', 7, sha256('weights')],
            ],
          );
          assert.equal(first.manifest.createdAt, '2024-01-02T03:04:05.000Z');
          assert.deepEqual(await readManifest(store, 'm', 1), first.manifest);
          assert.equal((await readAll(await store.read('m/2/extra/vocab.txt'))).toString(), 'a b');
          assert.deepEqual(
            (await store.list('m')).map((entry) => entry.name),
            ['1', '2'],
          );
        },
        writes,
      );
      test(
        'concurrent publishes get distinct versions and leave no staging folder',
        async ({ store }, scratch) => {
          const local = join(scratch, 'out');
          await writeLocal(local, { 'model.onnx': 'w' });
          const results = await Promise.all(
            Array.from({ length: 6 }, (_, run) => publishVersion(store, 'm', local, { lineage: { run } })),
          );
          assert.deepEqual(
            results.map((result) => result.version).sort((a, b) => a - b),
            [1, 2, 3, 4, 5, 6],
          );
          assert.deepEqual(
            (await store.list('m')).map((entry) => entry.name),
            ['1', '2', '3', '4', '5', '6'],
          );
          assert.deepEqual(await listPublishedVersions(store, 'm'), [1, 2, 3, 4, 5, 6]);
        },
        writes,
      );
      test(
        'a failed upload leaves no version and no staging folder',
        async ({ store }, scratch) => {
          await store.write('m/keep.txt', Buffer.from('k'));
          await assert.rejects(
            publishVersion(store, 'm', join(scratch, 'no-such-dir'), { lineage: {} }),
            berthError('STORE_NOT_FOUND'),
          );
          assert.deepEqual(
            (await store.list('m')).map((entry) => entry.name),
            ['keep.txt'],
          );
        },
        writes,
      );
    });

    describe('localize', () => {
      test('downloads, verifies, then reuses the cache', async (fixture, scratch) => {
        const files = { 'model.onnx': BIG, 'berth.yaml': 'runtime: onnx\n', 'sub/labels.txt': 'cat\ndog\n' };
        await seedVersion(fixture, 'm', 1, files);
        const cacheDir = join(scratch, 'cache');
        const seen: number[] = [];
        const first = await localize(fixture.store, 'm', 1, {
          cacheDir,
          onProgress: (p) => seen.push(p.bytes),
        });
        const total = BIG.length + 14 + 8;
        assert.equal(first.reused, false);
        assert.equal(first.bytes, total);
        assert.equal(seen.at(-1), total);
        assert.ok(first.durationMs >= 0);
        assert.ok((await readFile(join(first.dir, 'model.onnx'))).equals(BIG));
        assert.equal(await readFile(join(first.dir, 'sub', 'labels.txt'), 'utf8'), 'cat\ndog\n');
        assert.deepEqual((await readdir(first.dir)).sort(), [
          MANIFEST_FILE,
          'berth.yaml',
          'model.onnx',
          'sub',
        ]);
        const again = await localize(fixture.store, 'm', 1, { cacheDir });
        assert.deepEqual([again.reused, again.bytes, again.dir], [true, 0, first.dir]);
        assert.deepEqual(await readdir(cacheDir), [first.dir.split('/').at(-1)]);
      });
      test('a flipped byte throws DIGEST_MISMATCH naming the file, and leaves no cache folder', async (fixture, scratch) => {
        const good = Buffer.from(BIG);
        const bad = Buffer.from(BIG);
        bad[1234] = (bad[1234] ?? 0) ^ 0x01;
        await seedVersion(fixture, 'm', 1, { 'model.onnx': good }, { 'model.onnx': bad });
        const cacheDir = join(scratch, 'cache');
        await assert.rejects(
          localize(fixture.store, 'm', 1, { cacheDir }),
          berthError('DIGEST_MISMATCH', `${fixture.store.uri}/m/1/model.onnx`, sha256(good), sha256(bad)),
        );
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      });
      test('cancelling midway throws CANCELLED and leaves no partial folder', async (fixture, scratch) => {
        await seedVersion(fixture, 'm', 1, { 'model.onnx': BIG });
        const cacheDir = join(scratch, 'cache');
        const controller = new AbortController();
        const pull = localize(fixture.store, 'm', 1, {
          cacheDir,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        });
        await assert.rejects(pull, berthError('CANCELLED'));
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      });
      test('a file shorter than its manifest says throws DIGEST_MISMATCH', async (fixture, scratch) => {
        await seedVersion(fixture, 'm', 1, { 'model.onnx': 'complete' }, { 'model.onnx': 'compl' });
        const cacheDir = join(scratch, 'cache');
        await assert.rejects(
          localize(fixture.store, 'm', 1, { cacheDir }),
          berthError('DIGEST_MISMATCH', 'expected 8 bytes'),
        );
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      });
    });
  });
}

/**
 * Seeds a published version: `files` plus a MANIFEST.json describing them. `stored` replaces what
 * actually lands in the store, to model corruption between publish and download.
 */
export async function seedVersion(
  fixture: StoreFixture,
  model: string,
  version: number,
  files: SeedFiles,
  stored: SeedFiles = {},
): Promise<void> {
  const manifest = serializeManifest({
    format: MANIFEST_FORMAT,
    createdAt: new Date(0).toISOString(),
    files: Object.entries(files).map(([path, content]) => ({
      path,
      size: Buffer.byteLength(content),
      sha256: sha256(content),
    })),
    lineage: {},
  });
  const entries = Object.entries({ ...files, ...stored }).map(([path, content]) => [
    `${model}/${version}/${path}`,
    content,
  ]);
  await fixture.seed({ ...Object.fromEntries(entries), [`${model}/${version}/${MANIFEST_FILE}`]: manifest });
}

function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

async function writeLocal(dir: string, files: SeedFiles): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}
