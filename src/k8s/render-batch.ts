/**
 * A batch spec as an Indexed Job: pod i of n runs `berth batch --shard i/n`. The commit step
 * (`berth batch --commit`, which writes _SUCCESS only when every part of every shard is there)
 * runs in each pod after its shard: the last shard to finish finds every part and commits; the
 * earlier ones get BERTH_ERR_BATCH_INCOMPLETE, which is expected and ends them successfully. Any
 * other commit error fails the pod. This needs no second Job, no API access and no waiting pod.
 */
import type { DeploySpec } from './deploy-spec.js';
import { jobOrCronJob } from './cron.js';
import { workloadImage } from './images.js';
import type { KubeObject } from './kube-object.js';
import { objectLabels } from './labels.js';
import {
  TMP_VOLUME,
  completionIndexEnv,
  containerEnv,
  containerResources,
  containerSecurityContext,
  podPlacement,
  podSecurityContext,
  quantityOf,
  scratchVolumes,
} from './pod-parts.js';
import { MODEL_CACHE_DIR } from './render-serving.js';

type BatchSpec = DeploySpec & { batch: NonNullable<DeploySpec['batch']> };

/** The Job (or CronJob) of a batch spec. */
export function renderBatch(spec: BatchSpec, meta: (kind: string) => KubeObject['metadata']): KubeObject[] {
  const { batch } = spec;
  const image = workloadImage(spec);
  const scratch = scratchVolumes([
    ...(batch.endpoint === undefined
      ? [{ name: 'model-cache', mountPath: MODEL_CACHE_DIR, bytes: quantityOf(batch.size) }]
      : []),
    TMP_VOLUME,
  ]);
  const container = {
    name: 'batch',
    image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    command: ['sh', '-c', batchScript(spec)],
    env: [completionIndexEnv(), ...containerEnv(spec)],
    resources: containerResources(spec, scratch.bytes),
    securityContext: containerSecurityContext(),
    volumeMounts: scratch.volumeMounts,
  };
  const jobSpec: Record<string, unknown> = {
    completionMode: 'Indexed',
    completions: batch.shards,
    parallelism: batch.shards,
    // Each shard retries on its own; one bad shard does not restart the others.
    backoffLimitPerIndex: batch.backoffLimitPerIndex,
    ...(batch.activeDeadlineSeconds !== undefined
      ? { activeDeadlineSeconds: batch.activeDeadlineSeconds }
      : {}),
    template: {
      metadata: {
        labels: objectLabels(spec, 'batch', image),
        ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
      },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        ...podPlacement(spec),
        securityContext: podSecurityContext(),
        // `berth batch` stops at a batch boundary on SIGTERM; its lease lets a retry take over.
        terminationGracePeriodSeconds: 60,
        containers: [container],
        volumes: scratch.volumes,
      },
    },
  };
  return [
    jobOrCronJob({
      metadata: meta(batch.schedule !== undefined ? 'CronJob' : 'Job'),
      jobSpec,
      ttlSecondsAfterFinished: batch.ttlSecondsAfterFinished,
      schedule: batch.schedule,
      timeZone: batch.timeZone,
    }),
  ];
}

/** The flags both steps share: where the parts are and in which formats. */
function locationArgs(spec: BatchSpec): string[] {
  const { batch } = spec;
  return [
    '--input',
    batch.input,
    '--output',
    batch.output,
    ...(batch.format ? ['--format', batch.format] : []),
    ...(batch.outputFormat ? ['--output-format', batch.outputFormat] : []),
  ];
}

/** The `berth batch` arguments of one shard, with the shard left to the shell. */
export function shardArgs(spec: BatchSpec): string[] {
  const { batch } = spec;
  const args = ['batch', ...locationArgs(spec), '--model', batch.model];
  if (batch.store !== undefined) args.push('--store', batch.store);
  if (batch.endpoint !== undefined) args.push('--endpoint', batch.endpoint);
  else args.push('--cache-dir', MODEL_CACHE_DIR);
  for (const key of batch.keys) args.push('--key', key);
  for (const features of batch.features) args.push('--features', features);
  if (batch.batchRows !== undefined) args.push('--batch-rows', String(batch.batchRows));
  if (batch.inFlight !== undefined)
    args.push(batch.endpoint !== undefined ? '--concurrency' : '--in-flight', String(batch.inFlight));
  if (batch.maxRejects !== undefined) args.push('--max-rejects', batch.maxRejects);
  if (batch.lockTtl !== undefined) args.push('--lock-ttl', batch.lockTtl);
  if (batch.force) args.push('--force');
  if (batch.allowNan) args.push('--allow-nan');
  return [...args, ...spec.args];
}

/** The `berth batch --commit` arguments. */
export function commitArgs(spec: BatchSpec): string[] {
  return ['batch', ...locationArgs(spec), '--commit', '--shards', String(spec.batch.shards)];
}

/** The pod's shell script: the shard, then the commit that only the last shard can make. */
export function batchScript(spec: BatchSpec): string {
  const shard = [...shardArgs(spec), '--shard', `"$JOB_COMPLETION_INDEX/${spec.batch.shards}"`];
  return [
    'set -e',
    `berth ${shard.map((arg) => (arg.startsWith('"$') ? arg : shellQuote(arg))).join(' ')}`,
    `if out=$(berth ${commitArgs(spec).map(shellQuote).join(' ')} 2>&1); then`,
    '  echo "$out"',
    'else',
    '  case "$out" in',
    '    *BERTH_ERR_BATCH_INCOMPLETE*) echo "batch: other shards are still running; the last one commits" ;;',
    '    *) echo "$out" >&2; exit 1 ;;',
    '  esac',
    'fi',
    '',
  ].join('\n');
}

/** Quotes a word for sh only when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}
