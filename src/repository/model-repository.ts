/**
 * The model repository as the registry sees it: which versions a model has published, a digest of
 * each version's MANIFEST.json (what "the version changed" means), and the pull of one version into
 * the verified local cache. Built over any store by scheme, with the same retries as start-up.
 */
import { isLoadableModelName } from '../core/model-name.js';
import { createHash } from 'node:crypto';
import type { ModelSource } from '../core/model-ref.js';
import { withRetries, type RetryingStoreOptions } from '../storage/retrying-store.js';
import { joinStorePath } from '../storage/model-store.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { createModelLocator, type LocatedModel, type ModelLocatorOptions } from './model-locator.js';
import { MANIFEST_FILE } from './manifest.js';
import { listPublishedVersions } from './versions.js';

export interface ModelRepository {
  /** Published versions (MANIFEST.json present), ascending; STORE_NOT_FOUND without a model folder. */
  versions(source: ModelSource, signal?: AbortSignal): Promise<number[]>;
  /** sha256 of the version's MANIFEST.json bytes, hex. */
  manifestDigest(source: ModelSource, version: number, signal?: AbortSignal): Promise<string>;
  /** Model folders at a store root (names a model may have), sorted. */
  models(storeUri: string, signal?: AbortSignal): Promise<string[]>;
  /** Downloads and verifies `source.version` (or the latest) into the local cache. */
  localize(source: ModelSource, signal?: AbortSignal): Promise<LocatedModel>;
}

export function createModelRepository(options: ModelLocatorOptions): ModelRepository {
  const retry: RetryingStoreOptions = { logger: options.logger, ...options.retry };
  const open = (stores: StoreRegistry, uri: string) => withRetries(stores.resolve(uri), retry);
  return {
    versions: (source, signal) =>
      listPublishedVersions(open(options.stores, source.storeUri), source.name, signal),
    manifestDigest: async (source, version, signal) => {
      // The raw bytes, unparsed: a corrupt manifest still has a digest, so a FAILED version is
      // retried once somebody rewrites it, and not on every poll.
      const store = open(options.stores, source.storeUri);
      const path = joinStorePath(source.name, String(version), MANIFEST_FILE);
      const hash = createHash('sha256');
      for await (const chunk of await store.read(path, signal ? { signal } : {}))
        hash.update(chunk as Uint8Array);
      return hash.digest('hex');
    },
    models: async (storeUri, signal) =>
      (await open(options.stores, storeUri).list('', signal))
        .filter((entry) => entry.type === 'directory' && isLoadableModelName(entry.name))
        .map((entry) => entry.name)
        .sort(),
    localize: createModelLocator(options),
  };
}
