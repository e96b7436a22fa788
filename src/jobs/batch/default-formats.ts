/**
 * The record formats `berth batch` opens parts with: Parquet, CSV and JSON Lines (formats/) over any
 * store. The readers need a local file (Parquet reads by position), so a part of a remote store is
 * staged into a temp file first and removed once read; a part of a local store is read in place. A
 * writer writes a local temp file that is uploaded with the store's own write when it closes, so
 * the store sees one whole file or none.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { ModelStore } from '../../storage/model-store.js';
import { openSink, openSource } from './formats/open.js';
import type { RecordFormats } from './record-formats.js';
import type { RecordBatch, RecordFormat, RecordSink, RecordSource } from './records.js';

/** The local path of a part when the store is a local folder. */
function localPathOf(store: ModelStore, path: string): string | undefined {
  return store.uri.startsWith('file:') ? join(fileURLToPath(store.uri), path) : undefined;
}

async function tempFile(name: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-batch-'));
  return {
    path: join(dir, name.split('/').pop() || 'part'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A source that stages the part on first use and reads the local copy. */
class StoreSource implements RecordSource {
  #staged: Promise<{ source: RecordSource; remove: () => Promise<void> }> | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly path: string,
    private readonly format: RecordFormat,
  ) {}

  async schema() {
    return (await this.#stage()).source.schema();
  }

  async *batches(options: Parameters<RecordSource['batches']>[0]): AsyncIterable<RecordBatch> {
    const staged = await this.#stage(options.signal);
    try {
      yield* staged.source.batches(options);
    } finally {
      await staged.remove();
      this.#staged = undefined;
    }
  }

  #stage(signal?: AbortSignal) {
    this.#staged ??= (async () => {
      const local = localPathOf(this.store, this.path);
      if (local !== undefined)
        return { source: openSource(local, this.format), remove: async () => undefined };
      const temp = await tempFile(this.path);
      try {
        await pipeline(
          await this.store.read(this.path, signal ? { signal } : {}),
          createWriteStream(temp.path),
        );
      } catch (error) {
        await temp.remove();
        throw error;
      }
      return { source: openSource(temp.path, this.format), remove: temp.remove };
    })();
    return this.#staged;
  }
}

/** A sink that writes a local temp file and uploads it whole on close. */
class StoreSink implements RecordSink {
  #local: Promise<{ sink: RecordSink; path: string; remove: () => Promise<void> }> | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly path: string,
    private readonly format: RecordFormat,
  ) {}

  async write(batch: RecordBatch): Promise<void> {
    await (await this.#open()).sink.write(batch);
  }

  async close(): Promise<{ readonly rows: number; readonly bytes: number }> {
    const local = await this.#open();
    try {
      const { rows } = await local.sink.close();
      const { size } = await stat(local.path);
      await this.store.write(this.path, createReadStream(local.path));
      return { rows, bytes: size };
    } finally {
      await local.remove();
    }
  }

  async abort(): Promise<void> {
    if (this.#local === undefined) return;
    const local = await this.#local;
    await local.sink.abort().catch(() => undefined);
    await local.remove();
  }

  #open() {
    this.#local ??= tempFile(this.path).then((temp) => ({
      sink: openSink(temp.path, this.format),
      path: temp.path,
      remove: temp.remove,
    }));
    return this.#local;
  }
}

/** The built-in formats over any store. */
export const defaultRecordFormats: RecordFormats = {
  openSource: (store, path, format) => new StoreSource(store, path, format),
  openSink: (store, path, format) => new StoreSink(store, path, format),
};
