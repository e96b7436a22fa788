/**
 * StoreSettings from environment variables: the AWS_* names the AWS SDKs share, the HADOOP_*
 * names Hadoop's clients read, and Berth's own BERTH_S3_* / BERTH_*HDFS_*. The CLI calls this once
 * with its environment; docs/config.md lists STORE_ENV.
 */
import { BerthError } from '../core/errors.js';
import { resolveS3Settings } from './backends/s3/s3-options.js';
import { webHdfsSettingsFromEnv } from './backends/webhdfs/webhdfs-config.js';
import type { StoreSettings } from './store-settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** One variable the store backends are configured by. */
export interface StoreEnvVariable {
  readonly name: string;
  readonly backend: 's3' | 'webhdfs';
  readonly description: string;
}

/** Every variable resolveStoreSettings reads, in the order the docs list them. */
export const STORE_ENV: readonly StoreEnvVariable[] = [
  {
    name: 'BERTH_S3_ENDPOINT',
    backend: 's3',
    description:
      'S3 endpoint URL (S3-compatible servers); wins over AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL.',
  },
  { name: 'AWS_ENDPOINT_URL_S3', backend: 's3', description: 'S3 endpoint URL, as the AWS SDKs read it.' },
  {
    name: 'AWS_ENDPOINT_URL',
    backend: 's3',
    description: 'Endpoint URL for every AWS service, used for S3 when neither above is set.',
  },
  {
    name: 'BERTH_S3_FORCE_PATH_STYLE',
    backend: 's3',
    description: 'Path-style bucket addressing (true/false); default: on whenever an endpoint is set.',
  },
  {
    name: 'AWS_REGION',
    backend: 's3',
    description: 'Region; then AWS_DEFAULT_REGION; else us-east-1 with an endpoint, else the SDK chain.',
  },
  { name: 'AWS_DEFAULT_REGION', backend: 's3', description: 'Region when AWS_REGION is not set.' },
  {
    name: 'AWS_ACCESS_KEY_ID',
    backend: 's3',
    description:
      'Static key id (with AWS_SECRET_ACCESS_KEY); else the SDK chain (profile, SSO, web identity, roles).',
  },
  { name: 'AWS_SECRET_ACCESS_KEY', backend: 's3', description: 'Static secret key, with AWS_ACCESS_KEY_ID.' },
  { name: 'AWS_SESSION_TOKEN', backend: 's3', description: 'Session token for temporary static keys.' },
  {
    name: 'AWS_MAX_ATTEMPTS',
    backend: 's3',
    description: "Attempts per S3 request (positive integer); default: the SDK's 3.",
  },
  {
    name: 'BERTH_WEBHDFS_ADDRESS',
    backend: 'webhdfs',
    description:
      'NameNode HTTP address(es) for hdfs:// URIs: host:port, comma-separated for HA, each optionally http:// or https://.',
  },
  {
    name: 'HADOOP_CONF_DIR',
    backend: 'webhdfs',
    description:
      'Folder of core-site.xml and hdfs-site.xml: HA nameservices, dfs.namenode.http-address, fs.defaultFS, dfs.http.policy.',
  },
  {
    name: 'BERTH_HDFS_DELEGATION_TOKEN',
    backend: 'webhdfs',
    description: 'Delegation token to authenticate with (wins over the user).',
  },
  {
    name: 'BERTH_HDFS_USER',
    backend: 'webhdfs',
    description: 'user.name for simple auth; then HADOOP_USER_NAME; else the OS user.',
  },
  { name: 'HADOOP_USER_NAME', backend: 'webhdfs', description: 'user.name when BERTH_HDFS_USER is not set.' },
  { name: 'BERTH_HDFS_DOAS', backend: 'webhdfs', description: 'Proxy user (doas) for simple auth.' },
];

/**
 * The store settings `env` gives, plus the common ones in `base` (timeout, clock). A backend whose
 * variables are malformed gets the BerthError instead, thrown when a store of it is opened.
 */
export function resolveStoreSettings(
  env: Env,
  base: Omit<StoreSettings, 's3' | 'webhdfs'> = {},
): StoreSettings {
  return Object.freeze({
    ...base,
    s3: orError(() => resolveS3Settings(env, base.requestTimeoutMs)),
    webhdfs: orError(() => webHdfsSettingsFromEnv(env)),
  });
}

function orError<T>(resolve: () => T): T | BerthError {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof BerthError) return error;
    throw error;
  }
}
