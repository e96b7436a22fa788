/**
 * What the store backends are told, as typed values: parsed once at the edge (the CLI reads the
 * environment through store-settings-env.ts) and handed to the StoreRegistry, so no backend reads
 * process.env or parses a variable itself.
 */
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import type { S3Settings } from './backends/s3/s3-options.js';
import type { WebHdfsSettings } from './backends/webhdfs/webhdfs-config.js';

/** Settings every backend may read; backend-specific ones live under the backend's key. */
export interface StoreSettings {
  /** Bound on each wait for a backend's server, ms; the backend's default (30 s) when absent. */
  readonly requestTimeoutMs?: number;
  /** The time that request timeouts run on; systemClock when absent. */
  readonly clock?: Clock;
  /**
   * S3 client settings (endpoint, region, keys, attempts, its own timeout); the AWS defaults and
   * the SDK's chains when absent. A BerthError when the environment held a malformed value: it is
   * thrown when an s3: store is opened, so it never stops a server that uses no S3 store.
   */
  readonly s3?: S3Settings | BerthError;
  /** NameNode addresses, HADOOP_CONF_DIR and identity; a BerthError as for `s3`. */
  readonly webhdfs?: WebHdfsSettings | BerthError;
}

/** A backend's section: its settings, undefined when absent; throws the error it holds. */
export function settingsSection<T>(section: T | BerthError | undefined): T | undefined {
  if (section instanceof BerthError) throw section;
  return section;
}
