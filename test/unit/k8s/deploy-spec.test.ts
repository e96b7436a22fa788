/** berth.deploy.yaml validation: defaults, unknown keys, one workload kind, file loading. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeploySpec, parseDeploySpec, workloadKind } from '../../../src/k8s/deploy-spec.js';
import { berthError } from '../../support/store-assertions.js';

const validJob = {
  repo: 'https://git.example.com/r.git',
  ref: 'main',
  command: ['python', 'train.py'],
  output: { model: 'm', store: '/models' },
};
const serving = { name: 'ranker', model: { store: 'hdfs://nn:8020/models', name: 'ranker' } };

describe('parseDeploySpec', () => {
  it('applies the documented defaults to the issue example', () => {
    const spec = parseDeploySpec(
      {
        name: 'ranker',
        model: { store: 'hdfs://nn:8020/models', name: 'ranker', version: 'latest' },
        image: 'berth:0.1.0',
        resources: { cpu: '2', memory: '4Gi', gpu: 1 },
        autoscaling: { min: 2, max: 20, cpu: 70 },
      },
      'berth.deploy.yaml',
    );
    assert.equal(workloadKind(spec), 'serving');
    assert.equal(spec.model?.size, '1Gi');
    assert.equal(spec.model?.controlMode, 'none');
    assert.deepEqual(spec.resources, { cpu: '2', memory: '4Gi', gpu: 1 });
    assert.equal(spec.port, 8080);
    assert.deepEqual(spec.startup, {
      bandwidth: '50Mi',
      loadSeconds: 30,
      warmupSeconds: 30,
      periodSeconds: 10,
    });
    assert.deepEqual(spec.drain, { seconds: 30, preStopSeconds: 5 });
    assert.deepEqual(spec.disruptionBudget, { maxUnavailable: 1 });
  });

  it('names an unknown key, at its path, and the source', () => {
    assert.throws(
      () => parseDeploySpec({ ...serving, replica: 2 }, 'a.yaml'),
      berthError('DEPLOY_SPEC_INVALID', 'a.yaml', 'replica'),
    );
    assert.throws(
      () => parseDeploySpec({ ...serving, model: { ...serving.model, sise: '1Gi' } }, 'a.yaml'),
      berthError('DEPLOY_SPEC_INVALID', 'model', 'sise'),
    );
  });

  it('wants exactly one of model, train and batch', () => {
    assert.throws(
      () => parseDeploySpec({ name: 'x' }, 's.yaml'),
      berthError('DEPLOY_SPEC_INVALID', 'got none'),
    );
    assert.throws(
      () => parseDeploySpec({ ...serving, train: { job: validJob } }, 's.yaml'),
      berthError('DEPLOY_SPEC_INVALID', 'model and train'),
    );
  });

  it('rejects serving-only keys on a training or batch spec', () => {
    assert.throws(
      () =>
        parseDeploySpec(
          { name: 't', train: { job: validJob }, autoscaling: { min: 1, max: 2, cpu: 50 } },
          't.yaml',
        ),
      berthError('DEPLOY_SPEC_INVALID', 'autoscaling', 'only for a serving spec'),
    );
  });

  it('checks names, quantities, versions and autoscaling bounds', () => {
    const bad: [unknown, string][] = [
      [{ ...serving, name: 'Ranker_1' }, 'name'],
      [{ ...serving, name: 'a'.repeat(43) }, 'name'],
      [{ ...serving, resources: { memory: 'lots' } }, 'resources.memory'],
      [{ ...serving, model: { ...serving.model, version: 'newest' } }, 'model.version'],
      [{ ...serving, autoscaling: { min: 5, max: 2, cpu: 50 } }, 'autoscaling.max'],
      [{ ...serving, autoscaling: { min: 1, max: 2 } }, 'autoscaling'],
      [{ ...serving, disruptionBudget: { maxUnavailable: 1, minAvailable: 1 } }, 'disruptionBudget'],
      [{ ...serving, secrets: { s3: 'Not A Name' } }, 'secrets.s3'],
    ];
    for (const [value, field] of bad) {
      assert.throws(() => parseDeploySpec(value, 's.yaml'), berthError('DEPLOY_SPEC_INVALID', field), field);
    }
  });

  it('accepts version numbers and policies', () => {
    for (const version of [3, '3', 'latest:2', 'all', 'specific:1,4']) {
      const spec = parseDeploySpec({ ...serving, model: { ...serving.model, version } }, 's.yaml');
      assert.equal(spec.model?.version, String(version));
    }
  });

  it('checks a batch model reference as berth batch would', () => {
    const batch = { model: 'ranker@latest', input: 's3://b/in/', output: 's3://b/out/' };
    assert.throws(
      () => parseDeploySpec({ name: 'b', batch }, 'b.yaml'),
      berthError('DEPLOY_SPEC_INVALID', 'batch.model', 'no --store'),
    );
    const spec = parseDeploySpec({ name: 'b', batch: { ...batch, store: 's3://b/models' } }, 'b.yaml');
    assert.equal(spec.batch?.shards, 1);
  });
});

describe('train.job', () => {
  it("is checked by berth train's own schema, naming the spec and the key", () => {
    assert.throws(
      () => parseDeploySpec({ name: 't', train: { job: { ...validJob, epochs: 5 } } }, 't.yaml'),
      berthError('TRAIN_JOB_INVALID', 't.yaml: train.job', 'epochs'),
    );
    assert.throws(
      () => parseDeploySpec({ name: 't', train: { job: { command: ['python'] } } }, 't.yaml'),
      berthError('TRAIN_JOB_INVALID', 't.yaml: train.job', 'repo'),
    );
  });
});

describe('loadDeploySpec', () => {
  it('inlines a train.job path relative to the spec file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-deploy-'));
    try {
      await writeFile(
        join(dir, 'job.yaml'),
        'repo: https://git.example.com/r.git\nref: main\ncommand: [python, train.py]\noutput: { model: ranker, store: /models }\n',
      );
      await writeFile(join(dir, 'spec.yaml'), 'name: ranker-train\ntrain:\n  job: job.yaml\n');
      const spec = await loadDeploySpec(join(dir, 'spec.yaml'));
      assert.deepEqual(spec.train?.job, {
        repo: 'https://git.example.com/r.git',
        ref: 'main',
        command: ['python', 'train.py'],
        output: { model: 'ranker', store: '/models' },
      });
      await writeFile(
        join(dir, 'job.yaml'),
        'repo: x\nref: main\ncommand: [python]\noutput: { model: m, store: /s }\nepochs: 5\n',
      );
      await assert.rejects(
        loadDeploySpec(join(dir, 'spec.yaml')),
        berthError('TRAIN_JOB_INVALID', 'job.yaml', 'epochs'),
      );
      await writeFile(join(dir, 'spec.yaml'), 'name: ranker-train\ntrain:\n  job: missing.yaml\n');
      await assert.rejects(
        loadDeploySpec(join(dir, 'spec.yaml')),
        berthError('DEPLOY_SPEC_INVALID', 'train.job', 'missing.yaml'),
      );
      await writeFile(join(dir, 'spec.yaml'), 'name: [unclosed\n');
      await assert.rejects(
        loadDeploySpec(join(dir, 'spec.yaml')),
        berthError('DEPLOY_SPEC_INVALID', 'not valid YAML'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
