/**
 * `models gc` against the real servers (HDFS through WebHDFS, S3 on versitygw): debris is made the
 * way a killed publisher leaves it (a publish that dies between two files and never cleans up, temp
 * files of a dead WebHDFS writer, an S3 rename that died after claiming its version number), then
 * gc runs. Fresh debris survives the default minimum age of 1 hour; with 0 it goes, and the
 * published version stays whole.
 *
 * Needs the servers of support/s3-test-bucket.ts and support/webhdfs-test-cluster.ts; each half
 * skips, saying why, without its server.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { publishVersion } from '../../src/repository/publish.js';
import { collectStoreGarbage } from '../../src/repository/store-gc.js';
import type { StoreGcResult } from '../../src/repository/store-gc.js';
import { listPublishedVersions, readManifest } from '../../src/repository/versions.js';
import { WebHdfsStore } from '../../src/storage/backends/webhdfs/webhdfs-store.js';
import { ForwardingStore } from '../../src/storage/forwarding-store.js';
import { resolveStoreSettings } from '../../src/storage/store-settings-env.js';
import type { ModelStore } from '../../src/storage/model-store.js';
import { readAll, tempFolder } from '../support/store-assertions.js';
import { createTestBucket, s3TestServer } from './support/s3-test-bucket.js';
import type { S3TestBucket } from './support/s3-test-bucket.js';
import {
  freshFolder,
  hdfsTestCluster,
  lockCluster,
  RawWebHdfs,
  RUN_FOLDER,
} from './support/webhdfs-test-cluster.js';

/** A publisher killed while uploading `second.bin`: the write never finishes, and nothing is cleaned up. */
class KilledPublisherStore extends ForwardingStore {
  override async write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    if (path.endsWith('/second.bin')) throw new Error('killed while uploading second.bin');
    await this.inner.write(path, body, signal);
  }

  override async delete(): Promise<void> {
    // A dead process runs no clean-up.
  }
}

/** Publishes version 1 of `m`, then a second publish that dies halfway; returns its staging folder. */
async function publishAndDie(store: ModelStore): Promise<string> {
  const scratch = await tempFolder('gc-source');
  try {
    await writeFile(join(scratch.path, 'model.onnx'), 'published weights');
    await publishVersion(store, 'm', scratch.path, { lineage: { run: 'gc' } });
    await writeFile(join(scratch.path, 'first.bin'), 'first file');
    await writeFile(join(scratch.path, 'second.bin'), 'second file');
    await assert.rejects(
      publishVersion(new KilledPublisherStore(store), 'm', scratch.path, { lineage: {} }),
      /killed while uploading/,
    );
  } finally {
    await scratch.remove();
  }
  const staging = (await store.list('m')).filter((entry) => entry.name.startsWith('.staging-'));
  assert.equal(staging.length, 1, 'the dead publish left its staging folder');
  return `m/${staging[0]?.name}`;
}

/** What the dead publish uploaded before it died: first.bin and model.onnx (files go in name order). */
const STAGED_BYTES = 'first file'.length + 'published weights'.length;

/** The published version is whole: listed, its manifest readable, its file intact. */
async function assertPublishedIntact(store: ModelStore): Promise<void> {
  assert.deepEqual(await listPublishedVersions(store, 'm'), [1]);
  const manifest = await readManifest(store, 'm', 1);
  assert.deepEqual(manifest.lineage, { run: 'gc' });
  assert.equal((await readAll(await store.read('m/1/model.onnx'))).toString(), 'published weights');
}

function paths(result: StoreGcResult): { removed: string[]; kept: string[] } {
  return { removed: result.removed.map((d) => d.path), kept: result.kept.map((d) => d.path) };
}

const s3 = s3TestServer();
const s3Skip = 'skip' in s3 ? s3.skip : undefined;

