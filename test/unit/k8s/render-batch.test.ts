/**
 * Batch specs: an Indexed Job whose pods run one shard each, then the commit step. The pod script
 * is run here by a real sh against a stand-in `berth` that records its arguments.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are untyped JSON, read by path */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDeploySpec } from '../../../src/k8s/deploy-spec.js';
import { renderManifests } from '../../../src/k8s/render.js';
import { shellQuote } from '../../../src/k8s/render-batch.js';

const batch = {
  model: 's3://models/prod/ranker@latest',
  input: 's3://data/in/',
  output: "s3://data/out dir/it's/",
  shards: 8,
  keys: ['user_id'],
  maxRejects: '1%',
};

function render(value: unknown): any[] {
  return renderManifests(parseDeploySpec(value, 'test.yaml'));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-batch-script-'));
  // The stand-in: records each call; `--commit` answers as $COMMIT says.
  await writeFile(
    join(dir, 'berth'),
    [
      '#!/bin/sh',
      `for a in "$@"; do printf '%s\\n' "$a"; done >> "$CALLS"`,
      'echo "--" >> "$CALLS"',
      'case " $* " in *" --commit "*)',
      '  case "$COMMIT" in',
      '    ok) echo "batch: committed 8 parts"; exit 0 ;;',
      '    incomplete) echo "berth: BERTH_ERR_BATCH_INCOMPLETE: 3 parts missing" >&2; exit 1 ;;',
      '    *) echo "berth: BERTH_ERR_STORE_UNREACHABLE: connection refused" >&2; exit 1 ;;',
      '  esac ;;',
      'esac',
      'exit "${SHARD_EXIT:-0}"',
      '',
    ].join('\n'),
  );
  await chmod(join(dir, 'berth'), 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

async function runPod(
  script: string,
  env: Record<string, string>,
): Promise<{ status: number; calls: string[][]; out: string }> {
  const calls = join(dir, `calls-${Math.random().toString(36).slice(2)}`);
  await writeFile(calls, '');
  const result = spawnSync('sh', ['-c', script], {
    env: { PATH: `${dir}:/usr/bin:/bin`, CALLS: calls, JOB_COMPLETION_INDEX: '3', ...env },
    encoding: 'utf8',
  });
  const lines = (await readFile(calls, 'utf8')).split('\n');
  const split: string[][] = [[]];
  for (const line of lines.slice(0, -1)) {
    if (line === '--') split.push([]);
    else split.at(-1)!.push(line);
  }
  return { status: result.status ?? -1, calls: split.slice(0, -1), out: result.stdout + result.stderr };
}

describe('renderManifests: batch', () => {
  it('renders one Indexed Job with a pod per shard, each shard retried on its own', () => {
    const objects = render({ name: 'scores', batch });
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['Job'],
    );
    const spec = objects[0].spec;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, 8);
    assert.equal(spec.parallelism, 8);
    assert.equal(spec.backoffLimitPerIndex, 2);
    const c = spec.template.spec.containers[0];
    assert.deepEqual(c.command.slice(0, 2), ['sh', '-c']);
    assert.equal(spec.template.spec.restartPolicy, 'Never');
    assert.equal(c.env[0].name, 'JOB_COMPLETION_INDEX');
  });

  it('runs shard $JOB_COMPLETION_INDEX/n, then commits with --shards n', async () => {
    const script = render({ name: 'scores', batch })[0].spec.template.spec.containers[0].command[2];
    const { status, calls } = await runPod(script, { COMMIT: 'ok' });
    assert.equal(status, 0);
    assert.deepEqual(calls[0], [
      'batch',
      '--input',
      's3://data/in/',
      '--output',
      "s3://data/out dir/it's/",
      '--model',
      's3://models/prod/ranker@latest',
      '--cache-dir',
      '/var/cache/berth/models',
      '--key',
      'user_id',
      '--max-rejects',
      '1%',
      '--shard',
      '3/8',
    ]);
    assert.deepEqual(calls[1], [
      'batch',
      '--input',
      's3://data/in/',
      '--output',
      "s3://data/out dir/it's/",
      '--commit',
      '--shards',
      '8',
    ]);
  });

  it('ends a shard well when other shards still run (BATCH_INCOMPLETE), fails it on other commit errors', async () => {
    const script = render({ name: 'scores', batch })[0].spec.template.spec.containers[0].command[2];
    const early = await runPod(script, { COMMIT: 'incomplete' });
    assert.equal(early.status, 0);
    assert.match(early.out, /the last one commits/);
    const broken = await runPod(script, { COMMIT: 'unreachable' });
    assert.equal(broken.status, 1);
    assert.match(broken.out, /BERTH_ERR_STORE_UNREACHABLE/);
  });

  it('does not commit when the shard itself fails', async () => {
    const script = render({ name: 'scores', batch })[0].spec.template.spec.containers[0].command[2];
    const result = await runPod(script, { COMMIT: 'ok', SHARD_EXIT: '1' });
    assert.equal(result.status, 1);
    assert.equal(result.calls.length, 1);
  });

  it('sends to an endpoint without a model cache, and wraps a schedule in a CronJob', () => {
    const objects = render({
      name: 'nightly',
      batch: { ...batch, endpoint: 'http://ranker:8080', inFlight: 16, force: true, schedule: '30 3 * * *' },
    });
    assert.equal(objects[0].kind, 'CronJob');
    const pod = objects[0].spec.jobTemplate.spec.template.spec;
    const script: string = pod.containers[0].command[2];
    assert.match(script, / --endpoint http:\/\/ranker:8080 .*--concurrency 16 .*--force /);
    assert.doesNotMatch(script, /--cache-dir/);
    assert.deepEqual(
      pod.volumes.map((v: any) => v.name),
      ['tmp'],
    );
  });

  it('quotes only the words sh would split or expand', () => {
    assert.equal(shellQuote('s3://bucket/a-b_c.d@3'), 's3://bucket/a-b_c.d@3');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), `'it'"'"'s'`);
    assert.equal(shellQuote('$HOME'), "'$HOME'");
  });
});
