/**
 * `berth k8s apply`: server-side apply of a spec's objects one at a time in dependency order, each
 * reported as created, configured or unchanged (the resourceVersion before and after: the server
 * does not write an object that an apply leaves as it was).
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './kube-object.js';
import { refOf, type KubeApi, type LiveObject, type ObjectRef } from './kube-api.js';
import { applyOrder } from './apply-order.js';

/** What an apply did to one object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** One applied object: its outcome and what the server stored. */
export interface AppliedObject {
  readonly ref: ObjectRef;
  readonly outcome: ApplyOutcome;
  readonly live: LiveObject;
}

/** Applies `objects` (namespaces already set) in order; `onApplied` sees each as it is done. */
export async function applyObjects(
  api: KubeApi,
  objects: readonly KubeObject[],
  onApplied: (applied: AppliedObject) => void = () => {},
): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const object of applyOrder(objects)) {
    const ref = refOf(object);
    const before = await api.read(ref);
    const live = await api.apply(object);
    const outcome: ApplyOutcome =
      before === undefined ? 'created' : sameContent(before, live) ? 'unchanged' : 'configured';
    const applied = { ref, outcome, live };
    results.push(applied);
    onApplied(applied);
  }
  return results;
}

// A controller may write status between the read and the apply (a Job's pods starting), which
// moves the resourceVersion too; so when it moved, compare what the apply could have changed.
function sameContent(before: LiveObject, after: LiveObject): boolean {
  if (before.metadata.resourceVersion === after.metadata.resourceVersion) return true;
  const strip = (object: LiveObject): unknown => {
    const {
      resourceVersion: _rv,
      managedFields: _fields,
      ...metadata
    } = object.metadata as Record<string, unknown>;
    const { status: _status, ...rest } = object;
    return { ...rest, metadata };
  };
  return isDeepStrictEqual(strip(before), strip(after));
}
