import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import {
  mergeTrainJob,
  paramValue,
  parseTrainJob,
  readTrainJobText,
  trainTimeoutMs,
} from '../../../../src/jobs/train/train-job.js';

const FILE = `
repo: https://git.example.com/ranking/trainer.git
ref: v1.4.0
workdir: trainer
command: [python, train.py, --epochs, "5"]
data: { train: "hdfs://nn:8020/data/clicks/", holdout: "hdfs://nn:8020/data/holdout.parquet" }
params: { learning_rate: 0.01 }
output: { model: ranker, store: "hdfs://nn:8020/models" }
timeout: 2h
env: { PYTHONUNBUFFERED: 1 }
verify: { samples: verify/samples.json, tolerance: 1.0e-3 }
`;

const invalid = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BerthError);
    assert.equal(error.id, 'TRAIN_JOB_INVALID');
    assert.match(error.message, message);
    return true;
  });

describe('train job: file, flags over it, strict schema', () => {
  it('reads every field of the documented job file', () => {
    const job = parseTrainJob(readTrainJobText(FILE, 'job.yaml'), 'job.yaml');
    assert.equal(job.ref, 'v1.4.0');
    assert.deepEqual(job.command, ['python', 'train.py', '--epochs', '5']);
    assert.deepEqual(job.env, { PYTHONUNBUFFERED: '1' });
    assert.deepEqual(job.verify, { samples: 'verify/samples.json', tolerance: 1e-3 });
    assert.equal(trainTimeoutMs(job), 7_200_000);
  });

  it('flags win over the file; maps merge key by key', () => {
    const file = readTrainJobText(FILE, 'job.yaml');
    const job = parseTrainJob(
      mergeTrainJob(file, {
        ref: 'main',
        command: ['python', 'other.py'],
        data: { holdout: 's3://bucket/holdout/' },
        params: { epochs: 3 },
        outputStore: 's3://bucket/models',
        timeout: '30m',
      }),
      'job.yaml',
    );
    assert.equal(job.ref, 'main');
    assert.deepEqual(job.command, ['python', 'other.py']);
    assert.deepEqual(job.data, { train: 'hdfs://nn:8020/data/clicks/', holdout: 's3://bucket/holdout/' });
    assert.deepEqual(job.params, { learning_rate: 0.01, epochs: 3 });
    assert.deepEqual(job.output, { model: 'ranker', store: 's3://bucket/models' });
    assert.equal(trainTimeoutMs(job), 1_800_000);
  });

  it('defaults: no workdir, no data, timeout 24h', () => {
    const job = parseTrainJob(
      {
        repo: '/srv/repo',
        ref: 'main',
        command: ['node', 'train.mjs'],
        output: { model: 'm', store: '/models' },
      },
      'flags',
    );
    assert.equal(job.workdir, '');
    assert.deepEqual(job.data, {});
    assert.equal(trainTimeoutMs(job), 86_400_000);
  });

  it('an unknown key is an error naming it, at the top level and inside output', () => {
    invalid(
      () => parseTrainJob({ ...readTrainJobText(FILE, 'job.yaml'), epochs: 5 }, 'job.yaml'),
      /job.yaml: .*"epochs"/,
    );
    invalid(
      () =>
        parseTrainJob(
          { ...readTrainJobText(FILE, 'job.yaml'), output: { model: 'm', store: '/s', bucket: 1 } },
          'job.yaml',
        ),
      /output: .*"bucket"/,
    );
  });

  it('missing fields, a bad duration, a bad data name or a workdir escaping the repo are errors naming the field', () => {
    invalid(() => parseTrainJob({}, 'job.yaml'), /repo: .*ref: .*command: .*output: /);
    const base = readTrainJobText(FILE, 'job.yaml');
    invalid(() => parseTrainJob({ ...base, timeout: 'soon' }, 'job.yaml'), /timeout: expected a duration/);
    invalid(() => parseTrainJob({ ...base, data: { 'two words': '/x' } }, 'job.yaml'), /data\.two words/);
    invalid(
      () => parseTrainJob({ ...base, workdir: '../elsewhere' }, 'job.yaml'),
      /workdir: expected a path inside/,
    );
    invalid(() => readTrainJobText('- a\n- list\n', 'job.yaml'), /expected a mapping/);
  });

  it('--param values: numbers and booleans as JSON, the rest as text', () => {
    assert.equal(paramValue('0.01'), 0.01);
    assert.equal(paramValue('true'), true);
    assert.equal(paramValue('adam'), 'adam');
    assert.equal(paramValue('1e-3'), 0.001);
  });
});
