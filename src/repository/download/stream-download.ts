/**
 * Downloads one manifest file as a single stream, hashing as the bytes pass: the path for small
 * files, where one request is cheapest. Also the pieces every download shares.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BerthError } from '../../core/errors.js';
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
 * Streams `source` to a new file `target`, hashing as the bytes pass, in 1 MiB writes, synced
 * before it returns: the one download loop behind model pulls and training data.
 */
export async function hashedDownload(
  store: ModelStore,
  source: string,
  target: string,
  options: HashedDownloadOptions,
): Promise<HashedFile> {
  const where = storeUriOf(store.uri, source);
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(target, 'wx');
  const batch = new WriteBatch();
  try {
    const body = await store.read(source, options.signal ? { signal: options.signal } : {});
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      if (options.limit !== undefined && size > options.limit.bytes) throw options.limit.error();
      hash.update(bytes);
      if (batch.add(bytes)) options.progress(await batch.flush(handle, null), size);
    }
    if (batch.bytes > 0) options.progress(await batch.flush(handle, null), size);
    // A cancel heard during the last write still stops the pull: nothing is read after it to notice.
    throwIfCancelled(options.signal, where);
    await handle.datasync(); // on disk before the rename that vouches for it
  } finally {
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

/** Bytes gathered before one write: 16 network reads of 64 KiB, one thread-pool hop instead of 16. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Network chunks gathered into one writev (pwritev(2)), so a download costs one file system call
 * per MiB rather than one per socket read: on a loaded machine each call's hand-off to the
 * thread pool is what the main thread spends most on (bench/results/pull.md, profile).
 */
export class WriteBatch {
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** Bytes held, not yet written. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Holds `chunk`; true when the batch is full and should be flushed. */
  add(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    return this.#bytes >= WRITE_BATCH_BYTES;
  }

  /** Writes what is held at `position` (null: the current position); returns the bytes written. */
  async flush(handle: FileHandle, position: number | null): Promise<number> {
    const chunks = this.#chunks;
    const bytes = this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
    if (bytes === 0) return 0;
    const { bytesWritten } = await handle.writev(chunks, position ?? undefined);
    // A short write, as with write(2), goes on with the rest.
    if (bytesWritten < bytes) {
      const rest = Buffer.concat(chunks).subarray(bytesWritten);
      await writeFully(handle, rest, position === null ? null : position + bytesWritten);
    }
    return bytes;
  }
}

/**
 * Writes all of `bytes` at `position` (null: at the current position). FileHandle.write may
 * write less than asked, as write(2) may, so it loops until everything is written.
 */
export async function writeFully(
  handle: FileHandle,
  bytes: Uint8Array,
  position: number | null,
): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const at = position === null ? null : position + done;
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, at);
    done += bytesWritten;
  }
}
