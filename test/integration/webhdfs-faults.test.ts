/**
 * Faults between real parts, with HDFS: the DataNode killed in the middle of a download (a retry
 * that resumes once it is back, or a clear failure when it stays down; never a partial model in
 * the cache), a byte flipped in a stored model (refused), and no NameNode at start-up (`berth
 * serve` exits 1 after bounded retries with one line naming the hdfs:// URI, never ready).
 *
 * The DataNode cases need BERTH_TEST_WEBHDFS and BERTH_HDFS_DIR (scripts/hdfs/start.sh) and hold
 * the cluster lock, since they stop the DataNode the other HDFS suite relies on. The NameNode
 * case needs no cluster: it points at a port with nothing listening, and runs beside the others.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localize } from '../../src/repository/local-cache.js';
import { publishVersion } from '../../src/repository/publish.js';
import type { RetryPolicy } from '../../src/storage/retry-policy.js';
import { withRetries } from '../../src/storage/retrying-store.js';
import { WebHdfsStore } from '../../src/storage/backends/webhdfs/webhdfs-store.js';
import { resolveStoreSettings } from '../../src/storage/store-settings-env.js';
import { addModel } from '../fixtures/onnx/models.js';
import { spawnServer } from '../support/spawn-server.js';
import { berthError, tempFolder } from '../support/store-assertions.js';
import {
  closedPort,
  dataNode,
  dataNodePid,
  freshFolder,
  hdfsTestCluster,
  lockCluster,
  processGone,
  RawWebHdfs,
  RUN_FOLDER,
} from './support/webhdfs-test-cluster.js';

const cluster = hdfsTestCluster();
const live = 'skip' in cluster ? undefined : cluster;
const skipDataNode =
  'skip' in cluster
    ? cluster.skip
    : cluster.runDir === undefined
      ? 'no HDFS run folder: set BERTH_HDFS_DIR (exported by scripts/hdfs/start.sh) to stop and start the DataNode'
      : undefined;
const MiB = 1024 * 1024;

describe('HDFS faults', { concurrency: true }, () => {
  it('NameNode down at start-up: `berth serve` retries, then exits 1 naming the hdfs:// URI, never ready', async (t) => {
    const cache = await tempFolder('nn-down');
    const [first, second] = [await closedPort(), await closedPort()];
    const started = Date.now();
    try {
      const server = spawnServer(['--store', 'hdfs://127.0.0.1:8020/models', '--model', 'm'], {
        BERTH_WEBHDFS_ADDRESS: `127.0.0.1:${first},127.0.0.1:${second}`,
        BERTH_CACHE_DIR: cache.path,
        BERTH_HDFS_USER: 'berth',
      });
      const code = await server.exited;
      const seconds = (Date.now() - started) / 1000;
      assert.equal(code, 1, `exit code; stderr: ${server.stderr.join('\n')}`);
      const lines = server.stderr.filter((line) => line.startsWith('berth:'));
      assert.equal(lines.length, 1, `one line on stderr, got:\n${server.stderr.join('\n')}`);
      assert.match(
        lines[0] ?? '',
        /^berth: start-up failed: BERTH_ERR_STORE_UNREACHABLE: hdfs:\/\/127\.0\.0\.1:8020\/models\/m: still unreachable after \d+ attempts/,
      );
      assert.match(lines[0] ?? '', /no active NameNode among 2/);
      t.diagnostic(`${seconds.toFixed(1)} s: ${lines[0]}`);
      const retries = server.logs.filter((line) => line.msg === 'store unreachable; retrying');
      assert.ok(retries.length >= 2, `retried (${retries.length} retries logged)`);
      assert.ok(
        !server.logs.some((line) => line.msg === 'ready' || line.msg === 'model ready'),
        'never ready',
      );
      assert.ok(seconds < 60, `gave up within the retry budget (took ${seconds.toFixed(1)} s)`);
    } finally {
      await cache.remove();
    }
  });

  // One at a time (concurrency is inherited otherwise): each stops or needs the one DataNode.
  describe('DataNode and stored data', { skip: skipDataNode, concurrency: 1 }, () => {
    const raw = new RawWebHdfs(live?.webhdfs ?? 'http://127.0.0.1:9');
    let unlock: (() => Promise<void>) | undefined;
    let folder: string;
    let runDir: string;
    // 64 MiB over 65 blocks, pulled as 4 ranges of 16 MiB, 2 at a time: each range takes long
    // enough on loopback that the DataNode dies while it is still sending, not after.
    const model = pattern(64 * MiB + 333);
    const ranges = { thresholdBytes: 16 * MiB, chunkBytes: 16 * MiB, concurrency: 2 };

    before(async () => {
      if (live?.runDir === undefined) return;
      runDir = live.runDir;
      unlock = await lockCluster(live.webhdfs);
      folder = freshFolder('faults');
      const local = await tempFolder('faults-src');
      try {
        await writeFile(join(local.path, 'model.bin'), model);
        await publishVersion(openStore(), 'big', local.path, { lineage: {} });
      } finally {
        await local.remove();
      }
    });
    after(async () => {
      if (live === undefined) return;
      await raw.remove(RUN_FOLDER).catch(() => undefined);
      await unlock?.();
    });

    function openStore(): WebHdfsStore {
      const { hdfsUri, httpAddress } = live ?? { hdfsUri: undefined, httpAddress: '' };
      const uri = hdfsUri === undefined ? `webhdfs://${httpAddress}${folder}` : `${hdfsUri}${folder}`;
      return new WebHdfsStore(
        new URL(uri),
        resolveStoreSettings(
          { BERTH_HDFS_USER: 'berth', BERTH_WEBHDFS_ADDRESS: httpAddress },
          { requestTimeoutMs: 10_000 },
        ),
      );
    }

    /** Localizes `big` with these retries, SIGKILLing the DataNode when the first bytes arrive. */
    async function pullKillingDataNode(
      cacheDir: string,
      policy: RetryPolicy,
      onKilled: (pid: number) => void = () => undefined,
    ) {
      const pid = await dataNodePid(runDir);
      const retries: Array<Record<string, unknown>> = [];
      let killed = false;
      const store = withRetries(openStore(), { policy, logger: { warn: (fields) => retries.push(fields) } });
      const pull = localize(store, 'big', 1, {
        cacheDir,
        ranges,
        onProgress: () => {
          if (killed) return;
          killed = true;
          process.kill(pid, 'SIGKILL'); // now, mid-stream: the rest of the file is still to come
          onKilled(pid);
        },
      });
      return { pull, retries };
    }

    it('killed mid-download and never back: a clear STORE_UNREACHABLE after bounded retries, nothing cached', async (t) => {
      const cache = await tempFolder('dn-down');
      let killed: number | undefined;
      try {
        const { pull, retries } = await pullKillingDataNode(
          cache.path,
          { initialDelayMs: 100, maxDelayMs: 500, maxElapsedMs: 3_000 },
          (pid) => (killed = pid),
        );
        await assert.rejects(pull, (error) => {
          t.diagnostic(String((error as Error).message));
          return berthError(
            'STORE_UNREACHABLE',
            `${openStore().uri}/big/1/model.bin`,
            'still unreachable',
          )(error);
        });
        assert.ok(killed !== undefined, 'the DataNode was killed during the download');
        assert.ok(retries.length >= 1, 'it retried before giving up');
        assert.deepEqual(await readdir(cache.path), [], 'no cache folder, partial or whole');
      } finally {
        await cache.remove();
        if (killed !== undefined) {
          await processGone(killed);
          await dataNode(runDir, 'start');
        }
      }
    });

    it('killed mid-download and restarted: the download resumes by range and the model is whole', async () => {
      const cache = await tempFolder('dn-restart');
      let restarted: Promise<string> | undefined;
      try {
        const { pull, retries } = await pullKillingDataNode(
          cache.path,
          { initialDelayMs: 200, maxDelayMs: 2_000, maxElapsedMs: 90_000 },
          (pid) => (restarted = processGone(pid).then(() => dataNode(runDir, 'start'))),
        );
        const result = await pull;
        await restarted;
        assert.equal(result.reused, false);
        assert.ok(
          (await readFile(join(result.dir, 'model.bin'))).equals(model),
          'byte for byte the published model',
        );
        assert.ok(retries.length >= 1, 'the fault was retried');
        // RetryingStore logs `offset` only when it resumes a stream that broke after some bytes.
        assert.ok(
          retries.some((fields) => typeof fields.offset === 'number'),
          `a broken read resumed from where it stopped: ${JSON.stringify(retries)}`,
        );
        assert.deepEqual(
          (await readdir(cache.path)).filter((name) => name.startsWith('.')),
          [],
          'no partial folder left',
        );
      } finally {
        await restarted?.catch(() => undefined);
        await cache.remove();
      }
    });

    it('a byte flipped in the stored model: `berth serve` refuses it with DIGEST_MISMATCH', async (t) => {
      const local = await tempFolder('flipped');
      try {
        await mkdir(join(local.path, 'src'));
        await writeFile(join(local.path, 'src', 'model.onnx'), addModel());
        const store = openStore();
        const { version } = await publishVersion(store, 'flipped', join(local.path, 'src'), { lineage: {} });
        const path = `${folder}/flipped/${version}/model.onnx`;
        const bytes = await raw.get(path);
        bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
        await raw.put(path, bytes); // rewritten through WebHDFS, same size, one bit different
        const server = spawnServer(['--store', store.uri, '--model', 'flipped'], {
          BERTH_WEBHDFS_ADDRESS: live?.httpAddress ?? '',
          BERTH_CACHE_DIR: join(local.path, 'cache'),
          BERTH_HDFS_USER: 'berth',
        });
        assert.equal(await server.exited, 1, `exit code; stderr: ${server.stderr.join('\n')}`);
        const lines = server.stderr.filter((line) => line.startsWith('berth:'));
        assert.equal(lines.length, 1, server.stderr.join('\n'));
        assert.ok(
          (lines[0] ?? '').startsWith(
            `berth: start-up failed: BERTH_ERR_DIGEST_MISMATCH: ${store.uri}/flipped/${version}/model.onnx: `,
          ),
          lines[0],
        );
        assert.ok(!server.logs.some((line) => line.msg === 'ready'), 'never ready');
        t.diagnostic(lines[0] ?? '');
        const cached = await readdir(join(local.path, 'cache')).catch(() => []);
        assert.deepEqual(cached, [], 'nothing cached');
      } finally {
        await local.remove();
      }
    });
  });
});

/** Deterministic bytes that differ at every offset a misplaced range could land on. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index += 1)
    bytes[index] = (index * 31 + (index >> 8) + (index >> 16)) % 251;
  return bytes;
}
