/**
 * A serving spec as Kubernetes objects: a Service, a Deployment whose pods run `berth serve`
 * (which pulls the model at start into an emptyDir cache), an autoscaling/v2
 * HorizontalPodAutoscaler when autoscaling is set, and a PodDisruptionBudget.
 */
import { parseQuantity } from './quantity.js';
import { parseVersionPolicy } from '../core/version-policy.js';
import type { DeploySpec } from './deploy-spec.js';
import { workloadImage } from './images.js';
import type { KubeObject } from './kube-object.js';
import { objectLabels, selectorLabels } from './labels.js';
import {
  TMP_VOLUME,
  containerEnv,
  containerResources,
  containerSecurityContext,
  podPlacement,
  podSecurityContext,
  quantityOf,
  scratchVolumes,
} from './pod-parts.js';
import { deriveProbeTimings, type ProbeTimings } from './probe-timing.js';

/** Where the model cache emptyDir is mounted (`--cache-dir`). */
export const MODEL_CACHE_DIR = '/var/cache/berth/models';

type ServingSpec = DeploySpec & { model: NonNullable<DeploySpec['model']> };

/** The Service, Deployment, optional HPA and PDB of a serving spec, in that order. */
export function renderServing(
  spec: ServingSpec,
  meta: (kind: string) => KubeObject['metadata'],
): KubeObject[] {
  const timings = servingTimings(spec);
  const objects: KubeObject[] = [service(spec, meta('Service')), deployment(spec, meta, timings)];
  if (spec.autoscaling) objects.push(autoscaler(spec, meta('HorizontalPodAutoscaler')));
  objects.push(disruptionBudget(spec, meta('PodDisruptionBudget')));
  return objects;
}

/** Versions loaded at start-up under the spec's version policy (`all` counts as one: size it). */
export function versionsAtStart(version: string): number {
  if (/^[1-9][0-9]*$/.test(version)) return 1;
  const policy = parseVersionPolicy(version, 'model.version');
  if (policy.kind === 'latest') return policy.count;
  return policy.kind === 'specific' ? policy.versions.length : 1;
}

/** The probe timings of a serving spec, from its model size, version policy, startup and drain. */
export function servingTimings(spec: ServingSpec): ProbeTimings {
  return deriveProbeTimings({
    modelBytes: quantityOf(spec.model.size),
    versions: versionsAtStart(spec.model.version),
    bandwidthBytesPerSecond: quantityOf(spec.startup.bandwidth),
    loadSeconds: spec.startup.loadSeconds,
    warmupSeconds: spec.startup.warmupSeconds,
    periodSeconds: spec.startup.periodSeconds,
    drainSeconds: spec.drain.seconds,
    preStopSeconds: spec.drain.preStopSeconds,
  });
}

/**
 * The model cache size: cacheSize, else the versions served at once, plus one in poll mode
 * (a new version is downloaded and warmed before the old one is dropped).
 */
export function modelCacheBytes(spec: ServingSpec): number {
  if (spec.model.cacheSize !== undefined) return quantityOf(spec.model.cacheSize);
  const copies = versionsAtStart(spec.model.version) + (spec.model.controlMode === 'poll' ? 1 : 0);
  return quantityOf(spec.model.size) * copies;
}

/** The `berth serve` arguments the spec implies. */
export function serveArgs(spec: ServingSpec, timings: ProbeTimings): string[] {
  const { model, batching } = spec;
  const pinned = /^[1-9][0-9]*$/.test(model.version);
  const args = [
    'serve',
    '--store',
    model.store,
    '--model',
    pinned ? `${model.name}@${model.version}` : model.name,
  ];
  if (!pinned) args.push('--version-policy', model.version);
  args.push('--model-control-mode', model.controlMode);
  if (model.pollSeconds !== undefined) args.push('--repository-poll-secs', String(model.pollSeconds));
  args.push('--port', String(spec.port));
  if (spec.grpcPort !== undefined) args.push('--grpc-port', String(spec.grpcPort));
  args.push('--cache-dir', MODEL_CACHE_DIR, '--drain-timeout-ms', String(timings.drainTimeoutMs));
  if (batching.enabled !== undefined) args.push(batching.enabled ? '--batching' : '--no-batching');
  if (batching.maxBatchSize !== undefined) args.push('--max-batch-size', String(batching.maxBatchSize));
  if (batching.maxQueueDelayUs !== undefined)
    args.push('--max-queue-delay-us', String(batching.maxQueueDelayUs));
  if (batching.maxQueueSize !== undefined) args.push('--max-queue-size', String(batching.maxQueueSize));
  if (batching.timeoutMs !== undefined) args.push('--request-timeout-ms', String(batching.timeoutMs));
  if (spec.instances !== undefined) args.push('--instances', String(spec.instances));
  args.push('--workers', String(servingWorkers(spec)));
  if (spec.resources.gpu > 0) args.push('--device', 'cuda');
  return [...args, ...spec.args];
}

