/**
 * Faults between real parts: a real HTTP server, a real TCP proxy in front of it that cuts
 * connections mid-stream or refuses them, and the real http store, retries, parallel ranges and
 * cache on top. Small real timeouts keep it quick; nothing here asserts on time.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../../../src/observability/logger.js';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import { createHttpStore } from '../../../src/storage/backends/http/http-store.js';
import { localize } from '../../../src/repository/local-cache.js';
import type { LocalizeOptions } from '../../../src/repository/local-cache.js';
import { pullModel } from '../../../src/repository/model-commands.js';
import { createModelLocator } from '../../../src/repository/model-locator.js';
import type { ModelStore } from '../../../src/storage/model-store.js';
import { publishVersion } from '../../../src/repository/publish.js';
import { withRetries } from '../../../src/storage/retrying-store.js';
import { StoreRegistry } from '../../../src/storage/store-registry.js';
import { startStaticHttpServer } from '../../support/static-http-server.js';
import type { StaticHttpServer } from '../../support/static-http-server.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import type { TcpProxy } from '../../support/tcp-proxy.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

const MiB = 1024 * 1024;
/** Small real waits: retries happen, and a store that stays down fails within half a second. */
const fastRetry = { policy: { initialDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 5_000 } };
/** Ranges of 1 MiB from 1 MiB up, so a few MiB make several parallel ranges. */
const smallRanges = { thresholdBytes: MiB, chunkBytes: MiB, concurrency: 4 };

