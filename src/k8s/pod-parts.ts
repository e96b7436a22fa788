/**
 * Pieces every Berth pod shares, whatever its workload: store credentials from Secrets, a
 * non-root read-only container, node selection with the GPU toleration, resources and the
 * writable emptyDir volumes a read-only root file system needs.
 */
import type { DeploySpec } from './deploy-spec.js';
import { formatBytes, parseQuantity } from './quantity.js';

/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The uid and gid the images create and the pods run as. */
export const BERTH_UID = 10001;

type EnvVar = Record<string, unknown>;

/**
 * The variable names read from each store Secret (src/storage/store-settings-env.ts reads them);
 * a Secret holds them under the same keys. Optional ones may be absent from the Secret.
 */
export const SECRET_ENV: Readonly<Record<'s3' | 'hdfs', readonly { name: string; optional: boolean }[]>> = {
  s3: [
    { name: 'AWS_ACCESS_KEY_ID', optional: false },
    { name: 'AWS_SECRET_ACCESS_KEY', optional: false },
    { name: 'AWS_SESSION_TOKEN', optional: true },
  ],
  // Either the user (simple auth) or a delegation token; Berth prefers the token when both are set.
  hdfs: [
    { name: 'BERTH_HDFS_USER', optional: true },
    { name: 'BERTH_HDFS_DELEGATION_TOKEN', optional: true },
  ],
};

/** Environment of the container: HOME on a writable volume, the spec's env, then Secret refs. */
export function containerEnv(spec: DeploySpec): EnvVar[] {
  const env: EnvVar[] = [{ name: 'HOME', value: '/tmp' }];
  if (spec.logLevel) env.push({ name: 'BERTH_LOG_LEVEL', value: spec.logLevel });
  for (const name of Object.keys(spec.env).sort()) env.push({ name, value: spec.env[name] });
  for (const store of ['s3', 'hdfs'] as const) {
    const secret = spec.secrets[store];
    if (secret === undefined) continue;
    for (const variable of SECRET_ENV[store]) {
      env.push({
        name: variable.name,
        valueFrom: {
          secretKeyRef: {
            name: secret,
            key: variable.name,
            ...(variable.optional ? { optional: true } : {}),
          },
        },
      });
    }
  }
  return env;
}

/** The pod-level security context: non-root, with volumes group-owned by the Berth gid. */
export function podSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: BERTH_UID,
    runAsGroup: BERTH_UID,
    fsGroup: BERTH_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The container security context: read-only root, no privilege escalation, no capabilities. */
export function containerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** nodeSelector, tolerations (with the GPU taint's when GPUs are asked for) and pull secrets. */
export function podPlacement(spec: DeploySpec): Record<string, unknown> {
  const tolerations: Record<string, unknown>[] = spec.tolerations.map((t) => ({ ...t }));
  const hasGpuToleration = spec.tolerations.some((t) => t.key === GPU_RESOURCE);
  if (spec.resources.gpu > 0 && !hasGpuToleration) {
    // GPU node pools are usually tainted nvidia.com/gpu:NoSchedule so only GPU pods land there.
    tolerations.push({ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' });
  }
  return {
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: spec.nodeSelector } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
    ...(spec.imagePullSecrets.length > 0
      ? { imagePullSecrets: spec.imagePullSecrets.map((name) => ({ name })) }
      : {}),
  };
}

/**
 * Requests and limits. Memory is limited (a leak is contained, the OOM is the pod's own); CPU is
 * only requested unless cpuLimit is given, since CFS throttling adds tail latency without saving
 * anything on a node with idle cores. GPUs go in limits (Kubernetes sets the request equal).
 */
export function containerResources(spec: DeploySpec, scratchBytes: number): Record<string, unknown> {
  const { cpu, memory, gpu, cpuLimit, memoryLimit } = spec.resources;
  const requests: Record<string, string> = { cpu, memory };
  // The emptyDir volumes live on the node's disk: request it so the pod lands where it fits.
  if (scratchBytes > 0) requests['ephemeral-storage'] = formatBytes(scratchBytes);
  const limits: Record<string, string | number> = { memory: memoryLimit ?? memory };
  if (cpuLimit !== undefined) limits.cpu = cpuLimit;
  if (gpu > 0) limits[GPU_RESOURCE] = gpu;
  return { requests, limits };
}

/** One emptyDir volume with a size limit, and where it is mounted. */
export interface ScratchVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly bytes: number;
}

/** /tmp as a small emptyDir: the root file system is read-only. */
export const TMP_VOLUME: ScratchVolume = { name: 'tmp', mountPath: '/tmp', bytes: 256 * 2 ** 20 };

/** Volumes and mounts for the given emptyDirs; returns their total size too. */
export function scratchVolumes(volumes: readonly ScratchVolume[]): {
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
  bytes: number;
} {
  return {
    volumes: volumes.map((v) => ({ name: v.name, emptyDir: { sizeLimit: formatBytes(v.bytes) } })),
    volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
    bytes: volumes.reduce((sum, v) => sum + v.bytes, 0),
  };
}

/** A quantity the spec schema already validated, in base units. */
export function quantityOf(text: string): number {
  return parseQuantity(text)!;
}

/**
 * JOB_COMPLETION_INDEX declared first in the env list. The Job controller appends it after the
 * container's own env (and keeps a declaration already there: pkg/controller/job's
 * addCompletionIndexEnvVariable), but `$(VAR)` expands only names declared before it.
 */
export function completionIndexEnv(): Record<string, unknown> {
  return {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: {
      fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
    },
  };
}
