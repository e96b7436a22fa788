/**
 * The sha256 of a file that parallel ranges fill out of order. The digest must see the bytes in
 * order, so it follows the contiguous prefix written so far, reading it back from the file (the
 * page cache, just written) while later ranges are still arriving. Hashing so overlaps the
 * transfer instead of adding a second pass at the end, needs one buffer rather than holding
 * early ranges in memory, and proves the bytes that are on disk, which are the ones used.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Read-back buffer: large enough that each read is cheap next to hashing it. */
const READ_BYTES = 1024 * 1024;

/** Hashes `handle` from byte 0 up to `filled()`, as far as it has grown, whenever kicked. */
export class InOrderHasher {
  readonly #hash = createHash('sha256');
  readonly #buffer = Buffer.allocUnsafe(READ_BYTES);
  #hashed = 0;
  #busy = false;
  #drained: Promise<void> = Promise.resolve();
  #error: unknown;

  /** `filled` gives the end of the contiguous prefix written so far, bytes from 0. */
  constructor(
    readonly handle: FileHandle,
    readonly filled: () => number,
  ) {}

  /** Bytes hashed so far. */
  get hashed(): number {
    return this.#hashed;
  }

  /** Hashes whatever the prefix has grown by; cheap to call after every write. */
  kick(): void {
    if (this.#busy || this.#error !== undefined) return; // the running pass re-reads filled()
    this.#busy = true;
    this.#drained = this.#drain().catch((error: unknown) => {
      this.#error = error;
    });
  }

  /** Once every byte is written: hashes the rest and returns the hex digest. */
  async digest(): Promise<string> {
    this.kick();
    await this.#drained;
    if (this.#error !== undefined) throw this.#error;
    return this.#hash.digest('hex');
  }

  /** Waits for a pass in progress, so the handle can be closed under no read. */
  async settle(): Promise<void> {
    await this.#drained;
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const end = this.filled();
        // Deciding to stop and clearing #busy happen in one synchronous step (the finally), so a
        // kick() that arrives after this check always starts a new pass.
        if (this.#hashed >= end) return;
        const want = Math.min(READ_BYTES, end - this.#hashed);
        const { bytesRead } = await this.handle.read(this.#buffer, 0, want, this.#hashed);
        if (bytesRead === 0) throw new Error(`the file ends at ${this.#hashed} bytes, before ${end}`);
        this.#hash.update(this.#buffer.subarray(0, bytesRead));
        this.#hashed += bytesRead;
      }
    } finally {
      this.#busy = false;
    }
  }
}
