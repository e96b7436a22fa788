/**
 * The primary's pulls for every worker: concurrent asks for the same version share one download,
 * and only the first worker to get a folder hears that it was downloaded (so download bytes and
 * time are counted once in the aggregated metrics, not once per worker).
 */
import type { ModelSource } from '../../core/model-ref.js';
import type { LocalizedModel, ModelLocator } from '../../registry/version-loader.js';

export interface SharedLocator {
  /** For the workers: the first to get a folder hears how it was downloaded, the rest `reused`. */
  readonly locate: ModelLocator;
  /** For the primary's own start-up pull: shares the download, claims nothing. */
  readonly prefetch: ModelLocator;
}

export function sharedLocator(locate: ModelLocator): SharedLocator {
  const inFlight = new Map<string, Promise<LocalizedModel>>();
  const claimed = new Set<string>();
  const pull = (source: ModelSource): Promise<LocalizedModel> => {
    const key = JSON.stringify([source.storeUri, source.name, source.version ?? null]);
    let pull = inFlight.get(key);
    if (!pull) {
      pull = locate(source).finally(() => inFlight.delete(key));
      inFlight.set(key, pull);
    }
    return pull;
  };
  // The prefetched result is kept, so the first worker hears the real download, not a cache hit.
  const pulled = new Map<string, LocalizedModel>();
  return {
    prefetch: async (source) => {
      const located = await pull(source);
      pulled.set(located.dir, located);
      return located;
    },
    locate: async (source) => {
      const located = await pull(source);
      if (claimed.has(located.dir)) return { ...located, reused: true };
      claimed.add(located.dir);
      return pulled.get(located.dir) ?? located;
    },
  };
}
