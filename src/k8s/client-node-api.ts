/**
 * KubeApi over @kubernetes/client-node's KubernetesObjectApi (generic objects, discovery of the
 * resource path by apiVersion and kind). Server errors become BerthErrors that quote the server.
 */
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { BerthError } from '../core/errors.js';
import type { KubeObject } from './kube-object.js';
import { describeRef, refOf, type KubeApi, type LiveObject, type ObjectRef } from './kube-api.js';
import { kubeError } from './kube-errors.js';

/** The field manager of every apply: re-applies from any machine own the same fields. */
export const FIELD_MANAGER = 'berth';

/** Where to find the cluster: a kubeconfig file (else the default chain) and a context in it. */
export interface KubeTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Loads the kubeconfig: `--kubeconfig` if given, else KUBECONFIG, ~/.kube/config or in-cluster. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const config = new KubeConfig();
  try {
    if (target.kubeconfig !== undefined) config.loadFromFile(target.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    const where = target.kubeconfig ?? 'the default kubeconfig (KUBECONFIG, ~/.kube/config)';
    throw new BerthError('KUBE_UNREACHABLE', `cannot load ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (target.context !== undefined) {
    if (config.getContextObject(target.context) === null) {
      const known = config.getContexts().map((context) => context.name);
      throw new BerthError(
        'KUBE_UNREACHABLE',
        `--context ${JSON.stringify(target.context)} is not in the kubeconfig; expected one of ${known.join(', ') || '(none)'}`,
      );
    }
    config.setCurrentContext(target.context);
  }
  if (config.getCurrentCluster() === null) {
    throw new BerthError(
      'KUBE_UNREACHABLE',
      `the kubeconfig's current context ${JSON.stringify(config.getCurrentContext())} names no cluster`,
    );
  }
  return config;
}

/** A KubeApi for the cluster of the kubeconfig's current context. */
export function clientNodeApi(config: KubeConfig): KubeApi {
  const api = KubernetesObjectApi.makeApiClient(config);
  const server = config.getCurrentCluster()?.server ?? '(no server)';
  const context = config.getContextObject(config.getCurrentContext());
  const call = async <T>(verb: string, ref: ObjectRef, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw kubeError(error, `${verb} ${describeRef(ref)}`, server);
    }
  };
  const header = (ref: ObjectRef): KubernetesObject => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace },
  });
  return {
    server,
    defaultNamespace: context?.namespace ?? 'default',
    read: (ref) =>
      call('read', ref, async () => {
        try {
          return (await api.read(header(ref) as never)) as unknown as LiveObject;
        } catch (error) {
          if ((error as { code?: unknown }).code === 404) return undefined;
          throw error;
        }
      }),
    apply: (object: KubeObject) =>
      call('apply', refOf(object), async () => {
        const stored = await api.patch(
          object as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
        return stored as unknown as LiveObject;
      }),
    delete: (ref) =>
      call('delete', ref, async () => {
        try {
          await api.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code === 404) return false;
          throw error;
        }
      }),
    list: (apiVersion, kind, namespace, labelSelector) =>
      call('list', { apiVersion, kind, name: `-l ${labelSelector}`, namespace }, async () => {
        const result = await api.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        );
        return result.items as unknown as LiveObject[];
      }),
  };
}
