/**
 * The raw floor: plain HTTP GETs of the published bytes, discarded as they arrive (no disk, no
 * hash, no store layer), on node:http, the runtime Berth itself runs on; and the same with curl.
 * Whatever Berth's pull costs beyond these is the price of its store layer, disk writes and sha256.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { planRanges } from '../../src/repository/download/parallel-download.js';
import type { ByteRange } from '../../src/repository/download/parallel-download.js';

/** How one GET is made: its URL and headers; a range is added by `forRange`. */
export interface FloorSource {
  /** The whole file in one GET. */
  readonly url: string;
  /** A GET of one byte range: HDFS with offset/length parameters, S3 with a Range header. */
  forRange(range: ByteRange): Promise<{ url: string; headers: Record<string, string> }>;
  /** Frees what the source holds (kept-alive connections). */
  close?(): void;
}

/** Streams `url` into nothing; resolves with the bytes received. Checks the status. */
export function getToNull(
  url: string,
  options: { headers?: Record<string, string>; agent?: Agent; signal: AbortSignal; expect?: number[] },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: options.headers ?? {}, agent: options.agent ?? false, signal: options.signal },
      (res: IncomingMessage) => {
        const ok = (options.expect ?? [200]).includes(res.statusCode ?? 0);
        let bytes = 0;
        const text: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.byteLength;
          if (!ok && bytes < 4096) text.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          if (ok) resolve(bytes);
          else reject(new Error(`GET ${redact(url)}: ${res.statusCode} ${Buffer.concat(text).toString()}`));
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * `size` bytes as ranges of `chunkBytes`, `concurrency` at a time, each into nothing, on kept-alive
 * connections (as Berth's stores use); resolves with the bytes received.
 */
export async function rangesToNull(
  source: FloorSource,
  size: number,
  chunkBytes: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<number> {
  const ranges = planRanges(size, chunkBytes);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      const range = ranges[next] as ByteRange;
      next += 1;
      const { url, headers } = await source.forRange(range);
      const got = await getToNull(url, { headers, agent, signal, expect: [200, 206] });
      if (got !== range.end - range.start)
        throw new Error(`range ${range.start}-${range.end}: got ${got} bytes`);
      bytes += got;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
  } finally {
    agent.destroy();
  }
  return bytes;
}

/** curl's own timing of one GET to /dev/null: `time_total` (connect to last byte), bytes. */
export function curlToNull(url: string, timeoutS: number): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      [
        '-sS',
        '--noproxy',
        '*',
        '-o',
        '/dev/null',
        '--max-time',
        String(timeoutS),
        '-w',
        '%{http_code} %{size_download} %{time_total}',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const [status, bytes, seconds] = out.trim().split(' ');
      if (code !== 0 || status !== '200')
        reject(new Error(`curl exited ${code}, HTTP ${status}: ${err.trim()}`));
      else resolve({ bytes: Number(bytes), seconds: Number(seconds) });
    });
  });
}

/** Drops the signature from a presigned URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=...');
}
