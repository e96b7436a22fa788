/**
 * The start-up pull, in one function: pick the backend by scheme, resolve the version (pinned or
 * latest published), then download and verify it into the local cache. The registry only ever sees
 * the resulting local folder (Triton's LocalizePath).
 */
import type { Logger } from 'pino';
import type { ModelSource } from '../core/model-ref.js';
import { localize } from './local-cache.js';
import { storeUriOf } from './store-path.js';
import type { StoreRegistry } from './store-registry.js';
import { resolveVersion } from './versions.js';

export interface ModelLocatorOptions {
  readonly stores: StoreRegistry;
  readonly cacheDir: string;
  readonly logger: Logger;
}

export interface LocatedModel {
  readonly version: number;
  readonly dir: string;
  readonly uri: string;
  readonly bytes: number;
  readonly downloadMs: number;
  readonly reused: boolean;
}

/** Progress is logged at most this often, so a large pull shows it is moving without flooding logs. */
const PROGRESS_LOG_INTERVAL_MS = 5_000;

export function createModelLocator(options: ModelLocatorOptions) {
  return async (source: ModelSource, signal?: AbortSignal): Promise<LocatedModel> => {
    const store = options.stores.resolve(source.storeUri);
    const version = await resolveVersion(store, source.name, source.version, signal);
    const uri = storeUriOf(store.uri, `${source.name}/${version}`);
    let lastLog = Date.now();
    const result = await localize(store, source.name, version, {
      cacheDir: options.cacheDir,
      ...(signal ? { signal } : {}),
      onProgress: (progress) => {
        if (Date.now() - lastLog < PROGRESS_LOG_INTERVAL_MS) return;
        lastLog = Date.now();
        options.logger.info(
          { model: source.name, version, bytes: progress.bytes, total: progress.totalBytes },
          'downloading',
        );
      },
    });
    return {
      version,
      dir: result.dir,
      uri,
      bytes: result.bytes,
      downloadMs: result.durationMs,
      reused: result.reused,
    };
  };
}
