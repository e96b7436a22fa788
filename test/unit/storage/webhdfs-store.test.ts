/**
 * The WebHDFS store against scripted fake NameNodes and DataNodes on loopback ports: HA fail-over
 * (standby, refused, silent, reset), the auth parameters, the DataNode's unsolicited 100 Continue,
 * a body cut short and resumed, and the older-server fallbacks. The real cluster runs in
 * test/integration/webhdfs-*.test.ts; these cover what a single real NameNode cannot show.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { withRetries } from '../../../src/storage/retrying-store.js';
import { resolveStoreSettings } from '../../../src/storage/store-settings-env.js';
import { WebHdfsStore } from '../../../src/storage/backends/webhdfs/webhdfs-store.js';
import { ManualClock, turnsUntil } from '../../support/manual-clock.js';
import { berthError, readAll } from '../../support/store-assertions.js';

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface Fake {
  readonly address: string;
  readonly requests: URL[];
  handle: Handler;
  close(): Promise<void>;
}

const fakes: Fake[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

/** An HTTP server on a free loopback port that records every request URL and runs `handle`. */
async function fake(handle: Handler): Promise<Fake> {
  const requests: URL[] = [];
  const state: Fake = {
    address: '',
    requests,
    handle,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the silent fake holds requests open
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push(url);
      state.handle(url, req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { address: string }).address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  fakes.push(state);
  return state;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A RemoteException body as Hadoop writes it; `name` is under org.apache.hadoop, java.io or as given. */
function remote(res: ServerResponse, status: number, name: string, message: string): void {
  const javaClassName = name.startsWith('java.')
    ? name
    : name.includes('.')
      ? `org.apache.hadoop.${name}`
      : `java.io.${name}`;
  json(res, status, { RemoteException: { exception: name.split('.').at(-1), javaClassName, message } });
}

const fileStatus = (length: number, type = 'FILE', pathSuffix = '') => ({
  FileStatus: { pathSuffix, type, length, modificationTime: 1_700_000_000_000, blockSize: 1048576 },
});

function store(
  addresses: string[],
  env: Record<string, string> = {},
  timeoutMs = 2_000,
  clock: Clock = systemClock,
): WebHdfsStore {
  return new WebHdfsStore(
    new URL('hdfs://prod/models'),
    resolveStoreSettings(
      { BERTH_WEBHDFS_ADDRESS: addresses.join(','), BERTH_HDFS_USER: 'berth', ...env },
      { requestTimeoutMs: timeoutMs, clock },
    ),
  );
}

async function deadAddress(): Promise<string> {
  const dead = await fake(() => undefined);
  await dead.close();
  return dead.address;
}

describe('HA fail-over against fake NameNodes', () => {
  it('moves past a standby NameNode and then stays on the active one', async () => {
    const nn1 = await fake((_, __, res) =>
      remote(res, 403, 'ipc.StandbyException', 'Operation category READ is not supported in state standby'),
    );
    const nn2 = await fake((url, _, res) =>
      json(res, 200, fileStatus(url.pathname.endsWith('a.bin') ? 5 : 0)),
    );
    const hdfs = store([nn1.address, nn2.address]);
    assert.equal((await hdfs.stat('m/a.bin')).size, 5);
    assert.equal((await hdfs.stat('m/a.bin')).size, 5);
    assert.deepEqual([nn1.requests.length, nn2.requests.length], [1, 2]);
    assert.equal(nn2.requests[0]?.pathname, '/webhdfs/v1/models/m/a.bin');
  });

  it('moves past a NameNode that refuses connections, also for writes', async () => {
    const nn2 = await fake((url, _, res) => {
      if (url.searchParams.get('op') === 'DELETE') json(res, 200, { boolean: true });
      else json(res, 200, fileStatus(0, 'DIRECTORY'));
    });
    const hdfs = store([await deadAddress(), nn2.address]);
    await hdfs.delete('m/1');
    assert.equal(nn2.requests[0]?.searchParams.get('op'), 'DELETE');
    assert.equal(nn2.requests[0]?.searchParams.get('recursive'), 'true');
  });

  it('all standby: STORE_UNREACHABLE naming the hdfs:// path and both NameNodes', async () => {
    const standby: Handler = (_, __, res) => remote(res, 403, 'ipc.StandbyException', 'in state standby');
    const [nn1, nn2] = [await fake(standby), await fake(standby)];
    await assert.rejects(
      store([nn1.address, nn2.address]).stat('m'),
      berthError(
        'STORE_UNREACHABLE',
        'hdfs://prod/models/m: no active NameNode among 2',
        nn1.address,
        nn2.address,
      ),
    );
  });

  it('a rename whose connection breaks after it was sent is not sent to another NameNode', async () => {
    const reset: Handler = (_, req) => req.socket.destroy();
    const nn1 = await fake(reset);
    const nn2 = await fake((_, __, res) => json(res, 200, fileStatus(1)));
    await assert.rejects(
      store([nn1.address, nn2.address]).rename('m/a', 'm/b'),
      berthError('STORE_UNREACHABLE', 'hdfs://prod/models/m/a'),
    );
    assert.equal(nn2.requests.length, 0, 'it may have run on nn1: never twice');
    // A read is idempotent: the same fault fails over.
    assert.equal((await store([nn1.address, nn2.address]).stat('m/a')).size, 1);
  });

  it('a silent NameNode times out (per-wait bound, on the clock) and reads go to the next', async () => {
    const silent = await fake(() => undefined); // accepts, never answers
    const nn2 = await fake((_, __, res) => json(res, 200, fileStatus(7)));
    const clock = new ManualClock();
    const alone = store([silent.address], {}, 200, clock).stat('x');
    await turnsUntil(() => silent.requests.length === 1);
    clock.advance(200);
    await assert.rejects(alone, berthError('STORE_UNREACHABLE', 'hdfs://prod/models/x', 'within 200 ms'));
    const next = store([silent.address, nn2.address], {}, 200, clock).stat('x');
    await turnsUntil(() => silent.requests.length === 2);
    clock.advance(200);
    assert.equal((await next).size, 7);
  });
});

describe('WebHDFS protocol details against fakes', () => {
  it('CREATE in two steps to a temp name, through the DataNode’s unsolicited 100 Continue, then an exclusive RENAME', async () => {
    let uploaded: Buffer = Buffer.alloc(0);
    const dn = await fake((_, __, res, body) => {
      uploaded = body;
      res.writeContinue(); // Hadoop's DataNode always sends this before its 201
      res.writeHead(201, { location: 'hdfs://prod/x', 'content-length': '0', connection: 'close' });
      res.end();
    });
    const nn = await fake((url, _, res) => {
      const op = url.searchParams.get('op');
      if (op === 'CREATE') {
        res.writeHead(307, {
          location: `http://${dn.address}/webhdfs/v1${url.pathname.slice(11)}?op=CREATE&user.name=berth&namenoderpcaddress=prod&overwrite=false`,
        });
        res.end();
      } else if (op === 'RENAME') {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      } else json(res, 500, {});
    });
    await store([nn.address]).write('m/1/model.onnx', Buffer.from('weights'));
    assert.equal(uploaded.toString(), 'weights');
    const [create, rename] = nn.requests;
    assert.match(create?.pathname ?? '', /^\/webhdfs\/v1\/models\/m\/1\/\.berth-tmp-[0-9a-f-]{36}$/);
    assert.deepEqual(Object.fromEntries(create?.searchParams ?? []), {
      op: 'CREATE',
      overwrite: 'false',
      createparent: 'true',
      'user.name': 'berth',
    });
    assert.equal(rename?.pathname, create?.pathname);
    assert.deepEqual(Object.fromEntries(rename?.searchParams ?? []), {
      op: 'RENAME',
      destination: '/models/m/1/model.onnx',
      renameoptions: 'NONE',
      'user.name': 'berth',
    });
    assert.equal(
      dn.requests[0]?.searchParams.get('namenoderpcaddress'),
      'prod',
      'the DataNode URL is used as given',
    );
  });

  it('a failed DataNode upload deletes the temp file and names the target', async () => {
    const dn = await fake((_, __, res) => remote(res, 403, 'fs.FileAlreadyExistsException', 'exists'));
    const nn = await fake((url, _, res) => {
      if (url.searchParams.get('op') === 'CREATE') {
        res.writeHead(307, { location: `http://${dn.address}/webhdfs/v1/x?op=CREATE` });
        res.end();
      } else json(res, 200, { boolean: true });
    });
    await assert.rejects(
      store([nn.address]).write('m/a.bin', Buffer.from('x')),
      berthError('STORE_ALREADY_EXISTS', 'hdfs://prod/models/m/a.bin'),
    );
    const ops = nn.requests.map((url) => url.searchParams.get('op'));
    assert.deepEqual(ops, ['CREATE', 'DELETE']);
    assert.equal(nn.requests[1]?.pathname, nn.requests[0]?.pathname);
  });

  it('refuses to trust a server that ignores renameoptions (old rename moves into folders)', async () => {
    const nn = await fake((_, __, res) => json(res, 200, { boolean: true }));
    await assert.rejects(
      store([nn.address]).rename('m/.staging-x', 'm/1'),
      berthError('STORE_ERROR', 'hdfs://prod/models/m/1', 'renameoptions=NONE'),
    );
  });

  it('OPEN follows the redirect with offset and length; a cut body fails, and resumes by range under retries', async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
    let cuts = 1;
    const dn = await fake((url, req, res) => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const length = Number(url.searchParams.get('length') ?? data.length - offset);
      const slice = data.subarray(offset, offset + length);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': slice.length });
      if (cuts > 0) {
        cuts -= 1;
        res.write(slice.subarray(0, 500), () => setTimeout(() => req.socket.destroy(), 20));
      } else res.end(slice);
    });
    const nn = await fake((url, _, res) => {
      res.writeHead(307, { location: `http://${dn.address}${url.pathname}?${url.searchParams}` });
      res.end();
    });
    await assert.rejects(
      readAll(await store([nn.address]).read('m/w.bin', { offset: 0 })),
      berthError('STORE_UNREACHABLE', 'hdfs://prod/models/m/w.bin', 'cut after 500 bytes'),
    );
    cuts = 1;
    const resumed = await readAll(
      await withRetries(store([nn.address]), {
        policy: { initialDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 2_000 },
      }).read('m/w.bin'),
    );
    assert.ok(resumed.equals(data));
    const offsets = dn.requests.slice(-2).map((url) => url.searchParams.get('offset'));
    assert.deepEqual(offsets, ['0', '500'], 'the retry asked for the rest only');
    const ranged = await readAll(await store([nn.address]).read('m/w.bin', { offset: 10, length: 20 }));
    assert.ok(ranged.equals(data.subarray(10, 30)));
    assert.deepEqual(
      [nn.requests.at(-1)?.searchParams.get('offset'), nn.requests.at(-1)?.searchParams.get('length')],
      ['10', '20'],
    );
  });

  it('OPEN at the end of a file reads as empty; OPEN of a folder says so', async () => {
    const nn = await fake((url, _, res) => {
      if (url.pathname.endsWith('/dir'))
        remote(res, 404, 'FileNotFoundException', 'Path is not a file: /models/dir');
      else remote(res, 403, 'IOException', 'Offset=3 out of the range [0, 3); OPEN, path=/models/f');
    });
    assert.equal((await readAll(await store([nn.address]).read('f', { offset: 3 }))).length, 0);
    await assert.rejects(
      store([nn.address]).read('dir'),
      berthError('STORE_ERROR', 'hdfs://prod/models/dir: is a folder'),
    );
  });

  it('lists with LISTSTATUS_BATCH pages, or LISTSTATUS on servers without it (remembered)', async () => {
    const names = ['b', 'a', 'c'];
    let batch = true;
    const nn = await fake((url, _, res) => {
      const op = url.searchParams.get('op');
      if (op === 'LISTSTATUS_BATCH' && !batch) {
        remote(
          res,
          400,
          'java.lang.IllegalArgumentException',
          'Invalid value for webhdfs parameter "op": LISTSTATUS_BATCH is not a valid GET operation.',
        );
        return;
      }
      const entries = names.map((name) => fileStatus(name.length, 'FILE', name).FileStatus);
      if (op === 'LISTSTATUS') return json(res, 200, { FileStatuses: { FileStatus: entries } });
      // Pages of two, after `startafter`.
      const after = url.searchParams.get('startafter');
      const start = after === null ? 0 : names.indexOf(after) + 1;
      const page = entries.slice(start, start + 2);
      json(res, 200, {
        DirectoryListing: {
          partialListing: { FileStatuses: { FileStatus: page } },
          remainingEntries: entries.length - start - page.length,
        },
      });
    });
    const hdfs = store([nn.address]);
    assert.deepEqual(
      (await hdfs.list('m')).map((entry) => entry.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      nn.requests.map((url) => url.searchParams.get('startafter')),
      [null, 'a'],
      'the second page starts after the last name of the first',
    );
    batch = false;
    const old = store([nn.address]);
    assert.deepEqual(
      (await old.list('m')).map((entry) => entry.name),
      ['a', 'b', 'c'],
    );
    await old.list('m');
    assert.deepEqual(
      nn.requests.slice(2).map((url) => url.searchParams.get('op')),
      ['LISTSTATUS_BATCH', 'LISTSTATUS', 'LISTSTATUS'],
    );
  });

  it('listing a file is STORE_NOT_FOUND (it is not a folder)', async () => {
    const nn = await fake((_, __, res) =>
      json(res, 200, {
        DirectoryListing: {
          partialListing: { FileStatuses: { FileStatus: [fileStatus(3).FileStatus] } },
          remainingEntries: 0,
        },
      }),
    );
    await assert.rejects(
      store([nn.address]).list('f.txt'),
      berthError('STORE_NOT_FOUND', 'hdfs://prod/models/f.txt', 'not a folder'),
    );
  });

  it('signs NameNode requests with a delegation token instead of user.name when one is set', async () => {
    const nn = await fake((_, __, res) => json(res, 200, fileStatus(0, 'DIRECTORY')));
    await store([nn.address], { BERTH_HDFS_DELEGATION_TOKEN: 'tok123', BERTH_HDFS_DOAS: 'ignored' }).stat('');
    await store([nn.address], { BERTH_HDFS_DOAS: 'alice' }).stat('');
    assert.deepEqual(Object.fromEntries(nn.requests[0]?.searchParams ?? []), {
      op: 'GETFILESTATUS',
      delegation: 'tok123',
    });
    assert.deepEqual(Object.fromEntries(nn.requests[1]?.searchParams ?? []), {
      op: 'GETFILESTATUS',
      'user.name': 'berth',
      doas: 'alice',
    });
  });

  it('access denied names the identity and how to change it', async () => {
    const nn = await fake((_, __, res) =>
      remote(
        res,
        403,
        'security.AccessControlException',
        'Permission denied: user=berth, access=WRITE, inode="/models":hdfs:supergroup:drwxr-xr-x',
      ),
    );
    await assert.rejects(
      store([nn.address]).delete('m'),
      berthError(
        'STORE_ERROR',
        'hdfs://prod/models/m: HDFS denied access to user berth',
        'access=WRITE',
        'BERTH_HDFS_USER',
      ),
    );
  });

  it('a missing path names its hdfs:// URI', async () => {
    const nn = await fake((_, __, res) =>
      remote(res, 404, 'FileNotFoundException', 'File does not exist: /models/nope'),
    );
    await assert.rejects(
      store([nn.address]).stat('nope'),
      berthError('STORE_NOT_FOUND', 'hdfs://prod/models/nope'),
    );
  });
});
