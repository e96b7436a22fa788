/**
 * `berth k8s delete`: deletes a spec's objects, dependents first, with background propagation (the
 * garbage collector removes ReplicaSets and Pods); with `wait`, polls until every object is gone.
 */
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import type { KubeObject } from './kube-object.js';
import { describeRef, refOf, type KubeApi, type ObjectRef } from './kube-api.js';
import { deleteOrder } from './apply-order.js';

/** One object and whether the delete found it. */
export interface DeletedObject {
  readonly ref: ObjectRef;
  readonly outcome: 'deleted' | 'not found';
}

/** Waiting for the objects to disappear; without it, delete returns once the requests are accepted. */
export interface DeleteWait {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** Deletes `objects` (namespaces already set); throws KUBE_DELETE_TIMEOUT when `wait` runs out. */
export async function deleteObjects(
  api: KubeApi,
  objects: readonly KubeObject[],
  wait?: DeleteWait,
  onDeleted: (deleted: DeletedObject) => void = () => {},
): Promise<DeletedObject[]> {
  const results: DeletedObject[] = [];
  for (const object of deleteOrder(objects)) {
    const ref = refOf(object);
    const deleted: DeletedObject = { ref, outcome: (await api.delete(ref)) ? 'deleted' : 'not found' };
    results.push(deleted);
    onDeleted(deleted);
  }
  if (wait === undefined) return results;
  const deadline = wait.clock.now() + wait.timeoutMs;
  let left = results.filter((result) => result.outcome === 'deleted').map((result) => result.ref);
  for (;;) {
    const still: ObjectRef[] = [];
    for (const ref of left) if ((await api.read(ref)) !== undefined) still.push(ref);
    left = still;
    if (left.length === 0) return results;
    const remaining = deadline - wait.clock.now();
    if (remaining <= 0) {
      throw new BerthError(
        'KUBE_DELETE_TIMEOUT',
        `still present after ${wait.timeoutMs} ms: ${left.map(describeRef).join(', ')}; expected them gone (look for finalizers)`,
      );
    }
    await wait.clock.sleep(Math.min(wait.pollMs, remaining));
  }
}
