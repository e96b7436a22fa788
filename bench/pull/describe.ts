/** What pull.json and pull.md say about the run besides the numbers: machine, versions, methods. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RANGE_DOWNLOAD } from '../../src/repository/download/parallel-download.js';
import { repoRoot } from '../lib/paths.js';
import type { PullBackend, PullConfig } from './config.js';
import type { HdfsService, S3Service } from './services.js';

/** The machine, Node, Hadoop, versitygw and SDK versions, and the load before and now. */
export function environment(
  config: PullConfig,
  loadBefore: string,
  hdfs: HdfsService | undefined,
  s3: S3Service | undefined,
): Record<string, unknown> {
  const root = repoRoot();
  const pom = readFileSync(join(root, 'scripts/hdfs/pom.xml'), 'utf8');
  const sdk = JSON.parse(
    readFileSync(join(root, 'node_modules/@aws-sdk/client-s3/package.json'), 'utf8'),
  ) as { version: string };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadBefore,
    loadAfter: loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
    hadoop: process.env.BERTH_HADOOP_VERSION || (/<hadoop.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown'),
    hdfsBlockMiB: config.hdfsBlockMiB,
    hdfsStartSeconds: hdfs?.startSeconds,
    versitygw: process.env.BERTH_VERSITYGW_VERSION || 'v1.8.0',
    s3StartSeconds: s3?.startSeconds,
    awsSdk: sdk.version,
    scratch: tmpdir(),
  };
}

/** How each floor and case was measured, in words, keyed by case. */
export function floorMethods(config: PullConfig): Record<string, string> {
  const ranges = `${DEFAULT_RANGE_DOWNLOAD.concurrency} at a time, ${DEFAULT_RANGE_DOWNLOAD.chunkBytes / 1048576} MiB each`;
  return {
    'hdfs floor':
      'NameNode OPEN with noredirect=true once (not timed); then one node:http GET of the DataNode URL, body discarded as it arrives. Timed: request to last byte.',
    'hdfs floor-ranges': `the same DataNode URL with offset/length per range, ${ranges}, kept-alive agent, discarded.`,
    'hdfs floor-ranges-redirect':
      'as floor-ranges, but each range first asks the NameNode (OPEN, 307) as Berth does; shows what the redirect per range costs.',
    's3 floor':
      'one node:http GET of a SigV4 presigned URL (bench/pull/sigv4.ts; @aws-sdk/s3-request-presigner is not installed), body discarded. No SDK involved.',
    's3 floor-ranges': `the presigned URL with a Range header per range, ${ranges}, kept-alive agent, discarded.`,
    curl: config.curl
      ? 'curl -o /dev/null of the same URL (DataNode URL / presigned URL); the time is curl\'s time_total. Its CPU is not counted in "client CPU".'
      : 'not run (BENCH_PULL_CURL=0)',
    'store-read / store-ranges':
      "Berth's store (withRetries around the backend) read() to nothing: the store layer without disk writes or sha256.",
    berth:
      "localize() into a new empty cache folder each time: download, positional writes, sha256 (RangeHasher: in order, later ranges held in memory up to a bound, read back past it), fdatasync, rename. Concurrency 1 takes localize's one-stream path (it does not split then).",
  };
}

/** What a reader must know to read the numbers right (page cache, disk, shared CPUs). */
export function notes(
  published: ReadonlyMap<PullBackend, { readonly uri: string; readonly publishSeconds: number }>,
): string[] {
  const out = [
    "The servers read the file from the page cache (it was just written by the publish), as the floor does: the comparison is network + client, not the servers' disks.",
    'Berth writes every byte to the local disk and fsyncs it; the floors discard. "Local parts alone" shows what the disk and sha256 can do on their own.',
    "Both servers run on the same machine as the client (loopback): the servers' CPU competes with Berth's, which a real cluster would not.",
    "curl beside the node:http floor shows how much of the floor is Node's own HTTP client: where curl is far faster, one Node stream, not the server, sets the floor.",
  ];
  for (const [backend, entry] of published)
    out.push(
      `${backend}: published with publishVersion in ${entry.publishSeconds.toFixed(1)} s (${entry.uri}).`,
    );
  return out;
}