/**
 * `--workers` for a pod: the spec's, else the CPU request's whole cores (at least one), and one
 * with a GPU (each worker would hold its own CUDA context). Not `auto`: in a pod with a request
 * but no CPU limit the container sees every core of the node, and would oversubscribe its share.
 */
export function servingWorkers(spec: ServingSpec): number {
  if (spec.workers !== undefined) return spec.workers;
  if (spec.resources.gpu > 0) return 1;
  return Math.max(1, Math.floor(parseQuantity(spec.resources.cpu) ?? 1));
}

function ports(spec: ServingSpec): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }];
  if (spec.grpcPort !== undefined) list.push({ name: 'grpc', containerPort: spec.grpcPort, protocol: 'TCP' });
  return list;
}

function service(spec: ServingSpec, metadata: KubeObject['metadata']): KubeObject {
  const servicePorts: Record<string, unknown>[] = [
    { name: 'http', port: spec.port, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
  ];
  if (spec.grpcPort !== undefined) {
    servicePorts.push({
      name: 'grpc',
      port: spec.grpcPort,
      targetPort: 'grpc',
      protocol: 'TCP',
      appProtocol: 'kubernetes.io/h2c',
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { type: 'ClusterIP', selector: selectorLabels(spec, 'serving'), ports: servicePorts },
  };
}

function httpProbe(path: string, timing: ProbeTimings['startup']): Record<string, unknown> {
  return { httpGet: { path, port: 'http' }, ...timing };
}

function deployment(
  spec: ServingSpec,
  meta: (kind: string) => KubeObject['metadata'],
  timings: ProbeTimings,
): KubeObject {
  const image = workloadImage(spec);
  const scratch = scratchVolumes([
    { name: 'model-cache', mountPath: MODEL_CACHE_DIR, bytes: modelCacheBytes(spec) },
    TMP_VOLUME,
  ]);
  const selector = selectorLabels(spec, 'serving');
  const container = {
    name: 'berth',
    image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    command: ['berth'],
    args: serveArgs(spec, timings),
    ports: ports(spec),
    env: containerEnv(spec),
    resources: containerResources(spec, scratch.bytes),
    // Ready means every model version is loaded and warmed, so it also ends the start-up phase.
    startupProbe: httpProbe('/v2/health/ready', timings.startup),
    readinessProbe: httpProbe('/v2/health/ready', timings.readiness),
    livenessProbe: httpProbe('/v2/health/live', timings.liveness),
    // Kubernetes removes the pod from the endpoints while this sleeps, so no new request
    // arrives after SIGTERM starts the drain.
    lifecycle: { preStop: { sleep: { seconds: timings.preStopSeconds } } },
    securityContext: containerSecurityContext(),
    volumeMounts: scratch.volumeMounts,
  };
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('Deployment'),
    spec: {
      // With an HPA the replica count is its to set; leaving it out keeps apply from resetting it.
      ...(spec.autoscaling ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // A new pod pulls and warms its model before an old one leaves: capacity never drops.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: objectLabels(spec, 'serving', image),
          annotations: {
            ...spec.annotations,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(spec.port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          ...podPlacement(spec),
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: timings.terminationGracePeriodSeconds,
          topologySpreadConstraints: [
            spread('topology.kubernetes.io/zone'),
            spread('kubernetes.io/hostname'),
          ],
          containers: [container],
          volumes: scratch.volumes,
        },
      },
    },
  };
}

function autoscaler(spec: ServingSpec, metadata: KubeObject['metadata']): KubeObject {
  const scaling = spec.autoscaling!;
  const metrics: Record<string, unknown>[] = [];
  if (scaling.cpu !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.cpu } },
    });
  }
  if (scaling.pods) {
    // Served by the Prometheus adapter (custom.metrics.k8s.io) from the pods' /metrics.
    metrics.push({
      type: 'Pods',
      pods: {
        metric: { name: scaling.pods.metric },
        target: { type: 'AverageValue', averageValue: scaling.pods.target },
      },
    });
  }
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name },
      minReplicas: scaling.min,
      maxReplicas: scaling.max,
      metrics,
      ...(scaling.scaleDownStabilizationSeconds !== undefined
        ? { behavior: { scaleDown: { stabilizationWindowSeconds: scaling.scaleDownStabilizationSeconds } } }
        : {}),
    },
  };
}

function disruptionBudget(spec: ServingSpec, metadata: KubeObject['metadata']): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: {
      ...spec.disruptionBudget,
      selector: { matchLabels: selectorLabels(spec, 'serving') },
      // A pod that never became ready (a bad model) must not block a node drain.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
