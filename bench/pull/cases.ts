/**
 * What is timed for one backend: the raw floors, Berth's store layer alone (bytes to nothing), and
 * Berth's `localize` (download, positional writes, sha256, fsync, rename) over the sweep of range
 * settings. Every case moves the same published file; each `run` returns the bytes it moved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { localize } from '../../src/repository/local-cache.js';
import { DEFAULT_RANGE_DOWNLOAD, planRanges } from '../../src/repository/download/parallel-download.js';
import type { ByteRange, RangeDownloadOptions } from '../../src/repository/download/parallel-download.js';
import type { ModelStore } from '../../src/storage/model-store.js';
import { curlToNull, getToNull, rangesToNull } from './floor.js';
import type { FloorSource } from './floor.js';
import type { PullBackend } from './config.js';
import type { ReadTimings } from './timed-store.js';

/** Which table a case belongs to. */
export type CaseKind = 'floor' | 'store' | 'berth';

/** One timed operation. */
export interface PullCase {
  readonly id: string;
  readonly kind: CaseKind;
  readonly label: string;
  /** Range settings of a `berth` case; absent for the others. */
  readonly ranges?: RangeDownloadOptions;
  /** Moves the file once; `seconds` when the tool timed itself (curl). */
  run(signal: AbortSignal): Promise<{ bytes: number; seconds?: number }>;
}

/** Everything the cases of one backend share. */
export interface BackendContext {
  readonly backend: PullBackend;
  /** Berth's store as a pull opens it (withRetries around the backend), timed by a TimedStore. */
  readonly store: ModelStore;
  readonly takeReadTimings: () => ReadTimings;
  readonly model: string;
  readonly version: number;
  /** The model file's path inside the store. */
  readonly filePath: string;
  readonly size: number;
  readonly floor: FloorSource;
  /** A fresh NameNode-per-range source for each run (HDFS only). */
  readonly redirectFloor?: () => FloorSource;
  readonly scratch: string;
  readonly curl: boolean;
  readonly timeoutS: number;
}

const MiB = 1024 * 1024;

/** The sweep's range settings: concurrency 1 is one stream (localize does not split then). */
export function sweepSettings(concurrencies: readonly number[], chunksMiB: readonly number[]) {
  const settings: RangeDownloadOptions[] = [];
  for (const concurrency of concurrencies) {
    const chunks = concurrency === 1 ? [chunksMiB[0] ?? 8] : chunksMiB;
    for (const chunk of chunks)
      settings.push({ ...DEFAULT_RANGE_DOWNLOAD, concurrency, chunkBytes: chunk * MiB });
  }
  const isDefault = (s: RangeDownloadOptions): boolean =>
    s.concurrency === DEFAULT_RANGE_DOWNLOAD.concurrency &&
    s.chunkBytes === DEFAULT_RANGE_DOWNLOAD.chunkBytes;
  if (!settings.some(isDefault)) settings.push(DEFAULT_RANGE_DOWNLOAD);
  return settings;
}

/** The id of a berth case with these settings. */
export function berthCaseId(ranges: RangeDownloadOptions): string {
  return ranges.concurrency === 1
    ? 'berth-c1'
    : `berth-c${ranges.concurrency}-${Math.round(ranges.chunkBytes / MiB)}m`;
}

/** Whether these are DEFAULT_RANGE_DOWNLOAD's settings. */
export function isDefaultRanges(ranges: RangeDownloadOptions | undefined): boolean {
  return (
    ranges !== undefined &&
    ranges.concurrency === DEFAULT_RANGE_DOWNLOAD.concurrency &&
    ranges.chunkBytes === DEFAULT_RANGE_DOWNLOAD.chunkBytes &&
    ranges.thresholdBytes === DEFAULT_RANGE_DOWNLOAD.thresholdBytes
  );
}

/** Every case of one backend, floors first. */
export function backendCases(ctx: BackendContext, sweep: readonly RangeDownloadOptions[]): PullCase[] {
  const { chunkBytes, concurrency } = DEFAULT_RANGE_DOWNLOAD;
  const shape = `${concurrency} × ${chunkBytes / MiB} MiB`;
  const cases: PullCase[] = [
    {
      id: 'floor',
      kind: 'floor',
      label: ctx.backend === 'hdfs' ? 'GET DataNode URL → null' : 'GET presigned URL → null',
      run: async (signal) => ({ bytes: await getToNull(ctx.floor.url, { signal }) }),
    },
    {
      id: 'floor-ranges',
      kind: 'floor',
      label: `ranged GETs ${shape} → null`,
      run: async (signal) => ({
        bytes: await rangesToNull(ctx.floor, ctx.size, chunkBytes, concurrency, signal),
      }),
    },
  ];
  const redirect = ctx.redirectFloor;
  if (redirect !== undefined)
    cases.push({
      id: 'floor-ranges-redirect',
      kind: 'floor',
      label: `ranged GETs ${shape}, NameNode 307 per range → null`,
      run: async (signal) => {
        const source = redirect();
        try {
          return { bytes: await rangesToNull(source, ctx.size, chunkBytes, concurrency, signal) };
        } finally {
          source.close?.();
        }
      },
    });
  if (ctx.curl)
    cases.push({
      id: 'curl',
      kind: 'floor',
      label: 'curl GET → /dev/null (curl time_total)',
      run: async () => {
        const { bytes, seconds } = await curlToNull(ctx.floor.url, ctx.timeoutS);
        return { bytes, seconds };
      },
    });
  cases.push(
    {
      id: 'store-read',
      kind: 'store',
      label: 'store.read() whole file → null',
      run: async (signal) => ({ bytes: await drain(await ctx.store.read(ctx.filePath, { signal })) }),
    },
    {
      id: 'store-ranges',
      kind: 'store',
      label: `store.read() ranges ${shape} → null`,
      run: async (signal) => ({ bytes: await storeRangesToNull(ctx, chunkBytes, concurrency, signal) }),
    },
  );
  for (const ranges of sweep) {
    cases.push({
      id: berthCaseId(ranges),
      kind: 'berth',
      label:
        ranges.concurrency === 1
          ? 'localize, one stream'
          : `localize, ${ranges.concurrency} × ${ranges.chunkBytes / MiB} MiB${isDefaultRanges(ranges) ? ' (default)' : ''}`,
      ranges,
      run: (signal) => localizeOnce(ctx, ranges, signal),
    });
  }
  return cases;
}

/** One `localize` into a new empty cache folder (a real download and sha256), removed after. */
export async function localizeOnce(
  ctx: BackendContext,
  ranges: RangeDownloadOptions,
  signal: AbortSignal,
): Promise<{ bytes: number }> {
  const cacheDir = await mkdtemp(join(ctx.scratch, 'cache-'));
  try {
    const result = await localize(ctx.store, ctx.model, ctx.version, { cacheDir, ranges, signal });
    if (result.reused || result.bytes !== ctx.size)
      throw new Error(`localize: reused=${result.reused}, ${result.bytes} of ${ctx.size} bytes`);
    return { bytes: result.bytes };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function storeRangesToNull(
  ctx: BackendContext,
  chunkBytes: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<number> {
  const ranges = planRanges(ctx.size, chunkBytes);
  let next = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      const range = ranges[next] as ByteRange;
      next += 1;
      const body = await ctx.store.read(ctx.filePath, {
        offset: range.start,
        length: range.end - range.start,
        signal,
      });
      const got = await drain(body); // not `bytes += await`: that reads `bytes` before the wait
      bytes += got;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
  return bytes;
}

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).byteLength;
  return bytes;
}
