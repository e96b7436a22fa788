/**
 * The raw GET sources of each backend, for the floor: the DataNode URL of the file (one NameNode
 * OPEN with noredirect=true up front, not timed), and a presigned S3 URL. The HDFS variant that
 * asks the NameNode for every range shows what WebHDFS's 307 per range costs.
 */
import { Agent, request } from 'node:http';
import type { ByteRange } from '../../src/repository/download/parallel-download.js';
import type { FloorSource } from './floor.js';
import type { HdfsService, S3Service } from './services.js';
import { S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY } from './services.js';
import { presignGet } from './sigv4.js';

/** The WebHDFS user the benchmark reads and writes as. */
export const HDFS_USER = 'berth';

/** The DataNode URL serving `absolutePath` (asked once, outside any timing), as a floor source. */
export async function hdfsDataNodeSource(hdfs: HdfsService, absolutePath: string): Promise<FloorSource> {
  const open = new URL(`${hdfs.webhdfs}/webhdfs/v1${absolutePath}`);
  open.searchParams.set('op', 'OPEN');
  open.searchParams.set('user.name', HDFS_USER);
  open.searchParams.set('noredirect', 'true');
  const answer = await exchange(open.href);
  if (answer.status !== 200) throw new Error(`OPEN ${absolutePath}: ${answer.status} ${answer.body}`);
  const location = (JSON.parse(answer.body) as { Location?: string }).Location;
  if (location === undefined) throw new Error(`OPEN ${absolutePath}: no Location in ${answer.body}`);
  return {
    url: location,
    forRange: (range) => Promise.resolve({ url: withRange(location, range), headers: {} }),
  };
}

/**
 * Ranges as Berth's WebHDFS store makes them: OPEN on the NameNode for each range (its 307 read,
 * the body dropped), then the DataNode GET. The NameNode connection is kept alive, as in Berth.
 */
export function hdfsRedirectSource(hdfs: HdfsService, absolutePath: string, dataNode: string): FloorSource {
  const agent = new Agent({ keepAlive: true });
  return {
    url: dataNode,
    async forRange(range) {
      const open = new URL(`${hdfs.webhdfs}/webhdfs/v1${absolutePath}`);
      open.searchParams.set('op', 'OPEN');
      open.searchParams.set('user.name', HDFS_USER);
      open.searchParams.set('offset', String(range.start));
      open.searchParams.set('length', String(range.end - range.start));
      const answer = await exchange(open.href, agent);
      if (answer.status !== 307 || answer.location === undefined)
        throw new Error(`OPEN ${absolutePath}: ${answer.status} ${answer.body}`);
      return { url: answer.location, headers: {} };
    },
    close: () => agent.destroy(),
  };
}

/** A presigned GET of the object; ranges add a Range header (206 expected). */
export function s3PresignedSource(s3: S3Service, key: string): FloorSource {
  const url = presignGet({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    key,
    region: S3_REGION,
    accessKeyId: S3_ACCESS_KEY,
    secretAccessKey: S3_SECRET_KEY,
    expiresSeconds: 6 * 3600,
  });
  return {
    url,
    // RFC 9110 §14.1.2: the last byte position is inclusive.
    forRange: (range) =>
      Promise.resolve({ url, headers: { range: `bytes=${range.start}-${range.end - 1}` } }),
  };
}

function withRange(location: string, range: ByteRange): string {
  const url = new URL(location);
  url.searchParams.set('offset', String(range.start));
  url.searchParams.set('length', String(range.end - range.start));
  return url.href;
}

interface Answer {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

function exchange(url: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
