/** Training specs: ConfigMap + Job running berth train; Indexed Job + headless Service for torchrun; CronJob. */
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are untyped JSON, read by path */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseDeploySpec } from '../../../src/k8s/deploy-spec.js';
import type { KubeObject } from '../../../src/k8s/kube-object.js';
import { renderManifests } from '../../../src/k8s/render.js';

const job = {
  repo: 'https://git.example.com/ml/ranker.git',
  ref: 'v1.4.0',
  command: ['python', 'train.py'],
  output: { model: 'ranker', store: 'hdfs://nn:8020/models' },
};

function render(value: unknown): any[] {
  return renderManifests(parseDeploySpec(value, 'test.yaml'));
}

/** Every `$(VAR)` in an env value names a variable declared before it (else Kubernetes leaves it as text). */
function assertEnvReferencesResolve(env: { name: string; value?: string }[]): void {
  const declared = new Set<string>();
  for (const variable of env) {
    for (const match of (variable.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      assert.ok(declared.has(match[1]!), `${variable.name} uses $(${match[1]}) before it is declared`);
    }
    declared.add(variable.name);
  }
}

describe('renderManifests: training', () => {
  it('mounts the berth train job from a ConfigMap and runs berth train on it', () => {
    const objects = render({ name: 'ranker-train', train: { job } });
    assert.deepEqual(
      objects.map((o: KubeObject) => `${o.kind}/${o.metadata.name}`),
      ['ConfigMap/ranker-train-job', 'Job/ranker-train'],
    );
    assert.deepEqual(parse(objects[0].data['job.yaml']), job);
    const pod = objects[1].spec.template.spec;
    assert.equal(pod.restartPolicy, 'Never');
    const c = pod.containers[0];
    assert.deepEqual([...c.command, ...c.args], ['berth', 'train', '/etc/berth/job/job.yaml']);
    assert.match(c.image, /^berth-train:/);
    assert.deepEqual(pod.volumes.at(-1), { name: 'job', configMap: { name: 'ranker-train-job' } });
    assert.equal(objects[1].spec.completionMode, undefined);
    assert.equal(objects[1].spec.ttlSecondsAfterFinished, 604800);
    assert.equal(objects[1].metadata.labels['app.kubernetes.io/component'], 'training');
  });

  it('runs N workers as an Indexed Job with a headless Service and torchrun rendezvous', () => {
    const objects = render({
      name: 'ddp',
      train: { job, workers: 4, port: 29400 },
      resources: { cpu: '8', memory: '32Gi', gpu: 2 },
    });
    assert.deepEqual(
      objects.map((o: KubeObject) => o.kind),
      ['ConfigMap', 'Service', 'Job'],
    );
    const service = objects[1];
    assert.equal(service.metadata.name, 'ddp-workers');
    assert.equal(service.spec.clusterIP, 'None');
    assert.equal(service.spec.publishNotReadyAddresses, true);
    const jobSpec = objects[2].spec;
    assert.equal(jobSpec.completionMode, 'Indexed');
    assert.equal(jobSpec.completions, 4);
    assert.equal(jobSpec.parallelism, 4);
    assert.equal(jobSpec.template.spec.subdomain, 'ddp-workers');
    // The Service selects exactly the worker pods.
    for (const [key, value] of Object.entries(service.spec.selector)) {
      assert.equal(jobSpec.template.metadata.labels[key], value);
    }
    const env: { name: string; value?: string }[] = jobSpec.template.spec.containers[0].env;
    assertEnvReferencesResolve(env);
    const values = Object.fromEntries(env.map((e) => [e.name, e.value]));
    assert.equal(values.MASTER_ADDR, '$(JOB_NAME)-0.ddp-workers');
    assert.equal(values.MASTER_PORT, '29400');
    assert.equal(values.PET_NNODES, '4');
    assert.equal(values.PET_NPROC_PER_NODE, '2');
    assert.equal(values.PET_NODE_RANK, '$(JOB_COMPLETION_INDEX)');
    assert.equal(values.NODE_RANK, '$(JOB_COMPLETION_INDEX)');
    assert.equal(values.WORLD_SIZE, '8');
    assert.equal(jobSpec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], 2);
    const c = jobSpec.template.spec.containers[0];
    assert.deepEqual(c.command.slice(0, 2), ['sh', '-c']);
    assert.match(
      c.command[2],
      /"\$JOB_COMPLETION_INDEX" = 0 \]; then exec berth train \/etc\/berth\/job\/job.yaml "\$@"/,
    );
    assert.match(c.command[2], /exec berth train \/etc\/berth\/job\/job.yaml --no-publish "\$@"$/);
  });

  it('multi-worker: index 0 alone publishes, through a real sh (the others pass --no-publish)', async () => {
    const objects = render({ name: 'ddp', train: { job, workers: 2 }, args: ['--keep-workdir'] });
    const c = objects[2].spec.template.spec.containers[0];
    const dir = await mkdtemp(join(tmpdir(), 'berth-rank-'));
    try {
      // A stand-in `berth` on PATH that prints its arguments: the script is what is under test.
      await writeFile(join(dir, 'berth'), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
      const run = (index: string) =>
        execFileSync(c.command[0], [...c.command.slice(1), ...(c.args ?? [])], {
          env: { PATH: `${dir}:${process.env.PATH}`, JOB_COMPLETION_INDEX: index },
          encoding: 'utf8',
        }).trim();
      assert.equal(run('0'), 'train /etc/berth/job/job.yaml --keep-workdir');
      assert.equal(run('1'), 'train /etc/berth/job/job.yaml --no-publish --keep-workdir');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('wraps the Job in a CronJob when scheduled, never overlapping runs', () => {
    const objects = render({
      name: 'weekly',
      train: { job, schedule: '0 2 * * 0', timeZone: 'Europe/Amsterdam' },
    });
    const cron = objects[1];
    assert.equal(cron.kind, 'CronJob');
    assert.equal(cron.spec.schedule, '0 2 * * 0');
    assert.equal(cron.spec.timeZone, 'Europe/Amsterdam');
    assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    assert.deepEqual(c.args, ['train', '/etc/berth/job/job.yaml']);
    assert.equal(cron.spec.jobTemplate.metadata.labels['app.kubernetes.io/instance'], 'weekly');
  });

  it('refuses a job path that was not loaded from a file', () => {
    assert.throws(() => render({ name: 't', train: { job: 'job.yaml' } }), /loadDeploySpec/);
  });
});
