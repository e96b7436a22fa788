/**
 * RetryingStore driven by a manual clock over a real file store whose faults are scripted, so
 * every wait is checked exactly and no test sleeps. The same store over real sockets, cut by a
 * real TCP proxy, is in pull-faults.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BerthError } from '../../../src/core/errors.js';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import { ForwardingStore } from '../../../src/storage/forwarding-store.js';
import type { ModelStore, ReadOptions, StoreEntry } from '../../../src/storage/model-store.js';
import { RetryingStore, withRetries } from '../../../src/storage/retrying-store.js';
import { eventLoopTurns, ManualClock } from '../../support/manual-clock.js';
import { berthError, readAll, tempFolder } from '../../support/store-assertions.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 5_000 };
const unreachable = (what = 'ECONNRESET'): BerthError =>
  new BerthError('STORE_UNREACHABLE', `cannot reach the store (${what})`);

/** A manual clock that also records every wait asked of it. */
class RecordingClock extends ManualClock {
  readonly sleeps: number[] = [];
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

/** Advances the clock past each wait until `work` settles. */
async function settle<T>(clock: RecordingClock, work: Promise<T>): Promise<T> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true),
  );
  const deadline = Date.now() + 10_000; // a guard against a hang, not a timing assertion
  while (!done) {
    if (Date.now() > deadline) throw new Error('work never settled');
    await eventLoopTurns(2);
    if (clock.pendingSleeps > 0) clock.advance(clock.sleeps.at(-1) ?? 0);
  }
  return work;
}

/** Waits (file reads run off the event loop, so turns alone are not enough) until `ready()`. */
async function until(ready: () => boolean): Promise<void> {
  for (let wait = 0; !ready(); wait += 1) {
    if (wait > 1_000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Scripted faults in front of a real store: fail the next calls, or cut reads after some bytes. */
class FaultyStore extends ForwardingStore {
  readonly calls: string[] = [];
  failures = 0;
  failWith: () => BerthError = () => unreachable();
  /** Each attempt takes this long on the clock (a slow timeout). */
  attemptMs = 0;
  /** Read streams break after this many bytes, this many times. */
  cut: { bytes: number; times: number } | undefined;

  constructor(
    inner: ModelStore,
    readonly clock: ManualClock,
  ) {
    super(inner);
  }

  override async stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    this.#attempt(`stat ${path}`);
    return super.stat(path, signal);
  }

  override async list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    this.#attempt(`list ${path}`);
    return super.list(path, signal);
  }

  override async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    this.#attempt(`read ${path} ${options.offset ?? 0}+${options.length ?? '*'}`);
    const body = await super.read(path, options);
    if (this.cut === undefined || this.cut.times === 0) return body;
    this.cut.times -= 1;
    return breakAfter(body, this.cut.bytes);
  }

  override async write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    this.#attempt(`write ${path}`);
    return super.write(path, body, signal);
  }

  override async delete(path: string, signal?: AbortSignal): Promise<void> {
    this.#attempt(`delete ${path}`);
    return super.delete(path, signal);
  }

  #attempt(call: string): void {
    this.calls.push(call);
    this.clock.advance(this.attemptMs);
    if (this.failures > 0) {
      this.failures -= 1;
      throw this.failWith();
    }
  }
}

/** The first `bytes` of `body`, then a STORE_UNREACHABLE error, as a cut connection gives. */
function breakAfter(body: Readable, bytes: number): Readable {
  async function* cut(): AsyncGenerator<Buffer> {
    let left = bytes;
    for await (const chunk of body) {
      const piece = (chunk as Buffer).subarray(0, left);
      left -= piece.byteLength;
      if (piece.byteLength > 0) yield piece;
      if (left === 0) break;
    }
    throw unreachable('other side closed');
  }
  return Readable.from(cut(), { objectMode: false });
}

