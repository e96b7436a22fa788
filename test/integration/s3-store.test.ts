/**
 * The S3 store against a real S3-compatible server (versitygw's posix backend): the shared
 * ModelStore contract, then what only a real server shows: conditional writes racing, multipart
 * uploads, corruption after publish, faults on the wire, and a model served end to end.
 *
 * Needs BERTH_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see
 * support/s3-test-bucket.ts; `eval "$(scripts/s3/start.sh)"` sets them); without them every case is
 * skipped with that reason. Each run makes its own bucket, and each case its own prefix in it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { localize } from '../../src/repository/local-cache.js';
import { publishVersion } from '../../src/repository/publish.js';
import { withRetries } from '../../src/storage/retrying-store.js';
import { PART_SIZE } from '../../src/storage/backends/s3/s3-upload.js';
import { S3Store } from '../../src/storage/backends/s3/s3-store.js';
import { resolveStoreSettings } from '../../src/storage/store-settings-env.js';
import { listPublishedVersions, readManifest } from '../../src/repository/versions.js';
import { modelStoreContract } from '../contract/model-store.contract.js';
import type { SeedFiles, StoreFixture } from '../contract/model-store.contract.js';
import { mlpModel, mlpReference, mlpWeights } from '../fixtures/onnx/models.js';
import { berthError, readAll, tempFolder } from '../support/store-assertions.js';
import { startTestServer } from '../support/test-server.js';
import { createTestBucket, s3TestServer } from './support/s3-test-bucket.js';
import type { S3TestBucket } from './support/s3-test-bucket.js';
import { startTcpCutProxy } from './support/tcp-cut-proxy.js';

const server = s3TestServer();
const skip = 'skip' in server ? server.skip : undefined;

let bucket: S3TestBucket | undefined;
let prefixes = 0;

before(async () => {
  if (!('skip' in server)) bucket = await createTestBucket(server);
});
after(async () => {
  await bucket?.remove();
});

/** The run's bucket; only reached when the suite is not skipped. */
function theBucket(): S3TestBucket {
  if (bucket === undefined) throw new Error(skip ?? 'the test bucket was not created');
  return bucket;
}

/** A prefix no other case uses. */
function freshPrefix(label: string): string {
  return `${label}/case-${++prefixes}`;
}

async function s3Fixture(): Promise<StoreFixture> {
  const current = theBucket();
  const prefix = freshPrefix('contract');
  return {
    store: current.store(prefix),
    seed: async (files: SeedFiles) => {
      for (const [path, content] of Object.entries(files)) await current.put(`${prefix}/${path}`, content);
    },
    close: async () => undefined, // the bucket goes at the end of the run
  };
}

if (skip === undefined) modelStoreContract('s3 store on versitygw', s3Fixture);
else it('ModelStore contract: s3 store on versitygw', { skip }, () => undefined);

