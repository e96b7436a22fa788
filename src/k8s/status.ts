/**
 * `berth k8s status`: which of a spec's objects exist on the cluster and how they stand, in the
 * words an operator would use (replicas, Pods by phase, Job completions, CronJob schedule).
 */
import type { KubeObject } from './kube-object.js';
import { refOf, type KubeApi, type LiveObject, type ObjectRef } from './kube-api.js';
import { applyOrder } from './apply-order.js';
import { rolloutStateOf } from './rollout-state.js';

/** One object of the spec and what the cluster holds of it. */
export interface ObjectStatus {
  readonly ref: ObjectRef;
  readonly exists: boolean;
  /** "ready", "progressing", "failed" for workloads; "present" or "missing" for the rest. */
  readonly state: string;
  readonly detail: string;
  /** Pods of a Deployment or Job by phase, e.g. { Pending: 2 }. */
  readonly pods?: Record<string, number>;
}

// Pods a Job made carry this label (Kubernetes 1.27+); a Deployment's match its selector.
function podSelector(live: LiveObject): string | undefined {
  if (live.kind === 'Job') return `batch.kubernetes.io/job-name=${live.metadata.name}`;
  const match = (live.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
    ?.matchLabels;
  if (live.kind !== 'Deployment' || match === undefined) return undefined;
  return Object.entries(match)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function describe(live: LiveObject): string {
  const spec = (live.spec ?? {}) as Record<string, unknown>;
  const status = live.status ?? {};
  switch (live.kind) {
    case 'CronJob': {
      const active = Array.isArray(status.active) ? status.active.length : 0;
      const last = typeof status.lastScheduleTime === 'string' ? status.lastScheduleTime : 'never';
      return `schedule ${String(spec.schedule)}${spec.suspend === true ? ' (suspended)' : ''}, last run ${last}, ${active} active`;
    }
    case 'Service':
      return `${String(spec.type ?? 'ClusterIP')} ${String(spec.clusterIP ?? '')}`.trim();
    case 'HorizontalPodAutoscaler':
      return `${String(status.currentReplicas ?? 0)} current, ${String(status.desiredReplicas ?? 0)} desired (min ${String(spec.minReplicas ?? 1)}, max ${String(spec.maxReplicas)})`;
    case 'PodDisruptionBudget':
      return `${String(status.disruptionsAllowed ?? 0)} disruptions allowed`;
    default:
      return '';
  }
}

/** The status of each of `objects` (namespaces already set), in apply order. */
export async function specStatus(api: KubeApi, objects: readonly KubeObject[]): Promise<ObjectStatus[]> {
  const results: ObjectStatus[] = [];
  for (const object of applyOrder(objects)) {
    const ref = refOf(object);
    const live = await api.read(ref);
    if (live === undefined) {
      results.push({ ref, exists: false, state: 'missing', detail: '' });
      continue;
    }
    const rollout = rolloutStateOf(live);
    const selector = podSelector(live);
    let pods: Record<string, number> | undefined;
    if (selector !== undefined) {
      pods = {};
      for (const pod of await api.list('v1', 'Pod', ref.namespace ?? api.defaultNamespace, selector)) {
        const phase = String(pod.status?.phase ?? 'Unknown');
        pods[phase] = (pods[phase] ?? 0) + 1;
      }
    }
    results.push({
      ref,
      exists: true,
      state: rollout?.phase ?? 'present',
      detail: rollout?.message ?? describe(live),
      ...(pods !== undefined ? { pods } : {}),
    });
  }
  return results;
}
