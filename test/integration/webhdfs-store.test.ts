/**
 * The WebHDFS store against a real HDFS (NameNode + DataNode from scripts/hdfs/start.sh): the
 * shared ModelStore contract twice (webhdfs:// and hdfs:// through BERTH_WEBHDFS_ADDRESS), then what
 * only a real cluster shows: address resolution and HA fail-over, LISTSTATUS_BATCH paging,
 * multi-block files read by range, racing publishes, failed uploads, and a model served end to end.
 *
 * Needs BERTH_TEST_WEBHDFS (and BERTH_TEST_HDFS_URI for the hdfs:// cases); see
 * support/webhdfs-test-cluster.ts. Skips every case, saying why, without them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { localize } from '../../src/repository/local-cache.js';
import { publishVersion } from '../../src/repository/publish.js';
import { listPublishedVersions, readManifest } from '../../src/repository/versions.js';
import { WebHdfsStore } from '../../src/storage/backends/webhdfs/webhdfs-store.js';
import { resolveStoreSettings } from '../../src/storage/store-settings-env.js';
import { modelStoreContract } from '../contract/model-store.contract.js';
import type { SeedFiles, StoreFixture } from '../contract/model-store.contract.js';
import { mlpModel, mlpReference, mlpWeights } from '../fixtures/onnx/models.js';
import { spawnServer } from '../support/spawn-server.js';
import { berthError, readAll, tempFolder } from '../support/store-assertions.js';
import { startTestServer } from '../support/test-server.js';
import {
  closedPort,
  freshFolder,
  hdfsTestCluster,
  lockCluster,
  RawWebHdfs,
  RUN_FOLDER,
} from './support/webhdfs-test-cluster.js';

const cluster = hdfsTestCluster();
const skip = 'skip' in cluster ? cluster.skip : undefined;
const live = 'skip' in cluster ? undefined : cluster;
const noHdfsUri = live?.hdfsUri === undefined ? 'no hdfs:// URI: set BERTH_TEST_HDFS_URI' : undefined;
const raw = new RawWebHdfs(live?.webhdfs ?? 'http://127.0.0.1:9');
const USER = { BERTH_HDFS_USER: 'berth' };
const MiB = 1024 * 1024;

let unlock: (() => Promise<void>) | undefined;
before(async () => {
  if (live) unlock = await lockCluster(live.webhdfs);
});
after(async () => {
  if (live) await raw.remove(RUN_FOLDER).catch(() => undefined);
  await unlock?.();
});

function need(): NonNullable<typeof live> {
  if (live === undefined) throw new Error(skip);
  return live;
}

/** A store on a fresh folder: `webhdfs://` names the HTTP address; `hdfs://` resolves it from env. */
function openStore(kind: 'webhdfs' | 'hdfs', folder: string, env: Record<string, string> = {}): WebHdfsStore {
  const { httpAddress, hdfsUri } = need();
  const uri = kind === 'webhdfs' ? `webhdfs://${httpAddress}${folder}` : `${hdfsUri}${folder}`;
  return new WebHdfsStore(
    new URL(uri),
    resolveStoreSettings(
      { ...USER, ...(kind === 'hdfs' ? { BERTH_WEBHDFS_ADDRESS: httpAddress } : {}), ...env },
      { requestTimeoutMs: 20_000 },
    ),
  );
}

let cases = 0;
function hdfsFixture(kind: 'webhdfs' | 'hdfs'): () => Promise<StoreFixture> {
  return async () => {
    const folder = freshFolder(`contract-${kind}-${++cases}`);
    return {
      store: openStore(kind, folder),
      seed: async (files: SeedFiles) => {
        for (const [path, content] of Object.entries(files)) await raw.put(`${folder}/${path}`, content);
      },
      close: () => raw.remove(folder),
    };
  };
}

if (skip === undefined) {
  modelStoreContract('webhdfs store on a real HDFS (webhdfs://)', hdfsFixture('webhdfs'));
  if (noHdfsUri === undefined)
    modelStoreContract('webhdfs store on a real HDFS (hdfs://)', hdfsFixture('hdfs'));
} else {
  describe('ModelStore contract: webhdfs store on a real HDFS', { skip }, () => undefined);
}

