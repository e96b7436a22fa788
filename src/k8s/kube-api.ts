/**
 * The little that `berth k8s apply|status|delete` needs of a Kubernetes API server, behind one
 * interface: the real one talks through @kubernetes/client-node, tests replay recorded objects.
 */
import type { KubeObject } from './kube-object.js';

/** Names one object on the server. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** An object as the server returns it: the rendered fields plus metadata, spec and status. */
export interface LiveObject extends KubeObject {
  metadata: KubeObject['metadata'] & {
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  status?: Record<string, unknown>;
}

/** One Kubernetes API server; every method throws a BerthError (KUBE_*) on failure. */
export interface KubeApi {
  /** The server's URL, for messages. */
  readonly server: string;
  /** The namespace of the kubeconfig context (or "default"), for objects that name none. */
  readonly defaultNamespace: string;
  /** The stored object, or undefined when there is none (404). */
  read(ref: ObjectRef): Promise<LiveObject | undefined>;
  /** Server-side apply (field manager "berth", force): returns the object as stored afterwards. */
  apply(object: KubeObject): Promise<LiveObject>;
  /** Deletes with background propagation; false when the object was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Objects of one kind in a namespace whose labels match `labelSelector` ("k=v,k2=v2"). */
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<LiveObject[]>;
}

/** "Deployment ml/recommender": how messages and progress lines name an object. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace === undefined ? `${ref.kind} ${ref.name}` : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** The reference of an object (its apiVersion, kind, name and namespace). */
export function refOf(object: KubeObject): ObjectRef {
  const { apiVersion, kind } = object;
  const { name, namespace } = object.metadata;
  return namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, name, namespace };
}
