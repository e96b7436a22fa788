/**
 * Downloads one large manifest file as parallel byte ranges (as S3's and HDFS's own clients do for
 * large objects): each range is written at its offset into the partial file with positional
 * writes, and a RangeHasher hashes the bytes in file order, holding later ranges' bytes in
 * memory up to HOLD_BYTES and reading back from the file past that. Memory stays bounded: the
 * writes in flight (FileWriter) plus HOLD_BYTES. Concurrent positional writes to one file are
 * safe: pwritev(2) at disjoint offsets.
 */
import { open } from 'node:fs/promises';
import { BerthError } from '../../core/errors.js';
import { FileWriter, WriteBatch } from './file-writer.js';
import { RangeHasher } from './in-order-hash.js';
import type { ByteRange } from './in-order-hash.js';
import type { ManifestFile } from '../manifest.js';
import type { ModelStore } from '../../storage/model-store.js';
import { storeUriOf, throwIfCancelled } from '../../storage/store-path.js';
import { digestMismatch } from './stream-download.js';
import type { FileDownloadOptions } from './stream-download.js';

export type { ByteRange } from './in-order-hash.js';

/** When and how a file is split into ranges. */
export interface RangeDownloadOptions {
  /** Files of at least this many bytes download as ranges; smaller ones stream in one request. */
  readonly thresholdBytes: number;
  /** Bytes per range (the last one may be shorter). */
  readonly chunkBytes: number;
  /** Ranges in flight at once, per localize call (files download one after another). */
  readonly concurrency: number;
}

const MiB = 1024 * 1024;

/**
 * 16 MiB ranges: a request's set-up (one round trip, plus the NameNode redirect on WebHDFS) is
 * then a small part of its transfer even at several hundred MB/s per connection; bench:pull measured
 * 16 MiB 5–12% faster than 8 MiB on both HDFS and S3. 8 in flight: one connection rarely fills a
 * fast link (per-connection S3 throughput is ~100 MB/s), and 8 keeps buffers bounded. 32 MiB
 * threshold: a file gets at least two ranges, or it streams.
 */
export const DEFAULT_RANGE_DOWNLOAD: RangeDownloadOptions = Object.freeze({
  thresholdBytes: 32 * MiB,
  chunkBytes: 16 * MiB,
  concurrency: 8,
});

/**
 * Bytes of later ranges held in memory for the in-order hash before it reads back from disk:
 * four 16 MiB ranges, so with the default settings most bytes are hashed once, from memory.
 */
export const HOLD_BYTES = 64 * MiB;

/** Splits `size` bytes into ranges of `chunkBytes`, in order. */
export function planRanges(size: number, chunkBytes: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += chunkBytes)
    ranges.push({ start, end: Math.min(size, start + chunkBytes) });
  return ranges;
}

/** The settings to use: DEFAULT_RANGE_DOWNLOAD for every field absent, each checked (>= 1). */
export function rangeOptions(given: Partial<RangeDownloadOptions> = {}): RangeDownloadOptions {
  const merged: { -readonly [K in keyof RangeDownloadOptions]: number } = { ...DEFAULT_RANGE_DOWNLOAD };
  for (const key of ['thresholdBytes', 'chunkBytes', 'concurrency'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new BerthError('INVALID_REQUEST', `range download: ${key} must be an integer >= 1, got ${value}`);
    }
    merged[key] = value;
  }
  return merged;
}

/**
 * Downloads `source` into a new file `target` as parallel ranges; throws DIGEST_MISMATCH unless
 * its size and sha256 match `file`. The first failure stops the other ranges and is the one thrown.
 */
export async function parallelDownload(
  store: ModelStore,
  source: string,
  file: ManifestFile,
  target: string,
  options: FileDownloadOptions & { readonly ranges: RangeDownloadOptions },
): Promise<void> {
  const where = storeUriOf(store.uri, source);
  const ranges = planRanges(file.size, options.ranges.chunkBytes);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let failure: { error: unknown } | undefined;
  let next = 0;
  let fileBytes = 0;
  const handle = await open(target, 'wx+'); // read too: the hasher may read back what was written
  const writer = new FileWriter(handle);
  const hasher = new RangeHasher(handle, ranges, HOLD_BYTES);

  const fetchRange = async (index: number): Promise<void> => {
    const range = ranges[index] as ByteRange;
    const expected = range.end - range.start;
    // The last range reads to the end of the file, so a file longer than the manifest says is
    // caught at its first extra byte rather than silently cut to the expected size.
    const last = index === ranges.length - 1;
    const body = await store.read(source, {
      offset: range.start,
      ...(last ? {} : { length: expected }),
      signal,
    });
    const batch = new WriteBatch();
    let received = 0;
    const done = (bytes: number): void => {
      fileBytes += bytes;
      options.progress(bytes, fileBytes);
      hasher.written(index, bytes);
    };
    const write = async (): Promise<void> => {
      const at = range.start + received - batch.bytes;
      await writer.write(batch, at, done);
    };
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      if (received + bytes.byteLength > expected)
        throw digestMismatch(where, file, `more than ${file.size} bytes`);
      received += bytes.byteLength;
      hasher.received(index, bytes);
      if (batch.add(bytes)) await write();
    }
    await write();
    throwIfCancelled(signal, where); // a cancel heard during the last write: nothing reads after it
    if (received < expected) {
      throw digestMismatch(where, file, `a file that ends at byte ${range.start + received}`);
    }
  };
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < ranges.length) {
      const index = next;
      next += 1;
      try {
        await fetchRange(index);
      } catch (error) {
        failure ??= { error };
        stop.abort(); // the other ranges are wasted work now
      }
    }
  };

  try {
    const workers = Math.min(options.ranges.concurrency, ranges.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) throw failure.error;
    await writer.finish(); // every write done and on disk before the rename that vouches for it
    const sha256 = await hasher.digest();
    if (sha256 !== file.sha256) throw digestMismatch(where, file, `${file.size} bytes, sha256 ${sha256}`);
  } finally {
    await writer.settle();
    await hasher.settle();
    await handle.close();
  }
}
