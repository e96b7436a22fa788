import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpStore, parseContentRange } from '../../../src/storage/backends/http/http-store.js';
import { startStaticHttpServer } from '../../support/static-http-server.js';
import { berthError, readAll, tempFolder } from '../../support/store-assertions.js';

/** A throw-away server with a hand-written handler, on 127.0.0.1 at port 0. */
async function serveWith(
  handler: RequestListener,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

describe('http store when the server is down or slow', () => {
  it('a refused connection is STORE_UNREACHABLE naming the URL and the cause', async () => {
    const gone = await serveWith(() => undefined);
    await gone.close(); // the port is now free: connections to it are refused
    const store = createHttpStore(new URL(`${gone.url}models`), { requestTimeoutMs: 2000 });
    await assert.rejects(
      store.stat('m/1/MANIFEST.json'),
      berthError('STORE_UNREACHABLE', `${gone.url}models/m/1/MANIFEST.json`, 'ECONNREFUSED'),
    );
    await assert.rejects(
      store.read('m/a.bin'),
      berthError('STORE_UNREACHABLE', `${gone.url}models/m/a.bin`, 'ECONNREFUSED'),
    );
    await assert.rejects(store.list('m'), berthError('STORE_UNREACHABLE', `${gone.url}models/m`));
  });

  // Timeouts (a silent server, a stalled body, a slow reader) run on a ManualClock: http-timeout.test.ts.

  it("the caller's abort is CANCELLED, not unreachable", async () => {
    const silent = await serveWith(() => undefined);
    after(() => silent.close());
    const store = createHttpStore(new URL(silent.url), { requestTimeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(store.read('a.bin', { signal: controller.signal }), berthError('CANCELLED'));
  });
});

describe('http store statuses', () => {
  it('maps 404 to STORE_NOT_FOUND, 503 to STORE_UNREACHABLE and 500/403 to STORE_ERROR with the status', async () => {
    const statuses: Record<string, number> = {
      '/gone.bin': 404,
      '/busy.bin': 503,
      '/broken.bin': 500,
      '/secret.bin': 403,
    };
    const server = await serveWith((request, response) => {
      response.writeHead(statuses[request.url ?? ''] ?? 200).end();
    });
    after(() => server.close());
    const store = createHttpStore(new URL(server.url), {});
    await assert.rejects(store.read('gone.bin'), berthError('STORE_NOT_FOUND', 'gone.bin'));
    await assert.rejects(store.read('busy.bin'), berthError('STORE_UNREACHABLE', 'HTTP 503'));
    await assert.rejects(store.read('broken.bin'), berthError('STORE_ERROR', 'broken.bin', 'HTTP 500'));
    await assert.rejects(store.stat('secret.bin'), berthError('STORE_ERROR', 'HTTP 403'));
  });

  it('refuses writes with STORE_READ_ONLY naming the path', async () => {
    const store = createHttpStore(new URL('http://127.0.0.1:9/models'), {});
    assert.equal(store.writable, false);
    await assert.rejects(
      store.write('m/1/a.bin', Buffer.from('x')),
      berthError('STORE_READ_ONLY', 'http://127.0.0.1:9/models/m/1/a.bin'),
    );
  });

  it('sends URL credentials as Basic auth and keeps them out of uri and messages', async () => {
    let authorization: string | undefined;
    const server = await serveWith((request, response) => {
      authorization = request.headers.authorization;
      response.writeHead(404).end();
    });
    after(() => server.close());
    const store = createHttpStore(new URL(server.url.replace('http://', 'http://reader:s%3Acret@')), {});
    assert.ok(!store.uri.includes('cret'));
    await assert.rejects(store.read('a.bin'), (error: Error) => !error.message.includes('cret'));
    assert.equal(authorization, `Basic ${Buffer.from('reader:s:cret').toString('base64')}`);
  });

  it('rejects a 206 that starts elsewhere than asked', async () => {
    const server = await serveWith((_request, response) => {
      response.writeHead(206, { 'content-range': 'bytes 0-3/10', 'content-length': '4' }).end('0123');
    });
    after(() => server.close());
    const store = createHttpStore(new URL(server.url), {});
    await assert.rejects(
      store.read('a.bin', { offset: 5, length: 4 }),
      berthError('STORE_ERROR', 'bytes 0-3/10'),
    );
  });
});

describe('http store against a server that ignores Range', () => {
  it('answers 200 with the whole file, and the store skips to the offset itself', async () => {
    const folder = await tempFolder('http-no-range');
    after(() => folder.remove());
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, index) => index % 253));
    await writeFile(join(folder.path, 'model.onnx'), content);
    const server = await startStaticHttpServer(folder.path, { ignoreRange: true });
    after(() => server.close());
    const store = createHttpStore(new URL(server.url), {});
    const middle = await readAll(await store.read('model.onnx', { offset: 100_001, length: 65_537 }));
    assert.ok(middle.equals(content.subarray(100_001, 165_538)));
    const tail = await readAll(await store.read('model.onnx', { offset: 299_990 }));
    assert.ok(tail.equals(content.subarray(299_990)));
    const past = await readAll(await store.read('model.onnx', { offset: 400_000, length: 10 }));
    assert.equal(past.length, 0);
    assert.equal(server.requests.filter((request) => request.range !== undefined).length, 3);
  });
});

describe('parseContentRange', () => {
  it('reads ranges and totals, and refuses other shapes', () => {
    assert.deepEqual(parseContentRange('bytes 5-9/10'), { start: 5, end: 9, total: 10 });
    assert.deepEqual(parseContentRange('bytes */10'), { total: 10 });
    assert.deepEqual(parseContentRange('bytes 0-0/*'), { start: 0, end: 0 });
    assert.equal(parseContentRange('items 1-2/3'), undefined);
    assert.equal(parseContentRange(null), undefined);
  });
});
