/**
 * `berth k8s apply|status|delete` against a real kube-apiserver (scripts/kube/start.sh: etcd,
 * kube-apiserver and kube-controller-manager, no kubelet). Every example spec under examples/k8s/
 * is applied with server-side apply, read back, re-applied (nothing changes), changed (only the
 * objects whose rendering changed are written), inspected and deleted. Without KUBECONFIG from
 * start.sh (BERTH_KUBE_DIR) the suite is skipped with "no kube-apiserver", which CI counts as a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { systemClock } from '../../src/core/clock.js';
import type { BerthError } from '../../src/core/errors.js';
import { applyObjects } from '../../src/k8s/apply.js';
import { withNamespace } from '../../src/k8s/apply-order.js';
import { clientNodeApi, loadKubeConfig } from '../../src/k8s/client-node-api.js';
import { deleteObjects } from '../../src/k8s/delete.js';
import { loadDeploySpec } from '../../src/k8s/deploy-spec.js';
import { describeRef, refOf, type KubeApi, type LiveObject } from '../../src/k8s/kube-api.js';
import type { KubeObject } from '../../src/k8s/kube-object.js';
import { renderManifests } from '../../src/k8s/render.js';
import { waitForRollout } from '../../src/k8s/rollout.js';
import { specStatus } from '../../src/k8s/status.js';
import { runBerth } from '../support/run-berth.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/k8s/', import.meta.url));
const skip =
  process.env.KUBECONFIG !== undefined && process.env.BERTH_KUBE_DIR !== undefined
    ? undefined
    : 'no kube-apiserver (eval "$(scripts/kube/start.sh)" sets KUBECONFIG and BERTH_KUBE_DIR)';
const controllers = process.env.BERTH_TEST_KUBE_CONTROLLERS === '1';
const api = (): KubeApi => clientNodeApi(loadKubeConfig({}));
let namespaces = 0;

async function freshNamespace(kube: KubeApi, stem: string): Promise<string> {
  const name = `${stem}-${process.pid}-${(namespaces += 1)}`.slice(0, 63);
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** Every field the renderer set is on the stored object with the same value (the server adds defaults). */
function assertSubset(rendered: unknown, live: unknown, path: string): void {
  if (Array.isArray(rendered)) {
    assert.ok(Array.isArray(live), `${path}: expected an array on the server`);
    assert.equal(live.length, rendered.length, `${path}: length`);
    rendered.forEach((item, i) => assertSubset(item, live[i], `${path}[${i}]`));
  } else if (typeof rendered === 'object' && rendered !== null) {
    assert.ok(typeof live === 'object' && live !== null, `${path}: expected an object on the server`);
    for (const [key, value] of Object.entries(rendered)) {
      assertSubset(value, (live as Record<string, unknown>)[key], `${path}.${key}`);
    }
  } else if (typeof rendered === 'number' && /resources\.(limits|requests)\./.test(path)) {
    // Quantities come back as strings: a rendered 1 GPU is stored as "1".
    assert.equal(String(live), String(rendered), `${path}: the server holds ${JSON.stringify(live)}`);
  } else {
    assert.deepEqual(live, rendered, `${path}: the server holds ${JSON.stringify(live)}`);
  }
}

const podSpec = (object: KubeObject | LiveObject): Record<string, unknown> | undefined => {
  interface WithTemplate {
    template?: { spec?: Record<string, unknown> };
    jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } };
  }
  const spec = object.spec as WithTemplate | undefined;
  if (object.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return spec?.template?.spec;
};

const specFiles = async (): Promise<string[]> =>
  (await readdir(EXAMPLES)).filter((file) => file.endsWith('.yaml')).sort();

