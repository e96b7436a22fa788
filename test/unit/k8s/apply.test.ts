import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BerthError } from '../../../src/core/errors.js';
import { applyObjects } from '../../../src/k8s/apply.js';
import { applyOrder, deleteOrder, withNamespace } from '../../../src/k8s/apply-order.js';
import type { LiveObject } from '../../../src/k8s/kube-api.js';
import type { KubeObject } from '../../../src/k8s/kube-object.js';
import { deleteObjects } from '../../../src/k8s/delete.js';
import { ManualClock, turnsUntil } from '../../support/manual-clock.js';
import { RecordedApi } from './recorded-api.js';

const object = (kind: string, name: string, apiVersion = 'v1'): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name },
});
const objects = [
  object('HorizontalPodAutoscaler', 'a', 'autoscaling/v2'),
  object('Deployment', 'a', 'apps/v1'),
  object('Service', 'a'),
  object('ConfigMap', 'b'),
  object('ConfigMap', 'a'),
];

test('objects are applied what-is-referred-to first, keeping the order within a kind, and deleted in reverse', () => {
  const names = (list: KubeObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.deepEqual(names(applyOrder(objects)), [
    'ConfigMap/b',
    'ConfigMap/a',
    'Service/a',
    'Deployment/a',
    'HorizontalPodAutoscaler/a',
  ]);
  assert.deepEqual(names(deleteOrder(objects)), [...names(applyOrder(objects))].reverse());
});

test('namespaces: the spec wins, then --namespace, then the context; a conflict is an error', () => {
  const inSpec = { ...object('Service', 's'), metadata: { name: 's', namespace: 'ml' } };
  assert.equal(withNamespace([object('Service', 's')], undefined, 'ctx')[0]!.metadata.namespace, 'ctx');
  assert.equal(withNamespace([object('Service', 's')], 'flag', 'ctx')[0]!.metadata.namespace, 'flag');
  assert.equal(withNamespace([inSpec], undefined, 'ctx')[0]!.metadata.namespace, 'ml');
  assert.equal(withNamespace([inSpec], 'ml', 'ctx')[0]!.metadata.namespace, 'ml');
  assert.equal(withNamespace([object('Namespace', 'ml')], 'x', 'ctx')[0]!.metadata.namespace, undefined);
  assert.throws(
    () => withNamespace([inSpec], 'other', 'ctx'),
    (error: BerthError) =>
      error.id === 'KUBE_NAMESPACE_CONFLICT' &&
      /"other" differs from the spec's namespace "ml"/.test(error.message),
  );
});

test('each object is created, configured or unchanged by its resourceVersion before and after', async () => {
  const api = new RecordedApi();
  const live = (o: KubeObject, resourceVersion: string): LiveObject => ({
    ...o,
    metadata: { ...o.metadata, resourceVersion },
  });
  const [service, deployment] = [object('Service', 'a'), object('Deployment', 'a', 'apps/v1')];
  // RecordedApi.apply stores resourceVersion "1" for the first apply and "2" for the second; the
  // stored Service carried an old label (the apply changed it), the Deployment only a status write.
  api.record({ ...service, name: 'a' }, [
    { ...live(service, '1'), metadata: { name: 'a', resourceVersion: '1', labels: { old: 'yes' } } },
  ]);
  api.record({ ...deployment, name: 'a' }, [{ ...live(deployment, '7'), status: { replicas: 1 } }]);
  const seen: string[] = [];
  const results = await applyObjects(api, [deployment, service, object('ConfigMap', 'c')], (one) =>
    seen.push(`${one.ref.kind}:${one.outcome}`),
  );
  assert.deepEqual(seen, ['ConfigMap:created', 'Service:configured', 'Deployment:unchanged']);
  assert.equal(results.length, 3);
  const again = new RecordedApi();
  again.record({ ...service, name: 'a' }, [live(service, '1')]);
  assert.equal((await applyObjects(again, [service]))[0]!.outcome, 'unchanged');
});

test('delete reports what it found and waits, by the clock, until the objects are gone', async () => {
  const api = new RecordedApi();
  const deployment = object('Deployment', 'a', 'apps/v1');
  api.record({ ...deployment, name: 'a' }, [{ ...deployment }, undefined]);
  const clock = new ManualClock();
  const done = deleteObjects(api, [deployment, object('Service', 'gone')], {
    clock,
    timeoutMs: 10_000,
    pollMs: 500,
  });
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(500);
  const results = await done;
  assert.deepEqual(
    results.map((r) => `${r.ref.kind}:${r.outcome}`),
    ['Deployment:deleted', 'Service:not found'],
  );
  assert.deepEqual(api.deleted, ['Deployment//a', 'Service//gone']);

  const stuck = new RecordedApi();
  stuck.record({ ...deployment, name: 'a' }, [{ ...deployment }]);
  const late = deleteObjects(stuck, [deployment], { clock, timeoutMs: 1000, pollMs: 500 });
  late.catch(() => {});
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(500);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(500);
  await assert.rejects(
    late,
    (error: BerthError) => error.id === 'KUBE_DELETE_TIMEOUT' && /Deployment a/.test(error.message),
  );
});
