/**
 * The sha256 of a file that parallel ranges fill out of order. The digest must see the bytes in
 * order (MANIFEST.json holds one sha256 per file), so the range at the hash frontier is hashed as
 * its bytes arrive, and later ranges' bytes are held in memory, up to a bound, until the frontier
 * reaches them. Bytes past the bound are not held: the hasher reads them back from the file (the
 * page cache, just written) when it gets there. Reading everything back, as before, cost a
 * second pass over each byte on the main thread (bench/results/pull.md).
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Read-back buffer: large enough that each read is cheap next to hashing it. */
const READ_BYTES = 1024 * 1024;

/** A half-open byte interval [start, end) of the file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

interface RangeState {
  readonly range: ByteRange;
  /** Bytes of this range received so far (held, hashed or let go). */
  received: number;
  /** Bytes of this range written to the file so far, counted from its start. */
  written: number;
  /** Chunks received before the frontier reached this range, in order from its start. */
  held: Buffer[];
  /** Set once a chunk was let go: the rest of the range is read back from the file. */
  spilled: boolean;
}

/** Hashes a file filled by `ranges` (in file order, contiguous from 0) in order. */
export class RangeHasher {
  readonly #hash = createHash('sha256');
  readonly #states: RangeState[];
  readonly #holdBytes: number;
  readonly #handle: FileHandle;
  #buffer: Buffer | undefined;
  #frontier = 0;
  #hashed = 0;
  #heldBytes = 0;
  #reading = false;
  #drained: Promise<void> = Promise.resolve();
  #error: unknown;

  /** `holdBytes` bounds the bytes held in memory for ranges ahead of the frontier. */
  constructor(handle: FileHandle, ranges: readonly ByteRange[], holdBytes: number) {
    this.#handle = handle;
    this.#holdBytes = holdBytes;
    this.#states = ranges.map((range) => ({ range, received: 0, written: 0, held: [], spilled: false }));
  }

  /** Bytes hashed so far, from byte 0. */
  get hashed(): number {
    return this.#hashed;
  }

  /** Bytes held in memory now. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Takes the next `chunk` of range `index` as it arrives, before it is written. */
  received(index: number, chunk: Buffer): void {
    const state = this.#states[index] as RangeState;
    state.received += chunk.byteLength;
    if (this.#error !== undefined) return;
    if (index === this.#frontier && !state.spilled) {
      this.#update(chunk);
      this.#advance();
    } else if (!state.spilled && this.#heldBytes + chunk.byteLength <= this.#holdBytes) {
      state.held.push(chunk);
      this.#heldBytes += chunk.byteLength;
    } else {
      state.spilled = true; // this chunk and the rest of the range come back from the file
      this.#heldBytes -= state.held.reduce((sum, held) => sum + held.byteLength, 0);
      state.held = []; // read back too: one way through a range keeps the order simple
    }
  }

  /** Records that range `index` has `bytes` more on disk; the read-back pass may go on. */
  written(index: number, bytes: number): void {
    const state = this.#states[index] as RangeState;
    state.written += bytes;
    if (index === this.#frontier && state.spilled) this.#kick();
  }

  /** Once every byte is written: hashes the rest and returns the hex digest. */
  async digest(): Promise<string> {
    this.#kick();
    await this.#drained;
    if (this.#error !== undefined) throw this.#error;
    if (this.#frontier < this.#states.length) {
      throw new Error(`only ${this.#hashed} bytes arrived in order, before the file was complete`);
    }
    return this.#hash.digest('hex');
  }

  /** Waits for a read-back in progress, so the handle can be closed under no read. */
  async settle(): Promise<void> {
    await this.#drained;
  }

  #update(chunk: Buffer): void {
    this.#hash.update(chunk);
    this.#hashed += chunk.byteLength;
  }

  /** Moves the frontier past every range hashed whole, hashing what the next one holds. */
  #advance(): void {
    for (;;) {
      const state = this.#states[this.#frontier];
      if (state === undefined || this.#hashed < state.range.end) break;
      this.#frontier += 1;
      const next = this.#states[this.#frontier];
      if (next === undefined) break;
      for (const chunk of next.held) this.#update(chunk);
      this.#heldBytes -= next.held.reduce((sum, held) => sum + held.byteLength, 0);
      next.held = [];
    }
    const state = this.#states[this.#frontier];
    if (state?.spilled === true) this.#kick();
  }

  #kick(): void {
    if (this.#reading || this.#error !== undefined) return; // the running pass re-reads written
    this.#reading = true;
    this.#drained = this.#readBack().catch((error: unknown) => {
      this.#error = error;
    });
  }

  /** Reads back and hashes the frontier range while it is spilled and written past the hash. */
  async #readBack(): Promise<void> {
    try {
      for (;;) {
        const state = this.#states[this.#frontier];
        // Deciding to stop and clearing #reading happen in one synchronous step (the finally),
        // so a written() after this check always starts a new pass.
        if (state === undefined || !state.spilled) return;
        const end = state.range.start + state.written;
        if (this.#hashed >= end) return;
        this.#buffer ??= Buffer.allocUnsafe(READ_BYTES);
        const want = Math.min(READ_BYTES, end - this.#hashed);
        const { bytesRead } = await this.#handle.read(this.#buffer, 0, want, this.#hashed);
        if (bytesRead === 0) throw new Error(`the file ends at ${this.#hashed} bytes, before ${end}`);
        this.#update(this.#buffer.subarray(0, bytesRead));
        this.#advance();
      }
    } finally {
      this.#reading = false;
    }
  }
}
