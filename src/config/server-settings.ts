/**
 * The one table of `berth serve` settings. Each entry gives the zod type, the default, the
 * description and how a raw string (a BERTH_* variable or a flag value) becomes a value; the
 * schema, the env reading, the commander options and docs/config.md are all derived from it
 * (server-config.ts, src/cli/serve.ts, scripts/generate-docs.ts), so a key is written once.
 */
import { z } from 'zod';
import { parseVersionPolicy, VERSION_POLICY_FORMS } from '../core/version-policy.js';
import { DEVICE_PATTERN } from '../core/device.js';

function isVersionPolicy(text: string): boolean {
  try {
    parseVersionPolicy(text, 'version_policy');
    return true;
  } catch {
    return false;
  }
}

/** How a raw env or flag string becomes a value before the schema validates it. */
export type RawKind = 'string' | 'number' | 'boolean' | 'list' | 'enum' | 'auto-or-number';

/** One setting as written in the table; `field` is the schema entry with its default applied. */
export interface Setting<F extends z.ZodType = z.ZodType> {
  /** The type without default or optionality, for docs. */
  readonly type: z.ZodType;
  /** The schema entry: `type` with its default, or optional, or required. */
  readonly field: F;
  readonly default?: unknown;
  readonly description: string;
  readonly raw: RawKind;
  /** Flag name without `--` when it is not the key in kebab-case (`model` for `models`). */
  readonly flag?: string;
  /** Placeholder in `--help` (`<ms>`); derived from `raw` when absent. */
  readonly placeholder?: string;
}

interface Spec<T extends z.ZodType> {
  readonly type: T;
  readonly description: string;
  readonly raw: RawKind;
  readonly flag?: string;
  readonly placeholder?: string;
}

function withDefault<T extends z.ZodType>(
  spec: Spec<T>,
  value: z.util.NoUndefined<z.output<T>>,
): Setting<z.ZodDefault<T>> {
  return { ...spec, field: spec.type.default(value), default: value };
}

function optional<T extends z.ZodType>(spec: Spec<T>): Setting<z.ZodOptional<T>> {
  return { ...spec, field: spec.type.optional() };
}

const port = () => z.number().int().min(0).max(65535);

/** Triton's model control modes: how the set of served models changes after start-up. */
export const MODEL_CONTROL_MODES = ['none', 'poll', 'explicit'] as const;

