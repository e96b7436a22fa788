/**
 * The order objects are applied in (and deleted in, reversed): what others refer to comes first,
 * as Helm's install order does, so a Pod never starts before its ConfigMap or ServiceAccount.
 */
import { BerthError } from '../core/errors.js';
import type { KubeObject } from './kube-object.js';

const ORDER = [
  'Namespace',
  'PriorityClass',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

// Kinds without a namespace: `--namespace` and the context's namespace do not apply to them.
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'PriorityClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
]);

const rank = (kind: string): number => {
  const at = ORDER.indexOf(kind);
  return at === -1 ? ORDER.length : at;
};

/** The objects sorted for applying (stable: objects of one kind keep the renderer's order). */
export function applyOrder(objects: readonly KubeObject[]): KubeObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object.kind) - rank(b.object.kind) || a.index - b.index)
    .map(({ object }) => object);
}

/** The objects sorted for deleting: dependents before what they use. */
export function deleteOrder(objects: readonly KubeObject[]): KubeObject[] {
  return applyOrder(objects).reverse();
}

/**
 * Copies of the objects with a namespace on every namespaced one: the spec's, else `--namespace`,
 * else the kubeconfig context's. A spec namespace and a different `--namespace` is an error.
 */
export function withNamespace(
  objects: readonly KubeObject[],
  flag: string | undefined,
  contextNamespace: string,
): KubeObject[] {
  return objects.map((object) => {
    if (CLUSTER_SCOPED.has(object.kind)) return object;
    const own = object.metadata.namespace;
    if (own !== undefined && flag !== undefined && own !== flag) {
      throw new BerthError(
        'KUBE_NAMESPACE_CONFLICT',
        `--namespace ${JSON.stringify(flag)} differs from the spec's namespace ${JSON.stringify(own)} on ${object.kind} ${object.metadata.name}; expected the same namespace or only one of them`,
      );
    }
    return { ...object, metadata: { ...object.metadata, namespace: own ?? flag ?? contextNamespace } };
  });
}