test(
  'every example spec: apply, read back, re-apply unchanged, change, status, delete',
  { skip },
  async (t) => {
    const files = await specFiles();
    assert.ok(files.length > 0, 'examples/k8s has specs');
    const kube = api();
    for (const file of files) {
      await t.test(file, async () => {
        const spec = await loadDeploySpec(`${EXAMPLES}${file}`);
        const namespace = await freshNamespace(kube, spec.name);
        const objects = withNamespace(renderManifests({ ...spec, namespace }), undefined, 'default');

        // 1. Apply: everything is new, and what the renderer wrote is what the server holds.
        const first = await applyObjects(kube, objects);
        assert.deepEqual(
          first.map((one) => one.outcome),
          objects.map(() => 'created'),
        );
        for (const object of objects) {
          const live = await kube.read(refOf(object));
          assert.ok(live, `${describeRef(refOf(object))} exists`);
          assertSubset(object.spec, live.spec, `${object.kind}.spec`);
          assertSubset(object.metadata.labels ?? {}, live.metadata.labels, `${object.kind}.metadata.labels`);
          const pod = podSpec(live);
          if (pod !== undefined) {
            // What an operator reads first: the command, resources and probes of each container.
            const rendered = podSpec(object)!.containers as Record<string, unknown>[];
            const stored = pod.containers as Record<string, unknown>[];
            for (const [i, container] of rendered.entries()) {
              for (const field of [
                'command',
                'args',
                'resources',
                'readinessProbe',
                'livenessProbe',
                'startupProbe',
              ]) {
                if (container[field] !== undefined)
                  assert.ok(stored[i]![field], `${object.kind} container ${i} keeps ${field}`);
              }
            }
          }
        }

        // 2. Re-apply: the server writes nothing. Objects no controller writes keep their
        // resourceVersion; for the rest (status writes move it) the generation stays.
        const before = await Promise.all(objects.map(async (object) => (await kube.read(refOf(object)))!));
        const second = await applyObjects(kube, objects);
        for (const [i, one] of second.entries()) {
          assert.equal(one.outcome, 'unchanged', describeRef(one.ref));
          assert.equal(one.live.metadata.generation, before[i]!.metadata.generation, describeRef(one.ref));
          if (['ConfigMap', 'Service', 'ServiceAccount'].includes(one.ref.kind)) {
            assert.equal(
              one.live.metadata.resourceVersion,
              before[i]!.metadata.resourceVersion,
              describeRef(one.ref),
            );
          }
        }

        // 3. A real change: a new image and env reach exactly the objects whose rendering changed,
        // and the server then holds the new fields.
        const changedSpec = {
          ...spec,
          namespace,
          image: 'berth:0.2.0-test',
          env: { ...spec.env, BERTH_TEST_CHANGE: '1' },
        };
        const changed = withNamespace(renderManifests(changedSpec), undefined, 'default');
        const expected = changed.map((object, i) =>
          isDeepStrictEqual(object, objects[i]) ? 'unchanged' : 'configured',
        );
        assert.ok(expected.includes('configured'), 'the change alters at least one object');
        if (changed.some((object) => object.kind === 'Job')) {
          // A Job's pod template is immutable: the server refuses the change, and says so.
          await assert.rejects(applyObjects(kube, changed), (error: BerthError) => {
            assert.equal(error.id, 'KUBE_INVALID_OBJECT');
            assert.match(error.message, /^apply Job \S+: .* answered 422: .*field is immutable/s);
            assert.match(error.message, /rerun with --replace-jobs/);
            return true;
          });
          // --replace-jobs: the Job is deleted and created anew with the new template.
          const replaced = await applyObjects(kube, changed, () => {}, {
            clock: systemClock,
            timeoutMs: 60_000,
            pollMs: 200,
          });
          const job = replaced.find((one) => one.ref.kind === 'Job')!;
          assert.equal(job.outcome, 'replaced');
          const containers = (job.live.spec as { template: { spec: { containers: { image: string }[] } } })
            .template.spec.containers;
          assert.equal(containers[0]!.image, 'berth:0.2.0-test');
        } else {
          const third = await applyObjects(kube, changed);
          const byRef = new Map(third.map((one) => [describeRef(one.ref), one.outcome]));
          assert.deepEqual(
            changed.map((object) => byRef.get(describeRef(refOf(object)))),
            expected,
          );
          for (const one of third.filter((applied) => applied.outcome === 'configured')) {
            const rendered = changed.find((object) => describeRef(refOf(object)) === describeRef(one.ref))!;
            assertSubset(rendered.spec, one.live.spec, `${one.ref.kind}.spec after the change`);
            if (podSpec(one.live) !== undefined) {
              const pod = JSON.stringify(podSpec(one.live));
              assert.match(pod, /"image":"berth:0\.2\.0-test"/);
              assert.match(pod, /"name":"BERTH_TEST_CHANGE","value":"1"/);
            }
          }
        }

        // 4. Status: every object is there.
        const status = await specStatus(kube, changed);
        assert.deepEqual(
          status.filter((row) => !row.exists).map((row) => describeRef(row.ref)),
          [],
        );

        // 5. Delete, waiting until gone; then status finds nothing.
        const deleted = await deleteObjects(kube, changed, {
          clock: systemClock,
          timeoutMs: 60_000,
          pollMs: 200,
        });
        assert.ok(deleted.every((one) => one.outcome === 'deleted'));
        assert.ok((await specStatus(kube, changed)).every((row) => !row.exists && row.state === 'missing'));
        await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
      });
    }
  },
);