/** Deterministic bytes that do not repeat within a part, so a misplaced part changes the digest. */
function pseudoRandom(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed >>> 0;
  for (let index = 0; index < size; index += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes.writeUInt32LE(state, Math.min(index, size - 4));
  }
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeLocal(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

describe('s3 store on a real server', () => {
  it('concurrent publishes from separate clients get distinct versions, each whole', { skip }, async () => {
    const prefix = freshPrefix('race');
    // Two stores with their own S3 clients: as two `berth models push` processes would be.
    const stores = [theBucket().store(prefix), theBucket().store(prefix)];
    const scratch = await tempFolder('s3-race');
    try {
      const runs = Array.from({ length: 8 }, (_, run) => run);
      for (const run of runs) {
        await writeLocal(join(scratch.path, `run-${run}`), {
          'model.onnx': pseudoRandom(4096 + run, run + 1),
          'berth.yaml': `# run ${run}\n`,
        });
      }
      const results = await Promise.all(
        runs.map((run) =>
          publishVersion(stores[run % 2] as S3Store, 'm', join(scratch.path, `run-${run}`), {
            lineage: { run },
          }),
        ),
      );
      const versions = results.map((result) => result.version).sort((a, b) => a - b);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
      const store = stores[0] as S3Store;
      assert.deepEqual(await listPublishedVersions(store, 'm'), versions);
      assert.deepEqual(
        (await store.list('m')).map((entry) => entry.name),
        ['1', '2', '3', '4', '5', '6', '7', '8'],
      );
      // No loser's bytes in a winner's folder: every version holds exactly its own run's files.
      for (const result of results) {
        const manifest = await readManifest(store, 'm', result.version);
        const run = manifest.lineage.run as number;
        const model = await readAll(await store.read(`m/${result.version}/model.onnx`));
        assert.ok(
          model.equals(pseudoRandom(4096 + run, run + 1)),
          `version ${result.version} has run ${run}'s model`,
        );
        const cache = await localize(store, 'm', result.version, { cacheDir: join(scratch.path, 'cache') });
        assert.equal(cache.reused, false);
      }
    } finally {
      await scratch.remove();
    }
  });

  it(
    'renames racing for one folder name: one wins, the others leave everything as it was',
    { skip },
    async () => {
      const store = theBucket().store(freshPrefix('claim'));
      for (let index = 0; index < 6; index += 1) {
        await store.write(`m/s${index}/model.onnx`, Buffer.from(`model ${index}`));
        await store.write(`m/s${index}/MANIFEST.json`, Buffer.from(`{"run": ${index}}`));
      }
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, index) => store.rename(`m/s${index}`, 'm/1')),
      );
      const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
      assert.equal(winners.length, 1, JSON.stringify(outcomes));
      const winner = winners[0] as number;
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          assert.ok(berthError('STORE_ALREADY_EXISTS', 'm/1')(outcome.reason));
      }
      assert.equal((await readAll(await store.read('m/1/model.onnx'))).toString(), `model ${winner}`);
      assert.equal((await readAll(await store.read('m/1/MANIFEST.json'))).toString(), `{"run": ${winner}}`);
      assert.deepEqual(
        (await store.list('m/1')).map((entry) => entry.name),
        ['MANIFEST.json', 'model.onnx'],
      );
      const left = (await store.list('m')).map((entry) => entry.name);
      assert.deepEqual(left, [
        '1',
        ...[0, 1, 2, 3, 4, 5].filter((index) => index !== winner).map((i) => `s${i}`),
      ]);
    },
  );

  it(
    'a multi-MB stream goes up as a multipart upload and round-trips with its sha256',
    { skip },
    async () => {
      const store = theBucket().store(freshPrefix('multipart'));
      const size = 2 * PART_SIZE + 123_457; // three parts, the last one short
      const bytes = pseudoRandom(size, 42);
      const chunks = Array.from({ length: Math.ceil(size / 65_536) }, (_, index) =>
        bytes.subarray(index * 65_536, (index + 1) * 65_536),
      );
      await store.write('raw/big.bin', Readable.from(chunks));
      const head = await theBucket().client.send(
        new HeadObjectCommand({ Bucket: theBucket().name, Key: `${store.location.prefix}/raw/big.bin` }),
      );
      assert.match(head.ETag ?? '', /-3"?$/, 'a multipart ETag ends in -<parts>');
      assert.equal((await store.stat('raw/big.bin')).size, size);
      assert.equal(sha256(await readAll(await store.read('raw/big.bin'))), sha256(bytes));
      const tail = await readAll(await store.read('raw/big.bin', { offset: PART_SIZE - 10, length: 20 }));
      assert.ok(
        tail.equals(bytes.subarray(PART_SIZE - 10, PART_SIZE + 10)),
        'a range across a part boundary',
      );
      await assert.rejects(
        store.write('raw/big.bin', Readable.from(chunks)),
        berthError('STORE_ALREADY_EXISTS', 'raw/big.bin'),
      );

      const scratch = await tempFolder('s3-multipart');
      try {
        await writeLocal(join(scratch.path, 'out'), { 'model.onnx': bytes });
        const published = await publishVersion(store, 'big', join(scratch.path, 'out'), { lineage: {} });
        assert.equal(published.manifest.files[0]?.sha256, sha256(bytes));
        const cache = await localize(store, 'big', published.version, {
          cacheDir: join(scratch.path, 'cache'),
        });
        assert.equal(sha256(await readFile(join(cache.dir, 'model.onnx'))), sha256(bytes));
      } finally {
        await scratch.remove();
      }
    },
  );

  it(
    'a byte flipped in a published object is refused with DIGEST_MISMATCH on localize',
    { skip },
    async () => {
      const store = theBucket().store(freshPrefix('flip'));
      const scratch = await tempFolder('s3-flip');
      try {
        const good = pseudoRandom(300_000, 7);
        await writeLocal(join(scratch.path, 'out'), { 'model.onnx': good });
        const { version } = await publishVersion(store, 'm', join(scratch.path, 'out'), { lineage: {} });
        const bad = Buffer.from(good);
        bad[150_000] = (bad[150_000] ?? 0) ^ 0x01;
        // Behind the store's back: an unconditional PutObject replaces the published bytes.
        await theBucket().put(`${store.location.prefix}/m/${version}/model.onnx`, bad);
        const cacheDir = join(scratch.path, 'cache');
        await assert.rejects(
          localize(store, 'm', version, { cacheDir }),
          berthError('DIGEST_MISMATCH', `${store.uri}/m/${version}/model.onnx`, sha256(good), sha256(bad)),
        );
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      } finally {
        await scratch.remove();
      }
    },
  );

  it(
    'a connection cut mid-download fails the read with STORE_UNREACHABLE, never a short file',
    { skip },
    async () => {
      const seedStore = theBucket().store(freshPrefix('cut'));
      const scratch = await tempFolder('s3-cut');
      const proxy = await startTcpCutProxy((server as { endpoint: string }).endpoint, {
        cutAfterBytes: 256 * 1024,
      });
      try {
        const bytes = pseudoRandom(2 * 1024 * 1024, 9);
        await writeLocal(join(scratch.path, 'out'), { 'model.onnx': bytes });
        const { version } = await publishVersion(seedStore, 'm', join(scratch.path, 'out'), { lineage: {} });
        const env = { ...(server as { env: Record<string, string> }).env, BERTH_S3_ENDPOINT: proxy.url };
        // One attempt, so the SDK does not hide the cut in its own retries of the request.
        const cutStore = new S3Store(
          new URL(seedStore.uri),
          resolveStoreSettings({ ...env, AWS_MAX_ATTEMPTS: '1' }),
        );
        await assert.rejects(
          readAll(await cutStore.read(`m/${version}/model.onnx`)),
          berthError('STORE_UNREACHABLE', `m/${version}/model.onnx`),
        );
        const cacheDir = join(scratch.path, 'cache');
        await assert.rejects(localize(cutStore, 'm', version, { cacheDir }), (error: unknown) => {
          assert.ok(berthError('STORE_UNREACHABLE')(error));
          return true;
        });
        assert.ok(proxy.cuts >= 2);
        assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
      } finally {
        await proxy.close();
        await scratch.remove();
      }
    },
  );

  it('behind the retrying store, a cut download resumes by range and verifies', { skip }, async () => {
    const seedStore = theBucket().store(freshPrefix('resume'));
    const scratch = await tempFolder('s3-resume');
    const proxy = await startTcpCutProxy((server as { endpoint: string }).endpoint, {
      cutAfterBytes: 512 * 1024,
      maxCuts: 2,
    });
    try {
      const bytes = pseudoRandom(3 * 1024 * 1024, 5);
      await writeLocal(join(scratch.path, 'out'), { 'model.onnx': bytes });
      const { version } = await publishVersion(seedStore, 'm', join(scratch.path, 'out'), { lineage: {} });
      const env = { ...(server as { env: Record<string, string> }).env, BERTH_S3_ENDPOINT: proxy.url };
      const cutStore = new S3Store(
        new URL(seedStore.uri),
        resolveStoreSettings({ ...env, AWS_MAX_ATTEMPTS: '1' }),
      );
      const store = withRetries(cutStore, {
        policy: { initialDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 10_000 },
      });
      const result = await localize(store, 'm', version, {
        cacheDir: join(scratch.path, 'cache'),
        ranges: { thresholdBytes: Number.MAX_SAFE_INTEGER }, // one stream, so the cuts hit it
      });
      assert.equal(proxy.cuts, 2);
      assert.equal(sha256(await readFile(join(result.dir, 'model.onnx'))), sha256(bytes));
    } finally {
      await proxy.close();
      await scratch.remove();
    }
  });

  it('maps a dead endpoint, a missing bucket and wrong keys to clear errors', { skip }, async () => {
    const env = (server as { env: Record<string, string> }).env;
    const dead = new S3Store(
      new URL('s3://any-bucket/models'),
      resolveStoreSettings({ ...env, BERTH_S3_ENDPOINT: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' }),
    );
    await assert.rejects(
      dead.stat('m/1/MANIFEST.json'),
      berthError('STORE_UNREACHABLE', 's3://any-bucket/models/m/1/MANIFEST.json', 'ECONNREFUSED'),
    );
    const noBucket = new S3Store(
      new URL(`s3://${theBucket().name}-absent/models`),
      resolveStoreSettings(env),
    );
    await assert.rejects(
      noBucket.list(''),
      berthError('STORE_NOT_FOUND', `s3://${theBucket().name}-absent`, 'bucket'),
    );
    await assert.rejects(noBucket.stat('m'), berthError('STORE_NOT_FOUND', 'no such bucket'));
    const wrongKeys = new S3Store(
      new URL(`s3://${theBucket().name}/models`),
      resolveStoreSettings({ ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }),
    );
    await assert.rejects(wrongKeys.list(''), berthError('STORE_ERROR', 'AWS_ACCESS_KEY_ID'));
    const unknownUser = new S3Store(
      new URL(`s3://${theBucket().name}/models`),
      resolveStoreSettings({ ...env, AWS_ACCESS_KEY_ID: 'nobody' }),
    );
    await assert.rejects(unknownUser.stat('m/1/MANIFEST.json'), berthError('STORE_ERROR', 'credentials'));
  });

  it(
    'serves a model pushed to S3 end to end, with the numbers of the reference maths',
    { skip },
    async () => {
      const prefix = freshPrefix('serve');
      const store = theBucket().store(prefix);
      const layers = [8, 16, 3];
      const seed = 11;
      const scratch = await tempFolder('s3-serve');
      try {
        await writeLocal(join(scratch.path, 'out'), {
          'model.onnx': mlpModel(layers, seed),
          'berth.yaml': 'max_batch_size: 4\n',
        });
        const { version } = await publishVersion(store, 'mlp', join(scratch.path, 'out'), {
          lineage: { test: 's3' },
        });
        const running = await startTestServer({
          store: `s3://${theBucket().name}/${prefix}`,
          models: ['mlp'],
          cacheDir: join(scratch.path, 'cache'),
          // As `berth serve` resolves them from its environment.
          storeSettings: resolveStoreSettings((server as { env: Record<string, string> }).env),
        });
        try {
          await running.loaded;
          const ready = await fetch(`${running.url}/v2/models/mlp/ready`);
          assert.equal(ready.status, 200);
          const input = Float32Array.from({ length: 2 * 8 }, (_, index) => Math.sin(index) * 0.5);
          const response = await fetch(`${running.url}/v2/models/mlp/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              inputs: [{ name: 'features', shape: [2, 8], datatype: 'FP32', data: [...input] }],
            }),
          });
          assert.equal(response.status, 200, await response.clone().text());
          const body = (await response.json()) as {
            model_version: string;
            outputs: Array<{ name: string; shape: number[]; data: number[] }>;
          };
          assert.equal(body.model_version, String(version));
          const output = body.outputs.find((candidate) => candidate.name === 'score');
          assert.deepEqual(output?.shape, [2, 3]);
          const expected = mlpReference(mlpWeights(layers, seed), input);
          output?.data.forEach((value, index) =>
            assert.ok(Math.abs(value - (expected[index] ?? NaN)) < 1e-5),
          );
        } finally {
          await running.close();
        }
      } finally {
        await scratch.remove();
      }
    },
  );
});