describe('WebHDFS store on a real HDFS', { skip }, () => {
  it(
    'hdfs:// reaches WebHDFS through BERTH_WEBHDFS_ADDRESS, skipping a dead NameNode',
    { skip: noHdfsUri },
    async () => {
      const folder = freshFolder('address');
      await raw.put(`${folder}/a.txt`, 'hello');
      const plain = openStore('hdfs', folder);
      assert.equal(plain.uri, `${need().hdfsUri}${folder}`);
      assert.deepEqual(await plain.addresses(), { urls: [need().webhdfs], source: 'BERTH_WEBHDFS_ADDRESS' });
      const dead = await closedPort();
      const ha = openStore('hdfs', folder, {
        BERTH_WEBHDFS_ADDRESS: `127.0.0.1:${dead},${need().httpAddress}`,
      });
      assert.equal((await ha.stat('a.txt')).size, 5);
      assert.equal((await readAll(await ha.read('a.txt'))).toString(), 'hello');
      // Messages name the hdfs:// path, not the HTTP address.
      await assert.rejects(ha.stat('none'), berthError('STORE_NOT_FOUND', `${need().hdfsUri}${folder}/none`));
    },
  );

  it(
    'hdfs://<nameservice> resolves HA NameNodes from HADOOP_CONF_DIR and fails over',
    { skip: noHdfsUri },
    async () => {
      const folder = freshFolder('hadoop-conf');
      await raw.put(`${folder}/a.txt`, 'conf');
      const conf = await tempFolder('hadoop-conf');
      try {
        const dead = await closedPort();
        await writeFile(join(conf.path, 'core-site.xml'), siteXml({ 'fs.defaultFS': 'hdfs://berthns' }));
        await writeFile(
          join(conf.path, 'hdfs-site.xml'),
          siteXml({
            'dfs.nameservices': 'berthns',
            'dfs.ha.namenodes.berthns': 'nn1,nn2',
            'dfs.namenode.http-address.berthns.nn1': `127.0.0.1:${dead}`,
            'dfs.namenode.http-address.berthns.nn2': need().httpAddress,
          }),
        );
        const env = { ...USER, HADOOP_CONF_DIR: conf.path };
        for (const uri of [`hdfs://berthns${folder}`, `hdfs://${folder}`]) {
          const store = new WebHdfsStore(
            new URL(uri),
            resolveStoreSettings(env, { requestTimeoutMs: 20_000 }),
          );
          assert.equal((await readAll(await store.read('a.txt'))).toString(), 'conf', uri);
          assert.deepEqual((await store.addresses()).urls, [`http://127.0.0.1:${dead}`, need().webhdfs]);
        }
      } finally {
        await conf.remove();
      }
    },
  );

  it('lists a folder larger than one LISTSTATUS_BATCH page, in order, odd names included', async () => {
    const folder = freshFolder('paging');
    const store = openStore('webhdfs', folder);
    const odd = ['a b', 'ü-umlaut', '%41', 'x+y', 'semi;colon', 'q?mark'];
    for (const name of odd) await raw.put(`${folder}/${name}`, name);
    let names = [...odd];
    // Grow the folder until the NameNode needs more than one page (dfs.ls.limit; 1000 by default).
    for (let count = 0; ;) {
      const page = await raw.json(folder, 'LISTSTATUS_BATCH');
      const listing = (page.body as { DirectoryListing: { remainingEntries: number } }).DirectoryListing;
      if (listing.remainingEntries > 0) break;
      assert.ok(count < 3000, 'the NameNode never paged: is dfs.ls.limit above 3000?');
      const more = Array.from(
        { length: count === 0 ? 20 : 1000 },
        (_, index) => `d${String(count + index).padStart(5, '0')}`,
      );
      await inBatches(more, 32, (name) => raw.mkdirs(`${folder}/${name}`));
      names = names.concat(more);
      count += more.length;
    }
    const entries = await store.list('');
    assert.deepEqual(
      entries.map((entry) => entry.name),
      [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    assert.deepEqual(
      entries.filter((entry) => entry.type === 'file').map((entry) => [entry.name, entry.size]),
      odd.sort().map((name) => [name, Buffer.byteLength(name)]),
    );
  });

  it('reads multi-block files (1 MiB blocks) by range, across block boundaries, and localizes them in ranges', async (t) => {
    const folder = freshFolder('blocks');
    const store = openStore('webhdfs', folder);
    const big = pattern(3 * MiB + 12_345);
    await store.write('m/1/model.bin', big);
    const status = await raw.json(`${folder}/m/1/model.bin`, 'GETFILESTATUS');
    const blockSize = (status.body as { FileStatus: { blockSize: number } }).FileStatus.blockSize;
    t.diagnostic(`block size ${blockSize}: ${Math.ceil(big.length / blockSize)} blocks`);
    assert.ok(blockSize < big.length, `block size ${blockSize} must give a multi-block file`);
    for (const [offset, length] of [
      [blockSize - 5, 10],
      [0, big.length],
      [2 * blockSize - 1, blockSize + 2],
      [big.length - 100, 1000],
      [blockSize, undefined],
    ] as Array<[number, number | undefined]>) {
      const bytes = await readAll(
        await store.read('m/1/model.bin', { offset, ...(length === undefined ? {} : { length }) }),
      );
      const end = length === undefined ? big.length : Math.min(big.length, offset + length);
      assert.ok(bytes.equals(big.subarray(offset, end)), `range ${offset}+${length}`);
    }
    // Published and pulled through parallel ranges that do not line up with the blocks.
    const local = await tempFolder('blocks');
    try {
      await mkdir(join(local.path, 'src'));
      await writeFile(join(local.path, 'src', 'model.bin'), big);
      const { version } = await publishVersion(store, 'p', join(local.path, 'src'), { lineage: {} });
      const pulled = await localize(store, 'p', version, {
        cacheDir: join(local.path, 'cache'),
        ranges: { thresholdBytes: MiB, chunkBytes: 700 * 1024, concurrency: 4 },
      });
      assert.ok((await readFile(join(pulled.dir, 'model.bin'))).equals(big));
    } finally {
      await local.remove();
    }
  });

  it('concurrent publishes from separate clients get distinct, complete versions', async () => {
    const folder = freshFolder('race');
    const local = await tempFolder('race');
    try {
      const runs = 10;
      const published = await Promise.all(
        Array.from({ length: runs }, async (_, run) => {
          const dir = join(local.path, `run-${run}`);
          await mkdir(dir);
          await writeFile(join(dir, 'model.bin'), pattern(200_000 + run));
          // A store per run, as separate `berth models push` processes would have.
          return publishVersion(openStore('webhdfs', folder), 'm', dir, { lineage: { run } });
        }),
      );
      const store = openStore('webhdfs', folder);
      const versions = published.map((result) => result.version).sort((a, b) => a - b);
      assert.deepEqual(
        versions,
        Array.from({ length: runs }, (_, index) => index + 1),
      );
      assert.deepEqual(await listPublishedVersions(store, 'm'), versions);
      assert.deepEqual(
        (await store.list('m')).map((entry) => entry.name),
        versions.map(String).sort(),
        'no staging or temp leftovers',
      );
      for (const result of published) {
        const manifest = await readManifest(store, 'm', result.version);
        const run = manifest.lineage.run as number;
        const bytes = await readAll(await store.read(`m/${result.version}/model.bin`));
        assert.ok(bytes.equals(pattern(200_000 + run)), `version ${result.version} holds run ${run}`);
        assert.equal(manifest.files[0]?.sha256, sha256(bytes));
      }
    } finally {
      await local.remove();
    }
  });

  it('a failed upload leaves neither the file nor a temp file', async () => {
    const folder = freshFolder('failed-upload');
    const store = openStore('webhdfs', folder);
    await store.write('keep.txt', Buffer.from('k'));
    async function* broken(): AsyncGenerator<Buffer> {
      yield pattern(MiB + 3);
      throw new Error('disk read failed');
    }
    await assert.rejects(
      store.write('half.bin', Readable.from(broken())),
      berthError('STORE_ERROR', 'disk read failed'),
    );
    assert.deepEqual(
      (await store.list('')).map((entry) => entry.name),
      ['keep.txt'],
    );
  });

  it('identifies as BERTH_HDFS_USER (user.name)', async () => {
    const folder = freshFolder('owner');
    const store = openStore('webhdfs', folder, { BERTH_HDFS_USER: 'model-publisher' });
    await store.write('a.bin', Buffer.from('x'));
    const status = await raw.json(`${folder}/a.bin`, 'GETFILESTATUS');
    assert.equal((status.body as { FileStatus: { owner: string } }).FileStatus.owner, 'model-publisher');
  });

  describe('a model pushed to HDFS is served end to end', () => {
    const layers = [64, 2048, 256, 1]; // ~2.6 MB of weights: a model file of 3 blocks
    const input = Float32Array.from({ length: 2 * 64 }, (_, index) => Math.sin(index));
    const expected = mlpReference(mlpWeights(layers, 11), input);
    let folder: string;

    before(async () => {
      if (skip !== undefined) return;
      folder = freshFolder('served');
      const local = await tempFolder('served');
      try {
        await writeFile(join(local.path, 'model.onnx'), mlpModel(layers, 11));
        await publishVersion(openStore('webhdfs', folder), 'mlp', local.path, {
          lineage: { test: 'served' },
        });
      } finally {
        await local.remove();
      }
    });

    it('by the in-process server from webhdfs://', async () => {
      const cache = await tempFolder('served-cache');
      const server = await startTestServer({
        store: `webhdfs://${need().httpAddress}${folder}`,
        models: ['mlp'],
        cacheDir: cache.path,
      });
      try {
        await server.loaded;
        assertClose(await infer(server.url, input), expected);
      } finally {
        await server.close();
        await cache.remove();
      }
    });

    it('by `berth serve --store hdfs://…` with BERTH_WEBHDFS_ADDRESS', { skip: noHdfsUri }, async () => {
      const cache = await tempFolder('served-bin');
      const server = spawnServer(['--store', `${need().hdfsUri}${folder}`, '--model', 'mlp'], {
        BERTH_WEBHDFS_ADDRESS: need().httpAddress,
        BERTH_CACHE_DIR: cache.path,
        ...USER,
      });
      try {
        await server.waitForLog('ready');
        assertClose(await infer(await server.url, input), expected);
        assert.equal((await readdir(cache.path)).filter((name) => !name.startsWith('.')).length, 1);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
        await cache.remove();
      }
    });
  });
});

async function infer(url: string, features: Float32Array): Promise<Float32Array> {
  const response = await fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: [{ name: 'features', shape: [2, 64], datatype: 'FP32', data: Array.from(features) }],
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as {
    outputs: Array<{ name: string; shape: number[]; data: number[] }>;
  };
  assert.deepEqual(body.outputs[0]?.shape, [2, 1]);
  return Float32Array.from(body.outputs[0]?.data ?? []);
}

function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, index) =>
    assert.ok(
      Math.abs(value - (expected[index] ?? NaN)) < 1e-5,
      `output ${index}: ${value} vs ${expected[index]}`,
    ),
  );
}

/** Deterministic bytes that differ at every offset a misplaced range could land on. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index += 1)
    bytes[index] = (index * 31 + (index >> 8) + (index >> 16)) % 251;
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function siteXml(properties: Record<string, string>): string {
  const entries = Object.entries(properties)
    .map(
      ([name, value]) => `  <property>\n    <name>${name}</name>\n    <value>${value}</value>\n  </property>`,
    )
    .join('\n');
  return `<?xml version="1.0"?>\n<configuration>\n${entries}\n</configuration>\n`;
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size)
    await Promise.all(items.slice(start, start + size).map(fn));
}
