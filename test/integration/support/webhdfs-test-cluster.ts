/**
 * The real HDFS the integration run was given (scripts/hdfs/start.sh), plus raw WebHDFS access for
 * what the store must not be used for: seeding and corrupting files behind its back, and cleaning
 * up. The cluster comes from the environment `eval "$(scripts/hdfs/start.sh)"` sets:
 *
 *   BERTH_TEST_WEBHDFS     e.g. http://127.0.0.1:19870 (required; the suites skip without it)
 *   BERTH_TEST_HDFS_URI    e.g. hdfs://127.0.0.1:18020 (the hdfs:// cases skip without it)
 *   BERTH_HDFS_DIR         the run folder (the DataNode fault cases skip without it)
 *
 * Both HDFS suites hold an exclusive lock on the cluster while they run (the test runner runs
 * files in parallel): the fault suite kills the DataNode, which would break the other one.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** scripts/hdfs/ of the checkout, found upwards from here (the compiled tests live in an outDir). */
const SCRIPTS = findUp('scripts/hdfs/datanode.sh', dirname(fileURLToPath(import.meta.url)));

/** The cluster to test against, or why there is none. */
export type HdfsTestCluster =
  | {
      /** NameNode HTTP base, e.g. http://127.0.0.1:19870. */
      readonly webhdfs: string;
      /** `host:port` of the NameNode HTTP address, for BERTH_WEBHDFS_ADDRESS. */
      readonly httpAddress: string;
      /** hdfs://host:rpcport, or undefined when BERTH_TEST_HDFS_URI is unset. */
      readonly hdfsUri: string | undefined;
      /** The run folder, or undefined when BERTH_HDFS_DIR is unset. */
      readonly runDir: string | undefined;
    }
  | { readonly skip: string };

/** Reads the cluster from the environment; `skip` says what is missing and how to get it. */
export function hdfsTestCluster(env: NodeJS.ProcessEnv = process.env): HdfsTestCluster {
  const webhdfs = env.BERTH_TEST_WEBHDFS?.replace(/\/+$/, '');
  if (!webhdfs) {
    return {
      skip: 'no HDFS: set BERTH_TEST_WEBHDFS (eval "$(scripts/hdfs/start.sh)" starts one and exports it)',
    };
  }
  return {
    webhdfs,
    httpAddress: new URL(webhdfs).host,
    hdfsUri: env.BERTH_TEST_HDFS_URI?.replace(/\/+$/, '') || undefined,
    runDir: env.BERTH_HDFS_DIR || undefined,
  };
}

/** This run's folder in HDFS, removed at the end of each suite. */
export const RUN_FOLDER = `/berth-test/${randomUUID().slice(0, 8)}`;

/** A folder no other run or case uses: /berth-test/<run>/<name>. */
export function freshFolder(name: string): string {
  return `${RUN_FOLDER}/${name}`;
}

/** Raw WebHDFS calls as user `berth`, on node:http (the DataNode's 100 Continue defeats fetch). */
export class RawWebHdfs {
  constructor(readonly base: string) {}

  /** Writes a file (two-step CREATE), replacing one that exists: the way to corrupt a file. */
  async put(path: string, content: string | Uint8Array): Promise<void> {
    const step1 = await exchange('PUT', this.#url(path, 'CREATE', { overwrite: 'true' }));
    if (step1.status !== 307 || !step1.location)
      throw new Error(`CREATE ${path}: ${step1.status} ${step1.body}`);
    const step2 = await exchange(
      'PUT',
      step1.location,
      typeof content === 'string' ? Buffer.from(content) : content,
    );
    if (step2.status !== 201) throw new Error(`CREATE ${path} (DataNode): ${step2.status} ${step2.body}`);
  }

  async get(path: string): Promise<Buffer> {
    const step1 = await exchange('GET', this.#url(path, 'OPEN'));
    if (step1.status !== 307 || !step1.location)
      throw new Error(`OPEN ${path}: ${step1.status} ${step1.body}`);
    const step2 = await exchange('GET', step1.location);
    if (step2.status !== 200) throw new Error(`OPEN ${path} (DataNode): ${step2.status}`);
    return step2.bytes;
  }

  async mkdirs(path: string): Promise<void> {
    const answer = await exchange('PUT', this.#url(path, 'MKDIRS'));
    if (answer.status !== 200) throw new Error(`MKDIRS ${path}: ${answer.status} ${answer.body}`);
  }

  async remove(path: string): Promise<void> {
    await exchange('DELETE', this.#url(path, 'DELETE', { recursive: 'true' }));
  }

  /** Any GET operation's JSON answer and status. */
  async json(
    path: string,
    op: string,
    params: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown }> {
    const answer = await exchange('GET', this.#url(path, op, params));
    return { status: answer.status, body: answer.body === '' ? undefined : JSON.parse(answer.body) };
  }

  #url(path: string, op: string, params: Record<string, string> = {}): string {
    const url = new URL(`${this.base}/webhdfs/v1${path.split('/').map(encodeURIComponent).join('/')}`);
    for (const [name, value] of Object.entries({ op, 'user.name': 'berth', ...params }))
      url.searchParams.set(name, value);
    return url.href;
  }
}

interface Exchanged {
  readonly status: number;
  readonly location: string | undefined;
  readonly bytes: Buffer;
  readonly body: string;
}

function exchange(method: string, url: string, body?: Uint8Array): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { 'content-length': String(body?.byteLength ?? 0) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            bytes,
            body: bytes.toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `scripts/hdfs/datanode.sh <action>` for this run folder; resolves with its stdout. */
export function dataNode(runDir: string, action: 'kill' | 'start' | 'stop' | 'status'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPTS, action], {
      env: { ...process.env, BERTH_HDFS_DIR: runDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`datanode.sh ${action} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** The DataNode's pid (read ahead, so a test can SIGKILL it at an exact moment, synchronously). */
export async function dataNodePid(runDir: string): Promise<number> {
  return Number((await readFile(join(runDir, 'datanode.pid'), 'utf8')).trim());
}

/** Resolves once process `pid` is gone (a SIGKILL is not instant), polling every 50 ms. */
export async function processGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Holds the cluster for one suite: an exclusive lock shared by every process of the run (a folder
 * made with mkdir, atomic), waited for up to `timeoutMs`. A lock left by a dead process is broken.
 */
export async function lockCluster(key: string, timeoutMs = 600_000): Promise<() => Promise<void>> {
  const dir = join(tmpdir(), `berth-hdfs-test-lock-${key.replace(/[^a-z0-9]+/gi, '_')}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(holder) && !alive(holder)) await rm(dir, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new Error(`the HDFS test cluster stayed locked (${dir}) for ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A loopback port with nothing listening (bound, then closed): a NameNode that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function findUp(relative: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) return relative; // not found: the error names it when used
  }
}
