/**
 * `berth k8s apply`: server-side apply of a spec's objects one at a time in dependency order, each
 * reported as created, configured or unchanged (the resourceVersion before and after: the server
 * does not write an object that an apply leaves as it was).
 */
import { isDeepStrictEqual } from 'node:util';
import { BerthError } from '../core/errors.js';
import type { KubeObject } from './kube-object.js';
import { describeRef, refOf, type KubeApi, type LiveObject, type ObjectRef } from './kube-api.js';
import { applyOrder } from './apply-order.js';
import { deleteObjects, type DeleteWait } from './delete.js';

/** What an apply did to one object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'replaced';

/**
 * A Job's pod template is immutable, so a changed training or batch spec cannot be applied over
 * the old Job. With this, such a Job is deleted (its pods with it), waited for, and created anew.
 */
export type ReplaceJobs = DeleteWait;

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
  replaceJobs?: ReplaceJobs,
): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const object of applyOrder(objects)) {
    const ref = refOf(object);
    const before = await api.read(ref);
    let live: LiveObject;
    let replaced = false;
    try {
      live = await api.apply(object);
    } catch (error) {
      if (!(before !== undefined && object.kind === 'Job' && isImmutableRefusal(error))) throw error;
      if (replaceJobs === undefined) {
        throw new BerthError(
          'KUBE_INVALID_OBJECT',
          `${(error as Error).message} — a Job's pod template cannot change: rerun with --replace-jobs to delete ${describeRef(ref)} (and its pods) and create it anew, or delete it first`,
          { cause: error },
        );
      }
      await deleteObjects(api, [object], replaceJobs);
      live = await api.apply(object);
      replaced = true;
    }
    const outcome: ApplyOutcome = replaced
      ? 'replaced'
      : before === undefined
        ? 'created'
        : sameContent(before, live)
          ? 'unchanged'
          : 'configured';
    const applied = { ref, outcome, live };
    results.push(applied);
    onApplied(applied);
  }
  return results;
}

function isImmutableRefusal(error: unknown): boolean {
  return (
    error instanceof BerthError &&
    error.id === 'KUBE_INVALID_OBJECT' &&
    /field is immutable/.test(error.message)
  );
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
