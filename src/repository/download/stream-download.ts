/**
 * Downloads one manifest file as a single stream, hashing as the bytes pass: the path for small
 * files, where one request is cheapest. Also the pieces every download shares.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { BerthError } from '../../core/errors.js';
import { FileWriter, WriteBatch } from './file-writer.js';
import type { ManifestFile } from '../manifest.js';
import type { ModelStore } from '../../storage/model-store.js';
import { storeUriOf, throwIfCancelled } from '../../storage/store-path.js';

/** Told of every chunk written: its size, and the bytes of this file written so far. */
export type FileProgress = (chunkBytes: number, fileBytes: number) => void;

/** What one file download needs besides the store and the paths. */
export interface FileDownloadOptions {
  readonly signal?: AbortSignal;
  readonly progress: FileProgress;
}

/** Streams `source` to a new file `target`; throws DIGEST_MISMATCH unless it matches `file`. */
export async function streamDownload(
  store: ModelStore,
  source: string,
  file: ManifestFile,
  target: string,
  options: FileDownloadOptions,
): Promise<void> {
  const where = storeUriOf(store.uri, source);
  const got = await hashedDownload(store, source, target, {
    ...options,
    limit: { bytes: file.size, error: () => digestMismatch(where, file, `more than ${file.size} bytes`) },
  });
  if (got.size !== file.size || got.sha256 !== file.sha256)
    throw digestMismatch(where, file, `${got.size} bytes, sha256 ${got.sha256}`);
}

/** What a hashed download wrote. */
export interface HashedFile {
  readonly size: number;
  readonly sha256: string;
}

/** A hashed download's options: FileDownloadOptions, and where to stop. */
export interface HashedDownloadOptions extends FileDownloadOptions {
  /** Stop at the first byte past `bytes`, throwing `error()`, rather than fill the disk. */
  readonly limit?: { readonly bytes: number; readonly error: () => Error };
}

/**
 * Streams `source` to a new file `target`, hashing as the bytes pass (arrival order is file
 * order), in 1 MiB positional writes that overlap the transfer (FileWriter), synced before it
 * returns: the one download loop behind model pulls and training data.
 */
export async function hashedDownload(
  store: ModelStore,
  source: string,
  target: string,
  options: HashedDownloadOptions,
): Promise<HashedFile> {
  const where = storeUriOf(store.uri, source);
  const hash = createHash('sha256');
  let size = 0; // bytes received
  let position = 0; // bytes handed to the writer
  let fileBytes = 0; // bytes written
  const handle = await open(target, 'wx');
  const writer = new FileWriter(handle);
  const batch = new WriteBatch();
  const written = (bytes: number): void => {
    fileBytes += bytes;
    options.progress(bytes, fileBytes);
  };
  const write = async (): Promise<void> => {
    const at = position;
    position += batch.bytes;
    await writer.write(batch, at, written);
  };
  try {
    const body = await store.read(source, options.signal ? { signal: options.signal } : {});
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      if (options.limit !== undefined && size > options.limit.bytes) throw options.limit.error();
      hash.update(bytes);
      if (batch.add(bytes)) await write();
    }
    await write();
    await writer.finish(); // every write done and on disk before the rename that vouches for it
    // A cancel heard during the last write still stops the pull: nothing is read after it to notice.
    throwIfCancelled(options.signal, where);
  } finally {
    await writer.settle();
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/** DIGEST_MISMATCH naming the file's URI, what the manifest promised and what arrived. */
export function digestMismatch(where: string, file: ManifestFile, got: string): BerthError {
  return new BerthError(
    'DIGEST_MISMATCH',
    `${where}: expected ${file.size} bytes, sha256 ${file.sha256}; got ${got}`,
  );
}
