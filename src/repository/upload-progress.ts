/**
 * Counts the bytes a publish uploads, as a store decorator, so publish itself needs no progress
 * option: every streamed write body (the model files) is counted as the store consumes it.
 * Byte-array bodies (MANIFEST.json, written last) are metadata and not counted.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ForwardingStore } from '../storage/forwarding-store.js';
import { MANIFEST_FILE } from './manifest.js';
import type { ModelStore } from '../storage/model-store.js';

/** A store whose streamed writes report each chunk's size to `onBytes` as it is uploaded. */
export class UploadMeteringStore extends ForwardingStore {
  constructor(
    inner: ModelStore,
    readonly onBytes: (chunkBytes: number) => void,
  ) {
    super(inner);
  }

  override write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    if (body instanceof Uint8Array) return this.inner.write(path, body, signal);
    const onBytes = this.onBytes;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        onBytes(bytes.byteLength);
        yield bytes;
      }
    }
    return this.inner.write(path, Readable.from(counted(), { objectMode: false }), signal);
  }
}

/** The bytes publish will upload from `dir`: every file, symlinks followed, less a top MANIFEST.json. */
export async function folderBytes(dir: string, relative = ''): Promise<number> {
  let total = 0;
  for (const name of await readdir(join(dir, relative))) {
    const path = relative.length === 0 ? name : `${relative}/${name}`;
    if (path === MANIFEST_FILE) continue;
    const info = await stat(join(dir, path));
    if (info.isDirectory()) total += await folderBytes(dir, path);
    else if (info.isFile()) total += info.size;
  }
  return total;
}
