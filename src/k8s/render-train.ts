/**
 * A training spec as Kubernetes objects: the berth train job file in a ConfigMap, mounted into a
 * Job running `berth train`; with `workers: N` > 1 an Indexed Job of N pods plus a headless
 * Service, and the rendezvous environment torchrun reads (PET_*), so `torchrun` needs no flags.
 */
import { stringify } from 'yaml';
import type { DeploySpec } from './deploy-spec.js';
import { jobOrCronJob } from './cron.js';
import { workloadImage } from './images.js';
import type { KubeObject } from './kube-object.js';
import { objectLabels, selectorLabels } from './labels.js';
import {
  TMP_VOLUME,
  containerEnv,
  containerResources,
  completionIndexEnv,
  containerSecurityContext,
  podPlacement,
  podSecurityContext,
  scratchVolumes,
} from './pod-parts.js';

/**
 * Every worker trains, but only index 0 publishes: the others run `--no-publish`, or each would add
 * a version. The spec's `args` arrive as "$@".
 */
export const RANK_ZERO_PUBLISHES =
  'if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exec berth train /etc/berth/job/job.yaml "$@"; fi; ' +
  'exec berth train /etc/berth/job/job.yaml --no-publish "$@"';

/** Where the ConfigMap's job.yaml is mounted; `berth train` reads it from there. */
export const JOB_FILE_DIR = '/etc/berth/job';

/** The writable work folder (code checkout, staged data, outputs) as XDG_CACHE_HOME. */
export const WORK_DIR = '/var/cache/berth';

const WORK_BYTES = 20 * 2 ** 30;

type TrainSpec = DeploySpec & { train: NonNullable<DeploySpec['train']> };

/** The ConfigMap, headless Service (multi-worker) and Job or CronJob of a training spec. */
export function renderTraining(
  spec: TrainSpec,
  meta: (kind: string, name?: string) => KubeObject['metadata'],
): KubeObject[] {
  const { train } = spec;
  if (typeof train.job === 'string') {
    throw new Error(`train.job ${JSON.stringify(train.job)} is a path: load the spec with loadDeploySpec`);
  }
  const configMapName = `${spec.name}-job`;
  const serviceName = `${spec.name}-workers`;
  const multi = train.workers > 1;
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('ConfigMap', configMapName),
      data: { 'job.yaml': stringify(train.job, { lineWidth: 0, aliasDuplicateObjects: false }) },
    },
  ];
  if (multi) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('Service', serviceName),
      spec: {
        // Headless: each worker pod gets <job>-<index>.<service> in DNS, which rendezvous needs.
        clusterIP: 'None',
        // Workers must find rank 0 before any of them could count as ready.
        publishNotReadyAddresses: true,
        selector: selectorLabels(spec, 'training'),
        ports: [{ name: 'rendezvous', port: train.port, targetPort: train.port, protocol: 'TCP' }],
      },
    });
  }
  const image = workloadImage(spec);
  const scratch = scratchVolumes([TMP_VOLUME, { name: 'work', mountPath: WORK_DIR, bytes: WORK_BYTES }]);
  const container = {
    name: 'train',
    image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    ...(multi
      ? {
          command: ['sh', '-c', RANK_ZERO_PUBLISHES, 'berth-train'],
          // An empty list is dropped by the API server; leave it out so what is applied reads back.
          ...(spec.args.length > 0 ? { args: spec.args } : {}),
        }
      : { command: ['berth'], args: ['train', `${JOB_FILE_DIR}/job.yaml`, ...spec.args] }),
    ...(multi ? { ports: [{ name: 'rendezvous', containerPort: train.port, protocol: 'TCP' }] } : {}),
    env: [
      ...containerEnv(spec),
      { name: 'XDG_CACHE_HOME', value: WORK_DIR },
      ...(multi ? rendezvousEnv(spec, serviceName) : []),
    ],
    resources: containerResources(spec, scratch.bytes),
    securityContext: containerSecurityContext(),
    volumeMounts: [...scratch.volumeMounts, { name: 'job', mountPath: JOB_FILE_DIR, readOnly: true }],
  };
  const labels = objectLabels(spec, 'training', image);
  const jobSpec: Record<string, unknown> = {
    backoffLimit: train.backoffLimit,
    ...(train.activeDeadlineSeconds !== undefined
      ? { activeDeadlineSeconds: train.activeDeadlineSeconds }
      : {}),
    ...(multi ? { completionMode: 'Indexed', completions: train.workers, parallelism: train.workers } : {}),
    template: {
      metadata: {
        labels,
        ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
      },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        ...(multi ? { subdomain: serviceName } : {}),
        ...podPlacement(spec),
        securityContext: podSecurityContext(),
        containers: [container],
        volumes: [...scratch.volumes, { name: 'job', configMap: { name: configMapName } }],
      },
    },
  };
  objects.push(
    jobOrCronJob({
      metadata: meta(train.schedule !== undefined ? 'CronJob' : 'Job'),
      jobSpec,
      ttlSecondsAfterFinished: train.ttlSecondsAfterFinished,
      schedule: train.schedule,
      timeZone: train.timeZone,
    }),
  );
  return objects;
}

/**
 * torchrun's rendezvous for a static group of `workers` nodes. The Job's name comes from the pod's
 * own label, so the same template works for a Job and for the Jobs a CronJob creates; the Job
 * controller sets JOB_COMPLETION_INDEX on every pod of an Indexed Job.
 */
export function rendezvousEnv(spec: TrainSpec, serviceName: string): Record<string, unknown>[] {
  const { workers, port } = spec.train;
  const nproc = spec.train.nprocPerNode ?? Math.max(1, spec.resources.gpu);
  const value = (name: string, text: string) => ({ name, value: text });
  return [
    completionIndexEnv(),
    {
      name: 'JOB_NAME',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
    },
    value('MASTER_ADDR', `$(JOB_NAME)-0.${serviceName}`),
    value('MASTER_PORT', String(port)),
    value('NNODES', String(workers)),
    value('NODE_RANK', '$(JOB_COMPLETION_INDEX)'),
    value('NPROC_PER_NODE', String(nproc)),
    // One process per node: its rank is the node's. torchrun overrides both for its children.
    value('WORLD_SIZE', String(workers * nproc)),
    value('RANK', '$(JOB_COMPLETION_INDEX)'),
    // torchrun takes every flag from PET_<FLAG> as well.
    value('PET_NNODES', String(workers)),
    value('PET_NODE_RANK', '$(JOB_COMPLETION_INDEX)'),
    value('PET_NPROC_PER_NODE', String(nproc)),
    value('PET_MASTER_ADDR', '$(MASTER_ADDR)'),
    value('PET_MASTER_PORT', '$(MASTER_PORT)'),
  ];
}
