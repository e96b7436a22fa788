/**
 * The start-up pull, in one function: pick the backend by scheme, wrap it in retries, resolve the
 * version (pinned or latest published), then download and verify it into the local cache. The
 * registry only ever sees the resulting local folder (Triton's LocalizePath). Before its first
 * pull, a locator clears the cache of partial folders that dead processes left (cache-sweep.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { ModelSource } from '../core/model-ref.js';
import { sweepPartialFolders } from './cache-sweep.js';
import { localize } from './local-cache.js';
import type { RangeDownloadOptions } from './download/parallel-download.js';
import { ProgressMeter } from './download/progress.js';
import { withRetries } from '../storage/retrying-store.js';
import type { RetryingStoreOptions } from '../storage/retrying-store.js';
import { storeUriOf } from '../storage/store-path.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { resolveVersion } from './versions.js';

export interface ModelLocatorOptions {
  readonly stores: StoreRegistry;
  readonly cacheDir: string;
  readonly logger: Logger;
  /** How store faults are retried; DEFAULT_RETRY_POLICY, logging each retry to `logger`, when absent. */
  readonly retry?: RetryingStoreOptions;
  /** How large files split into parallel ranges; DEFAULT_RANGE_DOWNLOAD when absent. */
  readonly ranges?: Partial<RangeDownloadOptions>;
  /** Paces the progress lines; the system clock when absent. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Partial cache folders older than this are removed before the first pull; 1 hour when absent. */
  readonly partialMinAgeMs?: number;
  /** Ms since the epoch, which partial folders' mtimes are aged by; wallClock when absent. */
  readonly wallClock?: Pick<Clock, 'now'>;
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
  const retry: RetryingStoreOptions = { logger: options.logger, ...options.retry };
  let swept: Promise<unknown> | undefined;
  return async (source: ModelSource, signal?: AbortSignal): Promise<LocatedModel> => {
    // Once, on first use, so creating a locator stays synchronous and touches no disk.
    swept ??= sweepPartialFolders(options.cacheDir, {
      logger: options.logger,
      ...(options.partialMinAgeMs === undefined ? {} : { minAgeMs: options.partialMinAgeMs }),
      ...(options.wallClock ? { clock: options.wallClock } : {}),
    });
    await swept;
    const store = withRetries(options.stores.resolve(source.storeUri), retry);
    const version = await resolveVersion(store, source.name, source.version, signal);
    const uri = storeUriOf(store.uri, `${source.name}/${version}`);
    const meter = new ProgressMeter({
      intervalMs: PROGRESS_LOG_INTERVAL_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const result = await localize(store, source.name, version, {
      cacheDir: options.cacheDir,
      ...(signal ? { signal } : {}),
      ...(options.ranges ? { ranges: options.ranges } : {}),
      onProgress: (progress) => {
        const at = meter.update(progress);
        if (at === undefined) return;
        options.logger.info(
          {
            model: source.name,
            version,
            bytes: at.bytes,
            total: at.totalBytes,
            bytesPerSecond: Math.round(at.bytesPerSecond),
            ...(at.etaSeconds === undefined ? {} : { etaSeconds: Math.ceil(at.etaSeconds) }),
          },
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
