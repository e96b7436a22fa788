/**
 * berth.deploy.yaml: one file describes one workload (serving, a training Job or a batch Job) and
 * everything Kubernetes needs to run it. Validated once here (unknown keys are errors that name
 * them), so the renderers only read typed, defaulted values. docs/kubernetes.md documents each field.
 */
import { parseTrainJob } from '../jobs/train/train-job.js';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssues } from '../config/zod-issues.js';
import { MODEL_CONTROL_MODES, LOG_LEVELS } from '../config/server-settings.js';
import { BerthError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import { parseVersionPolicy } from '../core/version-policy.js';
import { parseQuantity, QUANTITY_FORMS } from './quantity.js';

// 42 leaves room for the suffixes Kubernetes and Berth add: `-<11-digit time>` on CronJob Jobs,
// `-<index>` on Indexed Job pod host names (63 at most) and `-workers` on the headless Service.
const NAME = /^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const quantity = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => String(value))
  .refine((text) => parseQuantity(text) !== undefined, { message: `expected ${QUANTITY_FORMS}` });
const positiveQuantity = quantity.refine((text) => parseQuantity(text)! > 0, {
  message: 'expected a quantity above zero',
});
const count = (min: number) => z.number().int().min(min);
const stringMap = z.record(z.string(), z.string());
const isVersionPolicy = (text: string): boolean => {
  try {
    parseVersionPolicy(text, 'model.version');
    return true;
  } catch {
    return false;
  }
};

const resources = z.strictObject({
  cpu: quantity.default('1'),
  memory: positiveQuantity.default('1Gi'),
  gpu: count(0).default(0),
  cpuLimit: quantity.optional(),
  memoryLimit: positiveQuantity.optional(),
});

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Equal', 'Exists']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: count(0).optional(),
});

// Secret names are DNS subdomains; only names go in the spec, never values.
const SECRET_NAME = /^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/;
const secrets = z.strictObject({
  s3: z.string().regex(SECRET_NAME).optional(),
  hdfs: z.string().regex(SECRET_NAME).optional(),
});

const model = z.strictObject({
  store: z.string().min(1),
  name: z.string().min(1),
  version: z
    .union([count(1), z.string()])
    .transform((value) => String(value))
    .refine((text) => /^[1-9][0-9]*$/.test(text) || isVersionPolicy(text), {
      message: 'expected a version number, "latest", "latest:N", "all" or "specific:V[,V...]"',
    })
    .default('latest'),
  size: positiveQuantity.default('1Gi'),
  cacheSize: positiveQuantity.optional(),
  controlMode: z.enum(MODEL_CONTROL_MODES).default('none'),
  pollSeconds: z.number().positive().optional(),
});

const autoscaling = z
  .strictObject({
    min: count(1),
    max: count(1),
    cpu: z.number().int().min(1).max(1000).optional(),
    pods: z
      .strictObject({
        metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
        target: z
          .union([z.string(), z.number().positive()])
          .transform((value) => String(value))
          .refine((text) => parseQuantity(text) !== undefined, { message: `expected ${QUANTITY_FORMS}` }),
      })
      .optional(),
    scaleDownStabilizationSeconds: count(0).optional(),
  })
  .refine((value) => value.max >= value.min, { message: 'max must be at least min', path: ['max'] })
  .refine((value) => value.cpu !== undefined || value.pods !== undefined, {
    message: 'expected cpu (a utilization percentage), pods ({ metric, target }) or both',
  });

const batching = z.strictObject({
  enabled: z.boolean().optional(),
  maxBatchSize: count(1).optional(),
  maxQueueDelayUs: count(0).optional(),
  maxQueueSize: count(1).optional(),
  timeoutMs: count(0).optional(),
});

const startup = z.strictObject({
  bandwidth: positiveQuantity.default('50Mi'),
  loadSeconds: count(0).default(30),
  warmupSeconds: count(0).default(30),
  periodSeconds: count(1).default(10),
});

const drain = z.strictObject({
  seconds: count(0).default(30),
  preStopSeconds: count(0).default(5),
});

const intOrPercent = z.union([count(0), z.string().regex(/^[0-9]+%$/)]);
const disruptionBudget = z
  .strictObject({ maxUnavailable: intOrPercent.optional(), minAvailable: intOrPercent.optional() })
  .refine((value) => (value.maxUnavailable === undefined) !== (value.minAvailable === undefined), {
    message: 'expected exactly one of maxUnavailable and minAvailable',
  });

const cron = {
  schedule: z.string().min(1).optional(),
  timeZone: z.string().min(1).optional(),
};

const train = z.strictObject({
  job: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  workers: count(1).default(1),
  port: z.number().int().min(1).max(65535).default(29500),
  nprocPerNode: count(1).optional(),
  backoffLimit: count(0).default(0),
  activeDeadlineSeconds: count(1).optional(),
  ttlSecondsAfterFinished: count(0).default(604800),
  ...cron,
});

