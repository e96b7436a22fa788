/**
 * Writes a download's bytes into its file without making the network wait on the disk: batches
 * go out as positional writes (pwritev(2)) that run in the thread pool while the next batch
 * arrives, a few at a time, and fdatasync(2) runs in the background every SYNC_EVERY_BYTES, so
 * the sync that must finish before the rename finds little left to flush. Awaiting each write
 * and syncing once at the end made the socket sit idle for both (bench/results/pull.md).
 */
import type { FileHandle } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** Bytes gathered before one write: 16 network reads of 64 KiB, one thread-pool hop instead of 16. */
export const WRITE_BATCH_BYTES = MiB;

/** Writes in flight per file before a writer waits: bounds the memory held to about 8 MiB. */
export const WRITES_IN_FLIGHT = 8;

/** A background fdatasync starts after this many bytes are written since the last one began. */
export const SYNC_EVERY_BYTES = 32 * MiB;

/** Network chunks gathered into one write. */
export class WriteBatch {
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** Bytes held, not yet taken. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Holds `chunk`; true when the batch is full and should be written. */
  add(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    return this.#bytes >= WRITE_BATCH_BYTES;
  }

  /** Hands over what is held and empties the batch. */
  take(): { readonly chunks: Buffer[]; readonly bytes: number } {
    const taken = { chunks: this.#chunks, bytes: this.#bytes };
    this.#chunks = [];
    this.#bytes = 0;
    return taken;
  }
}

/** Positional writes to one open file, several in flight, synced in the background. */
export class FileWriter {
  readonly #handle: FileHandle;
  readonly #inFlight: Promise<void>[] = [];
  #failure: { error: unknown } | undefined;
  #sinceSync = 0;
  #sync: Promise<void> | undefined;

  /** Writes to `handle`, which must be open for writing; positions are absolute. */
  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /**
   * Starts writing `batch`'s chunks at `position`; `done(bytes)` runs once they are all written.
   * Resolves as soon as fewer than WRITES_IN_FLIGHT writes are pending (backpressure); throws
   * the first write or sync failure.
   */
  async write(batch: WriteBatch, position: number, done: (bytes: number) => void): Promise<void> {
    this.#throwIfFailed();
    const { chunks, bytes } = batch.take();
    if (bytes === 0) return;
    const writing = writeChunks(this.#handle, chunks, bytes, position).then(
      () => {
        this.#sinceSync += bytes;
        this.#syncInBackground();
        done(bytes);
      },
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
    this.#inFlight.push(writing);
    // Waits on the oldest write: writes finish roughly in order, and any one bounds the queue.
    while (this.#inFlight.length >= WRITES_IN_FLIGHT) await this.#inFlight.shift();
    this.#throwIfFailed();
  }

  /** Waits for every write, then syncs the file: on disk before the rename that vouches for it. */
  async finish(): Promise<void> {
    await this.settle();
    this.#throwIfFailed();
    await this.#handle.datasync();
  }

  /** Waits for every write and sync in progress (none fails), so the handle can be closed. */
  async settle(): Promise<void> {
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
    await this.#sync;
  }

  #syncInBackground(): void {
    if (this.#sync !== undefined || this.#sinceSync < SYNC_EVERY_BYTES) return;
    this.#sinceSync = 0;
    this.#sync = this.#handle.datasync().then(
      () => {
        this.#sync = undefined;
      },
      (error: unknown) => {
        // A failed fdatasync may have dropped dirty pages (Linux clears the error once reported):
        // the file cannot be trusted, so the download fails rather than retrying the sync.
        this.#failure ??= { error };
        this.#sync = undefined;
      },
    );
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}

/** Writes all of `chunks` (`bytes` in all) at `position`, going on after a short write. */
async function writeChunks(
  handle: FileHandle,
  chunks: Buffer[],
  bytes: number,
  position: number,
): Promise<void> {
  const { bytesWritten } = await handle.writev(chunks, position);
  // A short write, as with write(2), goes on with the rest.
  if (bytesWritten < bytes)
    await writeFully(handle, Buffer.concat(chunks).subarray(bytesWritten), position + bytesWritten);
}

/**
 * Writes all of `bytes` at `position`. FileHandle.write may write less than asked, as write(2)
 * may, so it loops until everything is written.
 */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}
