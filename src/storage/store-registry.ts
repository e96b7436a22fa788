/**
 * Picks the backend for a store URI by its scheme (Triton's LocalizePath idea): callers hold a
 * ModelStore and never test URI prefixes themselves. Backends register here, so adding one (HDFS,
 * S3) is one register() call, not a new branch in this file.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BerthError } from '../core/errors.js';
import { createFileStore } from './backends/file-store.js';
import { createHttpStore } from './backends/http/http-store.js';
import { createS3Store } from './backends/s3/s3-store.js';
import { createWebHdfsStore } from './backends/webhdfs/webhdfs-store.js';
import type { ModelStore, StoreFactory } from './model-store.js';
import type { StoreSettings } from './store-settings.js';

/** Maps URI schemes to store factories; `resolve` opens the store for a URI or a plain path. */
export class StoreRegistry {
  readonly #factories = new Map<string, StoreFactory>();

  /** `settings` is handed to every factory (timeouts, clock, each backend's parsed settings). */
  constructor(readonly settings: StoreSettings = {}) {}

  /** Adds a backend for one or more schemes ('s3' or 's3:'); a scheme registered twice throws. */
  register(schemes: string | readonly string[], factory: StoreFactory): this {
    for (const scheme of typeof schemes === 'string' ? [schemes] : schemes) {
      const key = normaliseScheme(scheme);
      if (this.#factories.has(key)) {
        throw new BerthError('INTERNAL', `store scheme "${key}:" is already registered`);
      }
      this.#factories.set(key, factory);
    }
    return this;
  }

  /** The registered schemes, sorted, without the colon. */
  schemes(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /**
   * Opens the store for a URI; a plain path (absolute or relative to the working folder) is a
   * `file:` URI. Throws UNSUPPORTED_STORE_URI for a malformed URI or an unknown scheme.
   */
  resolve(uri: string): ModelStore {
    const url = toStoreUrl(uri);
    const factory = this.#factories.get(url.protocol.slice(0, -1));
    if (factory === undefined) {
      const known = this.schemes().map((scheme) => `${scheme}:`);
      throw new BerthError(
        'UNSUPPORTED_STORE_URI',
        `${JSON.stringify(uri)}: no store for scheme "${url.protocol}"; known schemes: ${known.join(', ')}, or a plain path`,
      );
    }
    return factory(url, this.settings);
  }
}

/**
 * A registry with the built-in backends: file (and plain paths), http(s), s3 and hdfs/(s)webhdfs,
 * told `settings` (the CLI resolves them from the environment: resolveStoreSettings).
 */
export function createDefaultStoreRegistry(settings: StoreSettings = {}): StoreRegistry {
  return new StoreRegistry(settings)
    .register('file', createFileStore)
    .register(['http', 'https'], createHttpStore)
    .register('s3', createS3Store)
    .register(['hdfs', 'webhdfs', 'swebhdfs'], createWebHdfsStore);
}

/** A URI as a URL, reading a string without a scheme (or starting with '/' or '.') as a local path. */
export function toStoreUrl(uri: string): URL {
  const trimmed = uri.trim();
  if (trimmed.length === 0) throw new BerthError('UNSUPPORTED_STORE_URI', 'the store URI is empty');
  // RFC 3986 §3.1: a scheme is a letter then letters, digits, '+', '-', '.', before a ':'.
  if (isAbsolute(trimmed) || trimmed.startsWith('.') || !/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) {
    return pathToFileURL(resolvePath(trimmed));
  }
  try {
    return new URL(trimmed);
  } catch (error) {
    throw new BerthError('UNSUPPORTED_STORE_URI', `${JSON.stringify(uri)} is not a valid URI`, {
      cause: error,
    });
  }
}

function normaliseScheme(scheme: string): string {
  const key = scheme.toLowerCase().replace(/:$/, '');
  if (!/^[a-z][a-z0-9+.-]*$/.test(key)) throw new BerthError('INTERNAL', `"${scheme}" is not a URI scheme`);
  return key;
}
