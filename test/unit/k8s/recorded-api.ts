/**
 * A KubeApi that replays recorded objects: each read of a ref returns the next recorded version
 * (the last one repeats), so rollout and delete loops can be driven step by step.
 */
import type { KubeApi, LiveObject, ObjectRef } from '../../../src/k8s/kube-api.js';
import type { KubeObject } from '../../../src/k8s/kube-object.js';

const key = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;

export class RecordedApi implements KubeApi {
  readonly server = 'https://recorded.invalid';
  readonly defaultNamespace = 'default';
  readonly reads: string[] = [];
  readonly applied: KubeObject[] = [];
  readonly deleted: string[] = [];
  #versions = new Map<string, (LiveObject | undefined)[]>();

  /** The versions successive reads of `ref` return (undefined: not found). */
  record(ref: ObjectRef, versions: (LiveObject | undefined)[]): void {
    this.#versions.set(key(ref), [...versions]);
  }

  read(ref: ObjectRef): Promise<LiveObject | undefined> {
    this.reads.push(key(ref));
    const versions = this.#versions.get(key(ref)) ?? [undefined];
    return Promise.resolve(versions.length > 1 ? versions.shift() : versions[0]);
  }

  apply(object: KubeObject): Promise<LiveObject> {
    this.applied.push(object);
    return Promise.resolve({
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(this.applied.length) },
    });
  }

  delete(ref: ObjectRef): Promise<boolean> {
    this.deleted.push(key(ref));
    return Promise.resolve(this.#versions.has(key(ref)));
  }

  list(): Promise<LiveObject[]> {
    return Promise.resolve([]);
  }
}