test(
  'with the controller manager: a Deployment gets a ReplicaSet and Pending Pods, and apply --wait times out saying how many are ready',
  { skip: skip ?? (controllers ? undefined : 'no kube-controller-manager (BERTH_KUBE_CONTROLLERS=0)') },
  async () => {
    const kube = api();
    const file = `${EXAMPLES}serve-cpu.yaml`;
    const namespace = await freshNamespace(kube, 'rollout');
    const result = await runBerth(['k8s', 'apply', file, '--namespace', namespace, '--timeout', '4s']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /Deployment [-a-z0-9]+\/[-a-z0-9]+: created/);
    const deployment = renderManifests(await loadDeploySpec(file)).find(
      (object) => object.kind === 'Deployment',
    )!;
    const replicas = (deployment.spec as { replicas?: number }).replicas ?? 1;
    assert.match(
      result.stderr,
      new RegExp(
        `BERTH_ERR_KUBE_ROLLOUT_TIMEOUT: rollout not ready after 4s: Deployment ${namespace}/\\S+: 0 of ${replicas} replicas ready`,
      ),
    );
    const sets = await kube.list('apps/v1', 'ReplicaSet', namespace, '');
    assert.equal(sets.length, 1, 'the deployment controller made one ReplicaSet');
    const pods = await kube.list('v1', 'Pod', namespace, '');
    assert.equal(pods.length, replicas, 'the replicaset controller made the Pods');
    assert.ok(
      pods.every((pod) => pod.status?.phase === 'Pending'),
      'no kubelet: the Pods stay Pending',
    );

    const status = await runBerth(['k8s', 'status', file, '--namespace', namespace]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`Deployment ${namespace}/\\S+: progressing .*pods: ${replicas} Pending`),
    );
    const gone = await runBerth([
      'k8s',
      'delete',
      file,
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '60s',
    ]);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /Deployment \S+: deleted/);
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  },
);

test(
  'with the controller manager: a Job gets a Pod, and the wait ends with 0 of 1 completions',
  { skip: skip ?? (controllers ? undefined : 'no kube-controller-manager') },
  async () => {
    const kube = api();
    const namespace = await freshNamespace(kube, 'job');
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'train', namespace },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'train', image: 'berth:0.1.0', command: ['berth', '--version'] }],
          },
        },
      },
    };
    const [applied] = await applyObjects(kube, [job]);
    const lines: string[] = [];
    await assert.rejects(
      waitForRollout(kube, [applied!.ref], {
        clock: systemClock,
        timeoutMs: 3000,
        pollMs: 250,
        progress: (line) => lines.push(line),
      }),
      (error: BerthError) =>
        error.id === 'KUBE_ROLLOUT_TIMEOUT' &&
        /Job job-\S+\/train: 0 of 1 completions \(0 of 1 completions, 1 active/.test(error.message),
    );
    const pods = await kube.list('v1', 'Pod', namespace, 'batch.kubernetes.io/job-name=train');
    assert.equal(pods.length, 1);
    assert.equal(pods[0]!.status?.phase, 'Pending');
    await deleteObjects(kube, [job], { clock: systemClock, timeoutMs: 60_000, pollMs: 200 });
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  },
);

test('an object the server rejects names the object and quotes the server', { skip }, async () => {
  const kube = api();
  const bad: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'bad-labels', namespace: 'default', labels: { app: 'not a label!' } },
  };
  await assert.rejects(applyObjects(kube, [bad]), (error: BerthError) => {
    assert.equal(error.id, 'KUBE_INVALID_OBJECT');
    assert.match(
      error.message,
      /apply ConfigMap default\/bad-labels: the API server at https:\/\/127\.0\.0\.1:\d+ answered 422: .*not a label!/,
    );
    return true;
  });
});
