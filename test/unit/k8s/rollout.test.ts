import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BerthError } from '../../../src/core/errors.js';
import type { LiveObject, ObjectRef } from '../../../src/k8s/kube-api.js';
import { waitForRollout } from '../../../src/k8s/rollout.js';
import { ManualClock, turnsUntil } from '../../support/manual-clock.js';
import { RecordedApi } from './recorded-api.js';

const deploymentRef: ObjectRef = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: 'ranker',
  namespace: 'ml',
};
const jobRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', name: 'train', namespace: 'ml' };

// Deployment versions as the API server returns them during a rollout of 2 replicas (generation 2).
const deployment = (status: Record<string, unknown>, generation = 2): LiveObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'ranker', namespace: 'ml', generation },
  spec: { replicas: 2 },
  status,
});
const unobserved = deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 0 });
const scaling = deployment({
  observedGeneration: 2,
  replicas: 3,
  updatedReplicas: 1,
  readyReplicas: 0,
  conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
});
const pendingPods = deployment({
  observedGeneration: 2,
  replicas: 2,
  updatedReplicas: 2,
  availableReplicas: 0,
  conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }],
});
const available = deployment({
  observedGeneration: 2,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
  ],
});
const deadlineExceeded = deployment({
  observedGeneration: 2,
  replicas: 2,
  updatedReplicas: 2,
  availableReplicas: 0,
  conditions: [
    {
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "ranker-5d9" has timed out progressing.',
    },
  ],
});
const job = (status: Record<string, unknown>): LiveObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'train', namespace: 'ml', generation: 1 },
  spec: { completions: 1 },
  status,
});

function follow(api: RecordedApi, refs: ObjectRef[], clock: ManualClock, timeoutMs = 60_000) {
  const lines: string[] = [];
  const done = waitForRollout(api, refs, {
    clock,
    timeoutMs,
    pollMs: 1000,
    progress: (line) => lines.push(line),
  });
  done.catch(() => {});
  return { lines, done };
}

test('a Deployment is followed until Available with every replica updated, one line per change', async () => {
  const api = new RecordedApi();
  api.record(deploymentRef, [unobserved, scaling, scaling, pendingPods, available]);
  const clock = new ManualClock();
  const { lines, done } = follow(api, [deploymentRef], clock);
  for (let poll = 1; poll <= 4; poll += 1) {
    await turnsUntil(() => clock.pendingSleeps === 1);
    clock.advance(1000);
  }
  const states = await done;
  assert.equal(states.get(deploymentRef)?.phase, 'ready');
  assert.deepEqual(lines, [
    'Deployment ml/ranker: waiting for the controller to observe the new spec',
    'Deployment ml/ranker: 1 of 2 replicas updated, 0 ready',
    'Deployment ml/ranker: 0 of 2 updated replicas available, 0 ready',
    'Deployment ml/ranker: 2 of 2 replicas available',
  ]);
  assert.equal(api.reads.length, 5);
});

test('old replicas still running keep a fully updated Deployment progressing', async () => {
  const api = new RecordedApi();
  const oldLeft = deployment({ ...available.status, replicas: 3 });
  api.record(deploymentRef, [oldLeft, available]);
  const clock = new ManualClock();
  const { lines, done } = follow(api, [deploymentRef], clock);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  await done;
  assert.equal(lines[0], 'Deployment ml/ranker: 1 old replicas pending termination');
});

test('ProgressDeadlineExceeded fails the rollout with the condition message', async () => {
  const api = new RecordedApi();
  api.record(deploymentRef, [scaling, deadlineExceeded]);
  const clock = new ManualClock();
  const { done } = follow(api, [deploymentRef], clock);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  await assert.rejects(done, (error: BerthError) => {
    assert.equal(error.stableId, 'BERTH_ERR_KUBE_ROLLOUT_FAILED');
    assert.match(
      error.message,
      /Deployment ml\/ranker: rollout failed: ProgressDeadlineExceeded: ReplicaSet "ranker-5d9"/,
    );
    return true;
  });
});

test('the timeout comes from the clock and says how many replicas are ready', async () => {
  const api = new RecordedApi();
  api.record(deploymentRef, [pendingPods]);
  const clock = new ManualClock();
  const { lines, done } = follow(api, [deploymentRef], clock, 2500);
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  await turnsUntil(() => clock.pendingSleeps === 1);
  assert.equal(settled, false, 'still within 2.5 s of clock time');
  clock.advance(500); // the last sleep is cut to what is left of the timeout
  await assert.rejects(done, (error: BerthError) => {
    assert.equal(error.stableId, 'BERTH_ERR_KUBE_ROLLOUT_TIMEOUT');
    assert.equal(
      error.message,
      'rollout not ready after 2500ms: Deployment ml/ranker: 0 of 2 replicas ready (0 of 2 updated replicas available, 0 ready)',
    );
    return true;
  });
  assert.equal(lines.length, 1, 'an unchanged state prints no new line');
  assert.equal(api.reads.length, 4);
});

test('a Job is followed to Complete, and a Failed Job fails the rollout', async () => {
  const api = new RecordedApi();
  api.record(jobRef, [
    job({ active: 1, ready: 0 }),
    job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }),
  ]);
  const clock = new ManualClock();
  const ok = follow(api, [jobRef], clock);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  await ok.done;
  assert.deepEqual(ok.lines, [
    'Job ml/train: 0 of 1 completions, 1 active (0 ready), 0 failed',
    'Job ml/train: complete: 1 of 1 completions, 0 active (0 ready), 0 failed',
  ]);

  api.record(jobRef, [
    job({
      failed: 3,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    }),
  ]);
  await assert.rejects(
    follow(api, [jobRef], clock).done,
    /KUBE_ROLLOUT_FAILED|failed: BackoffLimitExceeded: Job has reached/,
  );
});

test('several workloads are waited for together; CronJobs and Services are not followed', async () => {
  const api = new RecordedApi();
  api.record(deploymentRef, [pendingPods, available]);
  api.record(jobRef, [job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })]);
  const cron: ObjectRef = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', namespace: 'ml' };
  const service: ObjectRef = { apiVersion: 'v1', kind: 'Service', name: 'ranker', namespace: 'ml' };
  const clock = new ManualClock();
  const { done } = follow(api, [service, deploymentRef, jobRef, cron], clock);
  await turnsUntil(() => clock.pendingSleeps === 1);
  clock.advance(1000);
  const states = await done;
  assert.deepEqual([...states.keys()], [deploymentRef, jobRef]);
  // The Job was ready at the first look, so only the Deployment is read again.
  assert.deepEqual(api.reads, ['Deployment/ml/ranker', 'Job/ml/train', 'Deployment/ml/ranker']);
});

test('nothing to follow returns at once without sleeping', async () => {
  const clock = new ManualClock();
  const states = await waitForRollout(
    new RecordedApi(),
    [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c' }],
    {
      clock,
      timeoutMs: 1000,
      pollMs: 100,
      progress: () => assert.fail('no progress expected'),
    },
  );
  assert.equal(states.size, 0);
  assert.equal(clock.pendingSleeps, 0);
});