describe('RetryingStore', () => {
  let root: { path: string; remove(): Promise<void> };
  let base: ModelStore;
  const file = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 7 + (index >> 10)) % 256));

  before(async () => {
    root = await tempFolder('retrying-store');
    await mkdir(join(root.path, 'm', '1'), { recursive: true });
    await writeFile(join(root.path, 'm', '1', 'model.onnx'), file);
    base = createFileStore(pathToFileURL(root.path), {});
  });
  after(() => root.remove());

  const setup = (
    options: { logger?: { warn(fields: Record<string, unknown>, message: string): void } } = {},
  ) => {
    const clock = new RecordingClock();
    const faulty = new FaultyStore(base, clock);
    const store = new RetryingStore(faulty, { policy, clock, random: () => 0.5, ...options });
    return { clock, faulty, store };
  };

  it('forwards uri and writable, and withRetries does not wrap twice', () => {
    const { store } = setup();
    assert.equal(store.uri, base.uri);
    assert.equal(store.writable, true);
    assert.equal(withRetries(store), store);
  });

  it('retries stat and list after STORE_UNREACHABLE with growing jittered waits, and logs each', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const { clock, faulty, store } = setup({ logger: { warn: (fields) => logged.push(fields) } });
    faulty.failures = 3;
    const entry = await settle(clock, store.stat('m/1/model.onnx'));
    assert.equal(entry.size, file.length);
    assert.equal(faulty.calls.length, 4);
    assert.deepEqual(clock.sleeps, [50, 100, 200]); // half of 100, 200, 400 (random = 0.5)
    assert.deepEqual(
      logged.map(({ uri, attempt, delayMs }) => [uri, attempt, delayMs]),
      [1, 2, 3].map((attempt, index) => [`${base.uri}/m/1/model.onnx`, attempt, clock.sleeps[index]]),
    );
    assert.match(String(logged[0]?.cause), /ECONNRESET/);
    faulty.failures = 1;
    assert.deepEqual(
      (await settle(clock, store.list('m'))).map((child) => child.name),
      ['1'],
    );
  });

  it('does not retry an answer: STORE_NOT_FOUND goes through at once', async () => {
    const { clock, faulty, store } = setup();
    await assert.rejects(settle(clock, store.stat('m/none')), berthError('STORE_NOT_FOUND', 'm/none'));
    faulty.failures = 1;
    faulty.failWith = () => new BerthError('STORE_ERROR', 'HTTP 500');
    await assert.rejects(settle(clock, store.list('m')), berthError('STORE_ERROR', 'HTTP 500'));
    assert.equal(faulty.calls.length, 2);
    assert.deepEqual(clock.sleeps, []);
  });

  it('never retries writes or deletes (not idempotent for publish)', async () => {
    const { clock, faulty, store } = setup();
    faulty.failures = 2;
    await assert.rejects(store.write('m/2/a.bin', Buffer.from('a')), berthError('STORE_UNREACHABLE'));
    await assert.rejects(store.delete('m/2'), berthError('STORE_UNREACHABLE'));
    assert.deepEqual(faulty.calls, ['write m/2/a.bin', 'delete m/2']);
    assert.deepEqual(clock.sleeps, []);
  });

  it('gives up once the next wait would pass maxElapsedMs, naming the URI, the attempts and the cause', async () => {
    const { clock, faulty, store } = setup();
    faulty.failures = Number.POSITIVE_INFINITY;
    faulty.failWith = () => unreachable('ECONNREFUSED');
    faulty.attemptMs = 400; // each refused attempt still takes time (a connect timeout, say)
    await assert.rejects(
      settle(clock, store.stat('m/1/model.onnx')),
      berthError('STORE_UNREACHABLE', `${base.uri}/m/1/model.onnx`, '7 attempts', 'ECONNREFUSED', '5000 ms'),
    );
    assert.ok(clock.now() <= policy.maxElapsedMs, `gave up at ${clock.now()} ms`);
    assert.deepEqual(clock.sleeps, [50, 100, 200, 400, 500, 500]);
  });

  it('a read cut mid-stream resumes from the next byte with a range request', async () => {
    const { clock, faulty, store } = setup();
    faulty.cut = { bytes: 100_000, times: 2 };
    const bytes = await settle(clock, store.read('m/1/model.onnx').then(readAll));
    assert.ok(bytes.equals(file));
    assert.deepEqual(faulty.calls, [
      'read m/1/model.onnx 0+*',
      'read m/1/model.onnx 100000+*',
      'read m/1/model.onnx 200000+*',
    ]);
    assert.equal(clock.sleeps.length, 2);
  });

  it('a ranged read resumes inside its window', async () => {
    const { clock, faulty, store } = setup();
    faulty.cut = { bytes: 10_000, times: 1 };
    const bytes = await settle(
      clock,
      store.read('m/1/model.onnx', { offset: 50_000, length: 30_000 }).then(readAll),
    );
    assert.ok(bytes.equals(file.subarray(50_000, 80_000)));
    assert.deepEqual(faulty.calls, ['read m/1/model.onnx 50000+30000', 'read m/1/model.onnx 60000+20000']);
  });

  it('every resumed read that delivers bytes restarts the budget; one that cannot reopen fails', async () => {
    const { clock, faulty, store } = setup();
    faulty.attemptMs = 1_000;
    faulty.cut = { bytes: 20_000, times: 10 }; // ten cuts at 1 s each: 10 s in all, past maxElapsedMs
    const bytes = await settle(clock, store.read('m/1/model.onnx').then(readAll));
    assert.ok(bytes.equals(file));
    assert.ok(clock.now() > policy.maxElapsedMs);

    const broken = setup();
    broken.faulty.cut = { bytes: 1_000, times: 1 };
    const reading = broken.store.read('m/1/model.onnx');
    broken.faulty.failures = Number.POSITIVE_INFINITY; // the reopen never succeeds
    await assert.rejects(
      settle(broken.clock, reading.then(readAll)),
      berthError('STORE_UNREACHABLE', `${base.uri}/m/1/model.onnx`, 'attempts'),
    );
  });

  it('a missing file fails read() itself, not the stream', async () => {
    const { store } = setup();
    await assert.rejects(store.read('m/1/none.bin'), berthError('STORE_NOT_FOUND', 'none.bin'));
  });

  it('cancelling while waiting to retry is CANCELLED at once', async () => {
    const { clock, faulty, store } = setup();
    faulty.failures = Number.POSITIVE_INFINITY;
    const controller = new AbortController();
    const pending = store.stat('m/1/model.onnx', controller.signal);
    await until(() => clock.pendingSleeps === 1);
    controller.abort();
    await assert.rejects(pending, berthError('CANCELLED', 'm/1/model.onnx'));
    assert.equal(clock.pendingSleeps, 0);
  });

  it('destroying a resumed stream stops it without another request', async () => {
    const { clock, faulty, store } = setup();
    faulty.cut = { bytes: 1_000, times: 1 };
    const stream = await store.read('m/1/model.onnx');
    stream.resume();
    await until(() => clock.pendingSleeps === 1); // the cut came: waiting to reopen
    stream.destroy();
    await eventLoopTurns();
    assert.equal(clock.pendingSleeps, 0);
    clock.advance(10_000);
    await eventLoopTurns();
    assert.equal(faulty.calls.length, 1);
  });
});
