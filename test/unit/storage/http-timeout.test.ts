/**
 * Request timeouts of the shared store HTTP layer (storage/http/watchdog.ts) fired by a ManualClock
 * against real loopback servers that never answer or stall: the fetch path (http store) and the
 * node:http path (WebHDFS). Nothing here waits on wall time.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createHttpStore } from '../../../src/storage/backends/http/http-store.js';
import { WebHdfsStore } from '../../../src/storage/backends/webhdfs/webhdfs-store.js';
import { resolveStoreSettings } from '../../../src/storage/store-settings-env.js';
import { eventLoopTurns, ManualClock, turnsUntil } from '../../support/manual-clock.js';
import { berthError, readAll } from '../../support/store-assertions.js';

/** A server on a loopback port that counts requests (heads received) and runs `handler`. */
async function serve(
  handler: RequestListener,
): Promise<{ url: string; address: string; seen: () => number }> {
  let seen = 0;
  const server = createServer((request, response) => {
    seen += 1;
    handler(request, response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  after(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections(); // the silent ones hold requests open
        server.close(() => done());
      }),
  );
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${address}/`, address, seen: () => seen };
}

/** Settles a promise into a box, so a test can check it has not settled yet. */
function track<T>(promise: Promise<T>): { settled: boolean; result: Promise<T> } {
  const box = { settled: false, result: promise };
  promise.then(
    () => (box.settled = true),
    () => (box.settled = true),
  );
  return box;
}

describe('store request timeouts on the injected clock', () => {
  // A minute: only the manual clock can get there while a test runs, so a timer on wall time fails.
  const bound = 60_000;

  it('http store: a server that never answers fails when the clock passes requestTimeoutMs', async () => {
    const silent = await serve(() => undefined);
    const clock = new ManualClock();
    const store = createHttpStore(new URL(silent.url), { requestTimeoutMs: bound, clock });
    const read = track(store.read('m/a.bin'));
    await turnsUntil(() => silent.seen() === 1); // the request is out, its timer armed
    clock.advance(bound - 1);
    await eventLoopTurns(20); // anything wrongly due would run now
    assert.equal(read.settled, false, 'not before the bound');
    clock.advance(1);
    await turnsUntil(() => read.settled);
    await assert.rejects(
      read.result,
      berthError('STORE_UNREACHABLE', 'm/a.bin', `no response within ${bound} ms`),
    );
    assert.equal(clock.pendingTimers, 0, 'the timer is released');
  });

  it('http store: a body that stalls midway fails the stream when the clock passes the bound', async () => {
    const stalling = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write(Buffer.alloc(10)); // then nothing more
    });
    const clock = new ManualClock();
    const store = createHttpStore(new URL(stalling.url), { requestTimeoutMs: bound, clock });
    const stream = await store.read('a.bin');
    const chunks: Buffer[] = [];
    let failure: unknown;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', (error) => (failure = error));
    await turnsUntil(() => chunks.length === 1);
    clock.advance(bound);
    await turnsUntil(() => failure !== undefined);
    assert.ok(berthError('STORE_UNREACHABLE', 'a.bin', `no response within ${bound} ms`)(failure));
  });

  it('http store: a reader that stops for longer than the bound is not mistaken for a slow server', async () => {
    const size = 256 * 1024;
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': String(size) });
      response.end(Buffer.alloc(size, 7));
    });
    const clock = new ManualClock();
    const store = createHttpStore(new URL(server.url), { requestTimeoutMs: 100, clock });
    const stream = await store.read('a.bin');
    stream.read(0); // starts reading without consuming: the buffer fills to its mark, then reading stops
    await turnsUntil(() => stream.readableLength >= stream.readableHighWaterMark);
    assert.equal(clock.pendingTimers, 0, 'no timer runs while the consumer holds the data');
    clock.advance(10_000);
    assert.equal((await readAll(stream)).length, size);
  });

  it('webhdfs (node:http): a silent NameNode fails when the clock passes the bound, naming it', async () => {
    const silent = await serve(() => undefined);
    const clock = new ManualClock();
    const settings = resolveStoreSettings(
      { BERTH_WEBHDFS_ADDRESS: silent.address, BERTH_HDFS_USER: 'berth' },
      { requestTimeoutMs: bound, clock },
    );
    const store = new WebHdfsStore(new URL('hdfs://prod/models'), settings);
    const stat = track(store.stat('x'));
    await turnsUntil(() => silent.seen() === 1);
    clock.advance(bound - 1);
    await eventLoopTurns(20);
    assert.equal(stat.settled, false, 'not before the bound');
    clock.advance(1);
    await turnsUntil(() => stat.settled);
    await assert.rejects(
      stat.result,
      berthError(
        'STORE_UNREACHABLE',
        'hdfs://prod/models/x',
        `the NameNode http://${silent.address}`,
        `within ${bound} ms`,
      ),
    );
  });
});
