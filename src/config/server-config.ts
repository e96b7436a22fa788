/**
 * `berth serve` settings: one schema with a description per field (docs/config.md is generated from
 * it), defaults in one place, merged as defaults < config file < BERTH_* env < flags, validated
 * once and frozen.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const modelRef = z
  .string()
  .min(1)
  .describe('A model to serve: `name`, `name@version`, or a full URI `scheme://.../name[@version]`.');

export const serverConfigSchema = z
  .object({
    store: z
      .string()
      .min(1)
      .optional()
      .describe('Model store root URI: file:///models, a plain path, http(s)://host/models.'),
    models: z
      .array(modelRef)
      .min(1)
      .describe('Models to serve (repeat --model; BERTH_MODELS is comma-separated).'),
    host: z.string().min(1).default('0.0.0.0').describe('Address to listen on.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port (0 picks a free one).'),
    cache_dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Node-local folder where verified model versions are kept between restarts (default: $XDG_CACHE_HOME/berth/models, else ~/.cache/berth/models).',
      ),
    grpc_port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe('gRPC port (inference.GRPCInferenceService); off when not set, 0 picks a free one.'),
    batching: z
      .boolean()
      .optional()
      .describe('Turns dynamic batching on or off for every model, over berth.yaml.'),
    max_batch_size: z.number().int().min(1).optional().describe('Overrides max_batch_size of every model.'),
    max_queue_delay_us: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Overrides batching.max_queue_delay_us of every model.'),
    max_queue_size: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Overrides batching.max_queue_size of every model.'),
    request_timeout_ms: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Overrides batching.timeout_ms of every model.'),
    instances: z.number().int().min(1).optional().describe('Overrides instances of every model.'),
    store_retry_max_elapsed_ms: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        'How long start-up keeps retrying an unreachable store (backoff with jitter) before it gives up and exits 1.',
      ),
    body_limit: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024)
      .describe('Largest request body in bytes; larger ones get 413 BERTH_ERR_BODY_TOO_LARGE.'),
    drain_timeout_ms: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('After SIGTERM, how long in-flight requests may take before the process exits anyway.'),
    model_control_mode: z
      .enum(['none', 'poll', 'explicit'])
      .default('none')
      .describe(
        "How the set of served models changes after start-up (Triton's names): none = the --model list at start-up only; poll = every --repository-poll-secs the store is checked and new versions are loaded, warmed and switched to with no failed request; explicit = models are loaded and unloaded through the repository API (POST /v2/repository/models/{name}/load|unload).",
      ),
    repository_poll_secs: z
      .number()
      .positive()
      .default(15)
      .describe('How often poll mode checks the store for new or removed versions.'),
    version_policy: z
      .string()
      .default('latest')
      .describe(
        "Which published versions of each model to serve (TF Serving's version policy): latest, latest:N, all, or specific:V[,V...]. A reference with @N or @policy overrides it for that model.",
      ),
    log_level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Log level of the JSON logs on stdout.'),
  })
  .strict();

/** Validated settings, with the cache folder resolved. */
export type ServerConfig = Readonly<z.infer<typeof serverConfigSchema> & { cache_dir: string }>;

/** The cache folder when none is configured. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth', 'models');
}

/** BERTH_* variables and how each becomes a config value. */
export const SERVER_ENV: Readonly<
  Record<string, { key: keyof ServerConfig; parse: (raw: string) => unknown }>
> = {
  BERTH_STORE: { key: 'store', parse: (raw) => raw },
  BERTH_MODELS: {
    key: 'models',
    parse: (raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
  },
  BERTH_HOST: { key: 'host', parse: (raw) => raw },
  BERTH_PORT: { key: 'port', parse: Number },
  BERTH_CACHE_DIR: { key: 'cache_dir', parse: (raw) => raw },
  BERTH_BODY_LIMIT: { key: 'body_limit', parse: Number },
  BERTH_STORE_RETRY_MAX_ELAPSED_MS: { key: 'store_retry_max_elapsed_ms', parse: Number },
  BERTH_GRPC_PORT: { key: 'grpc_port', parse: Number },
  BERTH_BATCHING: {
    key: 'batching',
    parse: (raw) => (raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw),
  },
  BERTH_MAX_BATCH_SIZE: { key: 'max_batch_size', parse: Number },
  BERTH_MAX_QUEUE_DELAY_US: { key: 'max_queue_delay_us', parse: Number },
  BERTH_MAX_QUEUE_SIZE: { key: 'max_queue_size', parse: Number },
  BERTH_REQUEST_TIMEOUT_MS: { key: 'request_timeout_ms', parse: Number },
  BERTH_INSTANCES: { key: 'instances', parse: Number },
  BERTH_DRAIN_TIMEOUT_MS: { key: 'drain_timeout_ms', parse: Number },
  BERTH_LOG_LEVEL: { key: 'log_level', parse: (raw) => raw },
  BERTH_MODEL_CONTROL_MODE: { key: 'model_control_mode', parse: (raw) => raw },
  BERTH_REPOSITORY_POLL_SECS: { key: 'repository_poll_secs', parse: Number },
  BERTH_VERSION_POLICY: { key: 'version_policy', parse: (raw) => raw },
};
