/**
 * Downloads a published version into a local cache folder that runtimes load from (Triton's
 * LocalizePath: runtimes only ever see local paths). A cache folder appears only by an atomic
 * rename after every file matched MANIFEST.json, so its existence alone proves it whole; that is
 * what lets the cache be reused across restarts without hashing it again. Small files stream in one
 * request (stream-download.ts); large ones arrive as parallel ranges (parallel-download.ts). Retries
 * are not done here: callers hand in a store wrapped by withRetries (retrying-store.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { MANIFEST_FILE } from './manifest.js';
import type { Manifest } from './manifest.js';
import { joinStorePath } from '../storage/model-store.js';
import type { ModelStore } from '../storage/model-store.js';
import { parallelDownload, rangeOptions } from './download/parallel-download.js';
import type { RangeDownloadOptions } from './download/parallel-download.js';
import type { TransferProgress } from './download/progress.js';
import { checkModelName, storeUriOf } from '../storage/store-path.js';
import { streamDownload } from './download/stream-download.js';
import { readManifestBytes } from './versions.js';

/**
 * Downloads fill a folder of this prefix and a random name, renamed onto its key when verified;
 * one still there belongs to a download in progress, or to one whose process died (cache-sweep.ts).
 */
export const PARTIAL_PREFIX = '.partial-';

/** Where to cache, how to cancel, and who hears about progress. */
export interface LocalizeOptions {
  /** Local folder holding one sub-folder per cached version; created when absent. */
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  /** Called after every chunk written; cheap to call, so throttle in the listener if needed. */
  readonly onProgress?: (progress: LocalizeProgress) => void;
  /** Times the download for `durationMs`; the system clock when absent. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How large files split into parallel ranges; DEFAULT_RANGE_DOWNLOAD for what is absent. */
  readonly ranges?: Partial<RangeDownloadOptions>;
}

/** Download progress: the current file, and (`bytes` of `totalBytes`) the whole version. */
export interface LocalizeProgress extends TransferProgress {
  /** Path of the file inside the version folder. */
  readonly path: string;
  /** Bytes of this file written so far, in any order (ranges arrive in parallel). */
  readonly fileBytes: number;
  readonly fileSize: number;
}

/** The local folder to load from, and what it took to get it (for metrics). */
export interface LocalizeResult {
  /** Absolute path of the verified folder: the model files plus MANIFEST.json. */
  readonly dir: string;
  readonly manifest: Manifest;
  /** True when no download placed the folder: it was already cached (or a concurrent call won). */
  readonly reused: boolean;
  /** Bytes downloaded by this call (0 when the cache was reused at once). */
  readonly bytes: number;
  /** Time this call took, ms, manifest read included. */
  readonly durationMs: number;
}

/**
 * The cache folder name of a version: a hash of where it comes from plus a hash of its manifest,
 * so a version number published again with other content never reuses the stale folder.
 */
export function cacheKey(
  storeUri: string,
  model: string,
  version: number,
  manifestBytes: Uint8Array,
): string {
  const source = createHash('sha256').update(`${storeUri}/${model}/${version}`).digest('hex');
  const content = createHash('sha256').update(manifestBytes).digest('hex');
  // 128 bits of each keep names short in logs and paths, and collisions out of reach.
  return `${source.slice(0, 32)}-${content.slice(0, 32)}`;
}

/**
 * Makes `<model>/<version>` available under `cacheDir`, downloading and verifying every file unless
 * a cached copy exists. A size or sha256 mismatch throws DIGEST_MISMATCH and leaves nothing behind.
 */
export async function localize(
  store: ModelStore,
  model: string,
  version: number,
  options: LocalizeOptions,
): Promise<LocalizeResult> {
  const { signal, clock = systemClock } = options;
  const started = clock.now();
  const ranges = rangeOptions(options.ranges);
  const folder = joinStorePath(checkModelName(model, store.uri), String(version));
  const { manifest, bytes: manifestBytes } = await readManifestBytes(store, model, version, signal);
  const cacheDir = resolve(options.cacheDir);
  const dir = join(cacheDir, cacheKey(store.uri, model, version, manifestBytes));
  const done = (reused: boolean, bytes: number): LocalizeResult => ({
    dir,
    manifest,
    reused,
    bytes,
    durationMs: clock.now() - started,
  });
  if (await isFolder(dir)) return done(true, 0);

  // A hidden name no key can take: a partial folder is never mistaken for a cached version.
  const partial = join(cacheDir, `${PARTIAL_PREFIX}${randomUUID()}`);
  try {
    await mkdir(cacheDir, { recursive: true });
    const bytes = await downloadAll(store, folder, manifest, partial, { ...options, ranges });
    await writeFile(join(partial, MANIFEST_FILE), manifestBytes, { flag: 'wx' });
    if (!(await claim(partial, dir))) {
      await rm(partial, { recursive: true, force: true });
      return done(true, bytes); // a concurrent localize placed the same verified content first
    }
    return done(false, bytes);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (error instanceof BerthError) throw error;
    if (signal?.aborted)
      throw new BerthError('CANCELLED', `${storeUriOf(store.uri, folder)}: download cancelled`);
    // What is left is local disk trouble (no space, permissions) in the cache folder.
    throw new BerthError(
      'STORE_ERROR',
      `${cacheDir}: cannot fill the local cache (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
}

/** Downloads every manifest file into `partial`, verified; returns the bytes downloaded. */
async function downloadAll(
  store: ModelStore,
  folder: string,
  manifest: Manifest,
  partial: string,
  options: LocalizeOptions & { readonly ranges: RangeDownloadOptions },
): Promise<number> {
  const { ranges } = options;
  const totalBytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
  let bytes = 0;
  await mkdir(partial);
  // One file at a time: a large file is already `concurrency` requests, and the progress of one
  // file at a time is what a person watching a pull can follow.
  for (const file of manifest.files) {
    const target = join(partial, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    const source = joinStorePath(folder, file.path);
    const each = {
      ...(options.signal ? { signal: options.signal } : {}),
      progress: (chunk: number, fileBytes: number) => {
        bytes += chunk;
        options.onProgress?.({ path: file.path, fileBytes, fileSize: file.size, bytes, totalBytes });
      },
    };
    if (file.size >= ranges.thresholdBytes && ranges.concurrency > 1)
      await parallelDownload(store, source, file, target, { ...each, ranges });
    else await streamDownload(store, source, file, target, each);
  }
  return bytes;
}

/** Renames the verified folder into place; false when another process already placed it. */
async function claim(partial: string, dir: string): Promise<boolean> {
  try {
    await rename(partial, dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
