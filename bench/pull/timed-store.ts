/**
 * A store decorator that counts reads and times how long each takes to open (request sent to
 * response head; on WebHDFS this includes the NameNode's 307 and the DataNode's answer), so the
 * report can tell per-range set-up cost from transfer time.
 */
import type { Readable } from 'node:stream';
import { ForwardingStore } from '../../src/storage/forwarding-store.js';
import type { ReadOptions } from '../../src/storage/model-store.js';

/** Reads opened and their summed open time, since the last reset. */
export interface ReadTimings {
  readonly reads: number;
  readonly openMs: number;
}

/** ForwardingStore whose read() is timed to the first byte being available. */
export class TimedStore extends ForwardingStore {
  #reads = 0;
  #openMs = 0;

  override async read(path: string, options?: ReadOptions): Promise<Readable> {
    const started = performance.now();
    const body = await this.inner.read(path, options);
    this.#reads += 1;
    this.#openMs += performance.now() - started;
    return body;
  }

  /** The counts since the last call, then zero. */
  take(): ReadTimings {
    const taken = { reads: this.#reads, openMs: this.#openMs };
    this.#reads = 0;
    this.#openMs = 0;
    return taken;
  }
}
