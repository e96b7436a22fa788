/**
 * The base of store decorators (retries, upload metering): every call goes to the wrapped store
 * unchanged, so a decorator overrides only the methods it changes (undici's DecoratorHandler).
 */
import type { Readable } from 'node:stream';
import type { ModelStore, ReadOptions, StoreEntry } from './model-store.js';

/** A ModelStore that forwards everything to `inner`; subclasses override what they add to. */
export class ForwardingStore implements ModelStore {
  constructor(protected readonly inner: ModelStore) {}

  get uri(): string {
    return this.inner.uri;
  }

  get writable(): boolean {
    return this.inner.writable;
  }

  stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    return this.inner.stat(path, signal);
  }

  list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return this.inner.list(path, signal);
  }

  listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return this.inner.listTemp(path, signal);
  }

  read(path: string, options?: ReadOptions): Promise<Readable> {
    return this.inner.read(path, options);
  }

  write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.inner.write(path, body, signal);
  }

  rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    return this.inner.rename(from, to, signal);
  }

  delete(path: string, signal?: AbortSignal): Promise<void> {
    return this.inner.delete(path, signal);
  }
}