const FORMATS = ['parquet', 'csv', 'jsonl'] as const;
const batch = z.strictObject({
  model: z.string().min(1),
  store: z.string().min(1).optional(),
  endpoint: z.string().min(1).optional(),
  input: z.string().min(1),
  output: z.string().min(1),
  shards: count(1).default(1),
  size: positiveQuantity.default('1Gi'),
  format: z.enum(FORMATS).optional(),
  outputFormat: z.enum(FORMATS).optional(),
  keys: z.array(z.string().min(1)).default([]),
  features: z.array(z.string().min(1)).default([]),
  batchRows: count(1).optional(),
  inFlight: count(1).optional(),
  maxRejects: z
    .union([count(0), z.string().regex(/^[0-9]+(\.[0-9]+)?%?$/)])
    .transform((value) => String(value))
    .optional(),
  lockTtl: z.string().min(1).optional(),
  force: z.boolean().default(false),
  allowNan: z.boolean().default(false),
  backoffLimitPerIndex: count(0).default(2),
  activeDeadlineSeconds: count(1).optional(),
  ttlSecondsAfterFinished: count(0).default(604800),
  ...cron,
});

// Keys that only mean something for a serving Deployment.
const SERVING_ONLY = [
  'replicas',
  'port',
  'grpcPort',
  'autoscaling',
  'batching',
  'instances',
  'startup',
  'drain',
  'disruptionBudget',
] as const;

const deploySpec = z
  .strictObject({
    name: z.string().regex(NAME, {
      message: 'expected a DNS label of at most 42 characters: lower-case letters, digits and "-"',
    }),
    namespace: z.string().regex(LABEL).optional(),
    image: z.string().min(1).optional(),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    imagePullSecrets: z.array(z.string().min(1)).default([]),
    serviceAccountName: z.string().min(1).optional(),
    labels: stringMap.default({}),
    annotations: stringMap.default({}),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    secrets: secrets.default({}),
    nodeSelector: stringMap.default({}),
    tolerations: z.array(toleration).default([]),
    resources: resources.default({ cpu: '1', memory: '1Gi', gpu: 0 }),
    logLevel: z.enum(LOG_LEVELS).optional(),
    args: z.array(z.string()).default([]),
    model: model.optional(),
    train: train.optional(),
    batch: batch.optional(),
    replicas: count(0).default(1),
    port: z.number().int().min(1).max(65535).default(8080),
    grpcPort: z.number().int().min(1).max(65535).optional(),
    autoscaling: autoscaling.optional(),
    batching: batching.default({}),
    instances: count(1).optional(),
    workers: count(1).optional(),
    startup: startup.default({ bandwidth: '50Mi', loadSeconds: 30, warmupSeconds: 30, periodSeconds: 10 }),
    drain: drain.default({ seconds: 30, preStopSeconds: 5 }),
    disruptionBudget: disruptionBudget.default({ maxUnavailable: 1 }),
  })
  .superRefine((spec, ctx) => {
    const kinds = (['model', 'train', 'batch'] as const).filter((key) => spec[key] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of model (serving), train or batch, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
      });
    }
    if (spec.batch && spec.batch.endpoint === undefined) {
      // The same check `berth batch --model` makes, so a bad reference fails here, not in the pod.
      try {
        parseModelRef(spec.batch.model, spec.batch.store);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['batch', 'model'], message: (error as Error).message });
      }
    }
  });

/** A validated deployment spec with every default applied. */
export type DeploySpec = z.output<typeof deploySpec>;

/** Which workload a spec describes. */
export type WorkloadKind = 'serving' | 'training' | 'batch';

/** The workload kind of a validated spec. */
export function workloadKind(spec: DeploySpec): WorkloadKind {
  if (spec.model) return 'serving';
  return spec.train ? 'training' : 'batch';
}

/** Validates a parsed berth.deploy.yaml; `source` (a file name) starts every error message. */
export function parseDeploySpec(value: unknown, source: string): DeploySpec {
  const result = deploySpec.safeParse(value);
  if (!result.success) {
    throw new BerthError('DEPLOY_SPEC_INVALID', `${source}: ${formatZodIssues(result.error.issues)}`);
  }
  const spec = result.data;
  // The job is berth train's own file: checked by its schema, so a pod never starts to fail on it.
  if (spec.train && typeof spec.train.job === 'object') parseTrainJob(spec.train.job, `${source}: train.job`);
  if (!spec.model && typeof value === 'object' && value !== null) {
    const given = SERVING_ONLY.filter((key) => key in value);
    if (given.length > 0) {
      throw new BerthError(
        'DEPLOY_SPEC_INVALID',
        `${source}: ${given.join(', ')}: only for a serving spec (one with model:), not for ${workloadKind(spec)}`,
      );
    }
  }
  return spec;
}

/**
 * Reads and validates a spec file. A `train.job` given as a path is read relative to the spec
 * file and inlined, so rendering stays pure.
 */
export async function loadDeploySpec(path: string): Promise<DeploySpec> {
  const text = await readText(path, path);
  const spec = parseDeploySpec(parseYamlText(text, path), path);
  if (spec.train && typeof spec.train.job === 'string') {
    const jobPath = resolve(dirname(path), spec.train.job);
    const job = parseYamlText(await readText(jobPath, `${path}: train.job`), jobPath);
    if (typeof job !== 'object' || job === null || Array.isArray(job)) {
      throw new BerthError('DEPLOY_SPEC_INVALID', `${jobPath}: expected a mapping (a berth train job)`);
    }
    parseTrainJob(job, jobPath);
    return { ...spec, train: { ...spec.train, job: job as Record<string, unknown> } };
  }
  return spec;
}

async function readText(path: string, where: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new BerthError('DEPLOY_SPEC_INVALID', `${where}: cannot read ${JSON.stringify(path)}`, {
      cause: error,
    });
  }
}

function parseYamlText(text: string, where: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new BerthError('DEPLOY_SPEC_INVALID', `${where}: not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
