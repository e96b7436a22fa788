/**
 * The model repository a server pulls through, built one way for the serving core and for the
 * primary of `--workers` (which pulls for every worker): the configured cache, and store faults
 * retried for up to `store_retry_max_elapsed_ms`.
 */
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../observability/logger.js';
import { createModelRepository } from '../repository/model-repository.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../storage/retry-policy.js';
import type { StoreRegistry } from '../storage/store-registry.js';

/** How long and how a server retries an unreachable store. */
export function storeRetryPolicy(config: ServerConfig): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, maxElapsedMs: config.store_retry_max_elapsed_ms };
}

/** The repository for `config`: its cache folder and its store retry budget. */
export function serverRepository(config: ServerConfig, stores: StoreRegistry, logger: Logger) {
  return createModelRepository({
    stores,
    cacheDir: config.cache_dir,
    logger,
    retry: { policy: storeRetryPolicy(config) },
  });
}