describe('models gc on S3 (versitygw)', { skip: s3Skip }, () => {
  let bucket: S3TestBucket | undefined;
  before(async () => {
    if (!('skip' in s3)) bucket = await createTestBucket(s3);
  });
  after(async () => {
    await bucket?.remove();
  });

  it('removes a dead publish and a dead rename, and keeps the published version', async () => {
    if (bucket === undefined) throw new Error('no bucket');
    const store = bucket.store('gc-store');
    const staging = await publishAndDie(store);
    // A rename that died after claiming version 2 (its marker) and copying one file, before the manifest.
    await bucket.put('gc-store/m/2/', '');
    await bucket.put('gc-store/m/2/model.onnx', 'copied');

    // Fresh debris may be a live publish: the default minimum age keeps it, with ages known.
    const young = await collectStoreGarbage(store);
    assert.deepEqual(paths(young), { removed: [], kept: [staging, 'm/2'] });
    for (const debris of young.kept) assert.equal(typeof debris.ageMs, 'number', debris.path);
    assert.deepEqual(
      young.kept.map((debris) => [debris.kind, debris.bytes]),
      [
        ['staging', STAGED_BYTES],
        ['unpublished', 'copied'.length],
      ],
    );

    const dry = await collectStoreGarbage(store, { minAgeMs: 0, dryRun: true });
    assert.deepEqual(paths(dry), { removed: [staging, 'm/2'], kept: [] });
    assert.deepEqual(
      (await store.list('m')).map((entry) => entry.name).sort(),
      [staging.slice(2), '1', '2'].sort(),
    );

    const result = await collectStoreGarbage(store, { minAgeMs: 0 });
    assert.deepEqual(paths(result), { removed: [staging, 'm/2'], kept: [] });
    assert.deepEqual(
      (await store.list('m')).map((entry) => entry.name),
      ['1'],
    );
    await assertPublishedIntact(store);
    // Version 2 is free again: the next publish takes it.
    const scratch = await tempFolder('gc-next');
    try {
      await writeFile(join(scratch.path, 'model.onnx'), 'next');
      assert.equal((await publishVersion(store, 'm', scratch.path, { lineage: {} })).version, 2);
    } finally {
      await scratch.remove();
    }
  });
});

const cluster = hdfsTestCluster();
const hdfsSkip = 'skip' in cluster ? cluster.skip : undefined;
const live = 'skip' in cluster ? undefined : cluster;

describe('models gc on HDFS (WebHDFS)', { skip: hdfsSkip }, () => {
  const raw = new RawWebHdfs(live?.webhdfs ?? 'http://127.0.0.1:9');
  let unlock: (() => Promise<void>) | undefined;
  before(async () => {
    if (live) unlock = await lockCluster(live.webhdfs);
  });
  after(async () => {
    if (live) await raw.remove(RUN_FOLDER).catch(() => undefined);
    await unlock?.();
  });

  it("removes a dead publish, dead writers' temp files and an unpublished folder; keeps the version", async () => {
    if (live === undefined) throw new Error('no cluster');
    const folder = freshFolder('gc');
    const store = new WebHdfsStore(
      new URL(`webhdfs://${live.httpAddress}${folder}`),
      resolveStoreSettings({ BERTH_HDFS_USER: 'berth' }, { requestTimeoutMs: 20_000 }),
    );
    const staging = await publishAndDie(store);
    // What killed WebHDFS writers leave: their temp files, beside the target of each write.
    await raw.put(`${folder}/${staging}/.berth-tmp-dead-1`, 'half of second.bin');
    await raw.put(`${folder}/m/.berth-tmp-dead-2`, 'half a file');
    await raw.put(`${folder}/.berth-tmp-dead-3`, 'half');
    await raw.put(`${folder}/m/3/model.onnx`, 'no manifest'); // a version folder never published
    assert.deepEqual(
      (await store.listTemp('m')).map((entry) => entry.name),
      ['.berth-tmp-dead-2'],
    );

    const young = await collectStoreGarbage(store);
    const debris = ['.berth-tmp-dead-3', 'm/.berth-tmp-dead-2', staging, 'm/3'].sort();
    assert.deepEqual(paths(young), { removed: [], kept: debris });
    const stagingDebris = young.kept.find((entry) => entry.path === staging);
    // The temp file inside counts: its size, and its time keeps the folder young.
    assert.equal(stagingDebris?.bytes, STAGED_BYTES + 'half of second.bin'.length);
    assert.equal(typeof stagingDebris?.ageMs, 'number');

    const result = await collectStoreGarbage(store, { minAgeMs: 0 });
    assert.deepEqual(paths(result), { removed: debris, kept: [] });
    assert.deepEqual(
      (await store.list('m')).map((entry) => entry.name),
      ['1'],
    );
    assert.deepEqual(await store.listTemp('m'), []);
    assert.deepEqual(await store.listTemp(''), []);
    const listing = await raw.json(`${folder}/m`, 'LISTSTATUS');
    const names = (
      listing.body as { FileStatuses: { FileStatus: Array<{ pathSuffix: string }> } }
    ).FileStatuses.FileStatus.map((status) => status.pathSuffix);
    assert.deepEqual(names, ['1'], 'nothing hidden is left either');
    await assertPublishedIntact(store);
  });
});