/** `size` bytes that differ at every offset modulo a large prime, so a misplaced range shows. */
function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed;
  for (let index = 0; index < size; index += 1) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('pulls through a TCP proxy that cuts and refuses connections', () => {
  const model = pattern(6 * MiB + 12_345, 1);
  let root: { path: string; remove(): Promise<void> };
  let server: StaticHttpServer;
  let proxy: TcpProxy;
  let http: ModelStore;
  let cacheDir: string;
  let cacheCount = 0;
  let cutsBefore = 0;
  const cuts = (): number => proxy.stats.cuts - cutsBefore;

  before(async () => {
    root = await tempFolder('pull-faults');
    const local = join(root.path, 'local');
    await mkdir(local);
    await writeFile(join(local, 'model.onnx'), model);
    await writeFile(join(local, 'berth.yaml'), 'max_batch_size: 4\n');
    const files = createFileStore(pathToFileURL(join(root.path, 'srv', 'models')), {});
    await publishVersion(files, 'm', local, { lineage: {} }); // version 1: good
    await publishVersion(files, 'm', local, { lineage: {} }); // version 2: a byte flipped below
    await publishVersion(files, 'm', local, { lineage: {} }); // version 3: longer than its manifest
    await publishVersion(files, 'm', local, { lineage: {} }); // version 4: shorter than its manifest
    const stored = (version: number) => join(root.path, 'srv', 'models', 'm', String(version), 'model.onnx');
    const flipped = Buffer.from(model);
    flipped[4 * MiB + 7] = (flipped[4 * MiB + 7] ?? 0) ^ 0x10;
    await writeFile(stored(2), flipped);
    await writeFile(stored(3), Buffer.concat([model, Buffer.from('extra')]));
    await writeFile(stored(4), model.subarray(0, model.length - 1));
    server = await startStaticHttpServer(join(root.path, 'srv'));
    proxy = await startTcpProxy({ port: Number(new URL(server.url).port) });
    http = createHttpStore(new URL(`http://127.0.0.1:${proxy.port}/models`), { requestTimeoutMs: 5_000 });
  });
  after(async () => {
    await proxy.close();
    await server.close();
    await root.remove();
  });
  beforeEach(async () => {
    await proxy.up();
    server.requests.length = 0;
    cutsBefore = proxy.stats.cuts;
    cacheDir = join(root.path, `cache-${(cacheCount += 1)}`);
  });
  afterEach(() => proxy.cutAfter(0, { times: 0 })); // no rule left armed for the next case

  const pull = (store: ModelStore, version: number, options: Partial<LocalizeOptions> = {}) =>
    localize(store, 'm', version, { cacheDir, ...options });
  const modelRanges = (): string[] =>
    server.requests
      .filter((request) => request.method === 'GET' && request.url.endsWith('/m/1/model.onnx'))
      .map((request) => request.range ?? 'whole');

  it('a stream cut twice mid-file resumes by range and the file verifies', async () => {
    proxy.cutAfter(MiB, { times: 2 });
    const result = await pull(withRetries(http, fastRetry), 1, { ranges: { thresholdBytes: 64 * MiB } });
    assert.ok((await readFile(join(result.dir, 'model.onnx'))).equals(model));
    assert.equal(cuts(), 2);
    const ranges = modelRanges();
    assert.equal(ranges[0], 'whole');
    assert.equal(ranges.length, 3, `requests: ${ranges.join(', ')}`);
    // Each resume asks from the byte after the last one delivered, to the end of the file.
    for (const range of ranges.slice(1)) assert.match(range, /^bytes=\d+-$/);
    assert.equal(result.bytes, model.length + 'max_batch_size: 4\n'.length);
  });

  it('a reset (RST) mid-stream resumes too', async () => {
    proxy.cutAfter(2 * MiB, { how: 'reset' });
    const result = await pull(withRetries(http, fastRetry), 1, { ranges: { thresholdBytes: 64 * MiB } });
    assert.ok((await readFile(join(result.dir, 'model.onnx'))).equals(model));
    assert.equal(cuts(), 1);
    assert.equal(modelRanges().length, 2);
  });

  it('without retries, the same cut is a STORE_UNREACHABLE failure and leaves nothing in the cache', async () => {
    proxy.cutAfter(MiB);
    await assert.rejects(
      pull(http, 1, { ranges: { thresholdBytes: 64 * MiB } }),
      berthError('STORE_UNREACHABLE', 'm/1/model.onnx'),
    );
    assert.deepEqual(await readdir(cacheDir), []);
  });

  it('parallel ranges over real HTTP give identical bytes, one ranged GET per range', async () => {
    const seen: number[] = [];
    const result = await pull(http, 1, { ranges: smallRanges, onProgress: (p) => seen.push(p.bytes) });
    assert.ok((await readFile(join(result.dir, 'model.onnx'))).equals(model));
    const expected = Array.from({ length: 6 }, (_, index) => `bytes=${index * MiB}-${(index + 1) * MiB - 1}`);
    assert.deepEqual(modelRanges().sort(), [...expected, `bytes=${6 * MiB}-`].sort());
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.equal(seen.at(-1), result.bytes);
  });

  it('parallel ranges cut mid-way resume each range and still verify', async () => {
    proxy.cutAfter(300 * 1024, { times: 5 });
    const result = await pull(withRetries(http, fastRetry), 1, { ranges: smallRanges });
    assert.ok((await readFile(join(result.dir, 'model.onnx'))).equals(model));
    assert.equal(cuts(), 5);
    assert.ok(modelRanges().length >= 7 + 5 - 1, modelRanges().join(', '));
  });

  it('a flipped byte in a parallel download is DIGEST_MISMATCH, with nothing left in the cache', async () => {
    await assert.rejects(
      pull(withRetries(http, fastRetry), 2, { ranges: smallRanges }),
      berthError('DIGEST_MISMATCH', `${http.uri}/m/2/model.onnx`, sha256(model)),
    );
    assert.deepEqual(await readdir(cacheDir), []);
  });

  it('a stored file longer or shorter than its manifest is DIGEST_MISMATCH in a parallel download', async () => {
    await assert.rejects(
      pull(http, 3, { ranges: smallRanges }),
      berthError('DIGEST_MISMATCH', 'm/3/model.onnx', `more than ${model.length} bytes`),
    );
    await assert.rejects(
      pull(http, 4, { ranges: smallRanges }),
      berthError('DIGEST_MISMATCH', 'm/4/model.onnx', `ends at byte ${model.length - 1}`),
    );
    assert.deepEqual(await readdir(cacheDir), []);
  });

  it('cancelling a parallel download is CANCELLED and leaves no partial folder', async () => {
    const controller = new AbortController();
    await assert.rejects(
      pull(http, 1, {
        ranges: smallRanges,
        signal: controller.signal,
        onProgress: (p) => (p.bytes > 2 * MiB ? controller.abort() : undefined),
      }),
      berthError('CANCELLED'),
    );
    assert.deepEqual(await readdir(cacheDir), []);
  });

  it('a store that refuses connections for a while is waited for, then the pull succeeds', async () => {
    await proxy.down();
    const back = setTimeout(() => void proxy.up(), 300);
    try {
      const result = await pull(withRetries(http, fastRetry), 1, { ranges: smallRanges });
      assert.ok((await readFile(join(result.dir, 'model.onnx'))).equals(model));
    } finally {
      clearTimeout(back);
    }
  });

  it('a store that stays down fails within the bounded time, naming the URI, attempts and cause', async () => {
    await proxy.down();
    const store = withRetries(http, { policy: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 500 } });
    await assert.rejects(
      pull(store, 1),
      berthError('STORE_UNREACHABLE', `${http.uri}/m/1/MANIFEST.json`, 'attempts', 'ECONNREFUSED'),
    );
    assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
  });

  it('the serve locator wraps every store in retries and logs each retry', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const locate = createModelLocator({
      stores: new StoreRegistry({ requestTimeoutMs: 5_000 }).register('http', createHttpStore),
      cacheDir,
      logger: createLogger({ level: 'info', destination }),
      retry: fastRetry,
      ranges: smallRanges,
    });
    proxy.cutAfter(MiB, { times: 2 });
    const located = await locate({ storeUri: http.uri, name: 'm', version: 1 });
    assert.ok((await readFile(join(located.dir, 'model.onnx'))).equals(model));
    const retries = lines.filter((line) => line.msg === 'store unreachable; retrying');
    assert.ok(retries.length >= 2, JSON.stringify(lines));
    assert.match(String(retries[0]?.uri), /\/m\/1\/model\.onnx$/);
  });

  it('berth models pull retries too, and reports progress up to the total', async () => {
    const seen: Array<{ bytes: number; totalBytes: number }> = [];
    proxy.cutAfter(MiB);
    const out = join(root.path, `pulled-${cacheCount}`);
    const result = await pullModel(
      `${http.uri}/m@1`,
      out,
      new StoreRegistry({ requestTimeoutMs: 5_000 }).register('http', createHttpStore),
      { onProgress: (p) => seen.push(p), retry: fastRetry },
    );
    assert.equal(result.uri, `${http.uri}/m/1`);
    assert.ok((await readFile(join(out, 'model.onnx'))).equals(model));
    assert.equal(seen.at(-1)?.bytes, seen.at(-1)?.totalBytes);
  });
});