/** Log levels of the JSON logs (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every `berth serve` setting, keyed by its snake_case name (as in `--config` files). */
export const SERVER_SETTINGS = {
  store: optional({
    type: z.string().min(1),
    raw: 'string',
    placeholder: '<uri>',
    description: 'Model store root URI: file:///models, a plain path, http(s)://host/models.',
  }),
  models: withDefault(
    {
      type: z
        .array(z.string().min(1))
        .describe('A model to serve: `name`, `name@version`, or a full URI `scheme://.../name[@version]`.'),
      raw: 'list',
      flag: 'model',
      placeholder: '<ref>',
      description:
        'Models to serve: `name`, `name@version` or a full URI (repeat --model; BERTH_MODELS is comma-separated). At least one unless model_control_mode is explicit.',
    },
    [],
  ),
  model_control_mode: withDefault(
    {
      type: z.enum(MODEL_CONTROL_MODES),
      raw: 'enum',
      placeholder: '<mode>',
      description:
        "How the set of served models changes after start-up (Triton's names): none = the --model list at start-up only; poll = every --repository-poll-secs the store is checked and new versions are loaded, warmed and switched to with no failed request; explicit = models are loaded and unloaded through the repository API (POST /v2/repository/models/{name}/load|unload).",
    },
    'none',
  ),
  repository_poll_secs: withDefault(
    {
      type: z.number().positive(),
      raw: 'number',
      placeholder: '<s>',
      description: 'How often poll mode checks the store for new or removed versions.',
    },
    15,
  ),
  version_policy: withDefault(
    {
      type: z.string().refine(isVersionPolicy, {
        message: `expected ${VERSION_POLICY_FORMS}`,
      }),
      raw: 'string',
      placeholder: '<policy>',
      description:
        "Which published versions of each model to serve (TF Serving's version policy): latest, latest:N, all, or specific:V[,V...]. A reference `name@N` or `name@latest:2` overrides it for that model.",
    },
    'latest',
  ),
  host: withDefault(
    { type: z.string().min(1), raw: 'string', placeholder: '<host>', description: 'Address to listen on.' },
    '0.0.0.0',
  ),
  port: withDefault(
    { type: port(), raw: 'number', placeholder: '<port>', description: 'HTTP port (0 picks a free one).' },
    8080,
  ),
  cache_dir: optional({
    type: z.string().min(1),
    raw: 'string',
    placeholder: '<dir>',
    description:
      'Node-local folder where verified model versions are kept between restarts (default: $XDG_CACHE_HOME/berth/models, else ~/.cache/berth/models).',
  }),
  grpc_port: optional({
    type: port(),
    raw: 'number',
    placeholder: '<port>',
    description: 'gRPC port (inference.GRPCInferenceService); off when not set, 0 picks a free one.',
  }),
  batching: optional({
    type: z.boolean(),
    raw: 'boolean',
    description: 'Turns dynamic batching on or off for every model, over berth.yaml.',
  }),
  max_batch_size: optional({
    type: z.number().int().min(1),
    raw: 'number',
    description: 'Overrides max_batch_size of every model.',
  }),
  max_queue_delay_us: optional({
    type: z.number().int().min(0),
    raw: 'number',
    placeholder: '<us>',
    description: 'Overrides batching.max_queue_delay_us of every model.',
  }),
  max_queue_size: optional({
    type: z.number().int().min(1),
    raw: 'number',
    description: 'Overrides batching.max_queue_size of every model.',
  }),
  request_timeout_ms: optional({
    type: z.number().int().min(0),
    raw: 'number',
    placeholder: '<ms>',
    description: 'Overrides batching.timeout_ms of every model.',
  }),
  device: withDefault(
    {
      type: z.string().regex(DEVICE_PATTERN, 'expected cpu, cuda or cuda:N'),
      raw: 'string',
      placeholder: '<device>',
      description:
        "Where ONNX models run: cpu, or cuda / cuda:N (ONNX Runtime's CUDA execution provider on GPU N, with the CPU for the operators it lacks). cuda needs onnxruntime-node's CUDA provider files; without them start-up fails with BERTH_ERR_DEVICE_UNAVAILABLE before any model is pulled.",
    },
    'cpu',
  ),
  instances: optional({
    type: z.number().int().min(1),
    raw: 'number',
    description: 'Overrides instances of every model.',
  }),
  workers: withDefault(
    {
      type: z.union([z.literal('auto'), z.number().int().min(1).max(256)]),
      raw: 'auto-or-number',
      placeholder: '<n|auto>',
      description:
        'Serving processes sharing the ports, each with its own models, batcher and event loop; the primary pulls each version once for all. auto = one per core this container may use (its cgroup CPU quota, else the schedulable cores), fewer when 160 MiB + 2 × the start-up models’ bytes per worker would pass 80% of the memory limit. Each worker gets cores ÷ workers for the default `instances`. 1 = a single process, no primary.',
    },
    'auto',
  ),
  store_retry_max_elapsed_ms: withDefault(
    {
      type: z.number().int().min(0),
      raw: 'number',
      placeholder: '<ms>',
      description:
        'How long start-up keeps retrying an unreachable store (backoff with jitter) before it gives up and exits 1.',
    },
    30_000,
  ),
  body_limit: withDefault(
    {
      type: z.number().int().min(1024),
      raw: 'number',
      placeholder: '<bytes>',
      description: 'Largest request body in bytes; larger ones get 413 BERTH_ERR_BODY_TOO_LARGE.',
    },
    64 * 1024 * 1024,
  ),
  drain_timeout_ms: withDefault(
    {
      type: z.number().int().min(0),
      raw: 'number',
      placeholder: '<ms>',
      description: 'After SIGTERM, how long in-flight requests may take before the process exits anyway.',
    },
    30_000,
  ),
  log_level: withDefault(
    {
      type: z.enum(LOG_LEVELS),
      raw: 'enum',
      placeholder: '<level>',
      description: 'Log level of the JSON logs on stdout.',
    },
    'info',
  ),
} as const satisfies Record<string, Setting>;

/** A setting's snake_case key. */
export type SettingKey = keyof typeof SERVER_SETTINGS;

/** The keys in table order (the order of `--help` and of the docs). */
export const SETTING_KEYS = Object.keys(SERVER_SETTINGS) as SettingKey[];

/** The flag name without `--`: the key in kebab-case unless the table names another. */
export function flagName(key: SettingKey): string {
  const setting: Setting = SERVER_SETTINGS[key];
  return setting.flag ?? key.replaceAll('_', '-');
}

/** The environment variable of a key: BERTH_ and the key in upper case. */
export function envName(key: SettingKey): string {
  return `BERTH_${key.toUpperCase()}`;
}

/** The values an enum setting accepts; undefined for other kinds. */
export function enumValues(key: SettingKey): readonly string[] | undefined {
  const type = SERVER_SETTINGS[key].type;
  return type instanceof z.ZodEnum ? (type.options as readonly string[]) : undefined;
}
