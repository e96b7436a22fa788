/**
 * Downloads one manifest file as a single stream, hashing as the bytes pass: the path for small
 * files, where one request is cheapest. Also the pieces every download shares.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BerthError } from '../core/errors.js';
import type { ManifestFile } from './manifest.js';
import type { ModelStore } from './model-store.js';
import { storeUriOf } from './store-path.js';

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
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(target, 'wx');
  try {
    const body = await store.read(source, options.signal ? { signal: options.signal } : {});
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      // Stop at the first byte too many rather than fill the disk with a file we will reject.
      if (size > file.size) throw digestMismatch(where, file, `more than ${file.size} bytes`);
      hash.update(bytes);
      await writeFully(handle, bytes, null);
      options.progress(bytes.byteLength, size);
    }
    const sha256 = hash.digest('hex');
    if (size !== file.size || sha256 !== file.sha256)
      throw digestMismatch(where, file, `${size} bytes, sha256 ${sha256}`);
    await handle.datasync(); // on disk before the rename that vouches for it
  } finally {
    await handle.close();
  }
}

/** DIGEST_MISMATCH naming the file's URI, what the manifest promised and what arrived. */
export function digestMismatch(where: string, file: ManifestFile, got: string): BerthError {
  return new BerthError(
    'DIGEST_MISMATCH',
    `${where}: expected ${file.size} bytes, sha256 ${file.sha256}; got ${got}`,
  );
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
