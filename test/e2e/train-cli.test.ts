import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { addModel, nanModel } from '../fixtures/onnx/models.js';
import { commitFiles, git, initRepo } from '../support/git-repo.js';
import { goneWithin } from '../support/process-state.js';
import { runBerth } from '../support/run-berth.js';

const BIN = fileURLToPath(new URL('../../../bin/berth.js', import.meta.url));
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

// The trainer: what it does is picked by the `mode` param, so one repository covers every case.
const TRAINER = `
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
const out = process.env.BERTH_OUTPUT_DIR;
const mode = process.env.BERTH_PARAM_MODE;
const params = JSON.parse(readFileSync(process.env.BERTH_PARAMS_FILE, 'utf8'));
const rows = readFileSync(process.env.BERTH_DATA_HOLDOUT, 'utf8').trim().split('\\n').length;
const parts = readdirSync(join(process.env.BERTH_DATA_DIR, 'train')).sort();
console.log('training with', JSON.stringify(params), 'parts', parts.join(','));
if (mode === 'fail') { console.error('loss exploded'); process.exit(3); }
if (mode === 'hang') {
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
  console.log('tree ' + process.pid + ' ' + grandchild.pid);
  setInterval(() => {}, 1000);
} else {
  if (mode === 'good') copyFileSync('model.bin', join(out, 'model.onnx'));
  if (mode === 'nan') copyFileSync('nan.bin', join(out, 'model.onnx'));
  if (mode === 'broken') writeFileSync(join(out, 'model.onnx'), 'half a protobuf');
  if (mode === 'notes') writeFileSync(join(out, 'notes.txt'), 'forgot the model');
  if (mode !== 'empty') {
    mkdirSync(join(out, 'verify'), { recursive: true });
    writeFileSync(join(out, 'verify', 'samples.json'), JSON.stringify({
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
        { name: 'b', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
      ],
      expected_outputs: [{ name: 'sum', data: [2, 3, 4, 5] }],
    }));
    writeFileSync(process.env.BERTH_METRICS_FILE, JSON.stringify({ holdout_rows: rows, auc: 0.75 }));
  }
}
`;

describe('berth train: a git repository, data in a store, the model published with lineage', () => {
  let base: string;
  let repo: string;
  let store: string;
  let tag: string;
  let tmp: string;
  let jobFile: string;
  const env = () => ({ TMPDIR: tmp, BERTH_CACHE_DIR: join(base, 'cache') });
  const train = (...args: string[]) => runBerth(['train', ...args], env());
  const versions = async () => (await readdir(join(store, 'ranker')).catch(() => [] as string[])).sort();

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-train-e2e-'));
    repo = join(base, 'repo');
    store = join(base, 'store');
    tmp = join(base, 'tmp');
    await Promise.all(
      [store, tmp, join(base, 'data', 'clicks')].map((dir) => mkdir(dir, { recursive: true })),
    );
    await writeFile(join(base, 'data', 'clicks', 'part-0.csv'), 'a,b\n1,2\n');
    await writeFile(join(base, 'data', 'clicks', 'part-1.csv'), 'a,b\n3,4\n');
    await writeFile(join(base, 'data', 'holdout.csv'), 'a,b\n5,6\n7,8\n');
    await initRepo(repo);
    await commitFiles(repo, {
      'trainer/train.mjs': TRAINER,
      'trainer/model.bin': addModel(),
      'trainer/nan.bin': nanModel(),
    });
    await git(repo, 'tag', 'v1.0.0');
    tag = await git(repo, 'rev-parse', 'v1.0.0^{commit}');
    await commitFiles(repo, { 'README.md': 'later\n' }, 'a later commit on main');
    jobFile = join(base, 'job.yaml');
    await writeFile(
      jobFile,
      [
        `repo: ${pathToFileURL(repo).href}`,
        'ref: v1.0.0',
        'workdir: trainer',
        `command: [${JSON.stringify(process.execPath)}, train.mjs]`,
        `data: { train: ${JSON.stringify(pathToFileURL(join(base, 'data', 'clicks')).href + '/')}, holdout: ${JSON.stringify(join(base, 'data', 'holdout.csv'))} }`,
        'params: { mode: good, learning_rate: 0.01 }',
        `output: { model: ranker, store: ${JSON.stringify(pathToFileURL(store).href)} }`,
        'timeout: 10m',
        'env: { PYTHONUNBUFFERED: 1 }',
        'verify: { samples: verify/samples.json, tolerance: 1.0e-4 }',
        '',
      ].join('\n'),
    );
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('publishes version 1 then 2, stdout one line each, with the exact commit and data digests', async () => {
    const first = await train(jobFile);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `${pathToFileURL(store).href}/ranker/1\n`);
    assert.match(
      first.stderr,
      /^train\| training with \{"mode":"good","learning_rate":0.01\} parts part-0.csv,part-1.csv$/m,
    );
    const second = await train(jobFile);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `${pathToFileURL(store).href}/ranker/2\n`);
    assert.match(second.stderr, /data holdout: .*, cached\)/); // unchanged data is not downloaded again
    assert.deepEqual(await versions(), ['1', '2']);

    const manifest = JSON.parse(await readFile(join(store, 'ranker', '2', 'MANIFEST.json'), 'utf8'));
    const { lineage } = manifest;
    assert.equal(lineage.kind, 'train');
    assert.equal(lineage.commit, tag);
    assert.equal(lineage.ref, 'v1.0.0');
    assert.equal(lineage.workdir, 'trainer');
    assert.deepEqual(lineage.command, [process.execPath, 'train.mjs']);
    assert.deepEqual(lineage.params, { mode: 'good', learning_rate: 0.01 });
    assert.deepEqual(lineage.metrics, { holdout_rows: 3, auc: 0.75 });
    assert.equal(lineage.data.holdout.sha256, sha256('a,b\n5,6\n7,8\n'));
    assert.equal(lineage.data.holdout.bytes, 12);
    assert.deepEqual(
      lineage.data.train.files.map((file: { path: string; sha256: string }) => [file.path, file.sha256]),
      [
        ['part-0.csv', sha256('a,b\n1,2\n')],
        ['part-1.csv', sha256('a,b\n3,4\n')],
      ],
    );
    assert.ok(Date.parse(lineage.startedAt) <= Date.parse(lineage.finishedAt));
    assert.equal(typeof lineage.host, 'string');
    assert.match(lineage.berthVersion, /^\d+\.\d+\.\d+/);
    const published = manifest.files.map((file: { path: string }) => file.path);
    assert.deepEqual(published, ['metrics.json', 'model.onnx', 'verify/samples.json']);
    // A successful run leaves no run folder behind.
    assert.deepEqual(await runFolders(tmp), []);
  });

  it('berth models show prints the files and lineage; --json prints MANIFEST.json as it is', async () => {
    const shown = await runBerth(['models', 'show', `${pathToFileURL(store).href}/ranker/1`]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^  commit: ${tag}$`, 'm'));
    assert.match(shown.stdout, /^ {2}model.onnx\t\d+ bytes\tsha256 [0-9a-f]{64}$/m);
    assert.match(shown.stdout, new RegExp(`^      sha256: ${sha256('a,b\n5,6\n7,8\n')}$`, 'm'));
    const json = await runBerth(['models', 'show', '--json', `${pathToFileURL(store).href}/ranker@1`]);
    assert.equal(json.stdout, await readFile(join(store, 'ranker', '1', 'MANIFEST.json'), 'utf8'));
  });

  it('flags override the job file, and the command can follow "--"', async () => {
    const result = await train(
      '--repo',
      repo,
      '--ref',
      tag.slice(0, 10),
      '--workdir',
      'trainer',
      '--data',
      `train=${join(base, 'data', 'clicks')}`,
      '--data',
      `holdout=${join(base, 'data', 'holdout.csv')}`,
      '--param',
      'mode=good',
      '--output-model',
      'flagged',
      '--output-store',
      store,
      '--',
      process.execPath,
      'train.mjs',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${pathToFileURL(store).href}/flagged/1\n`);
    const manifest = JSON.parse(await readFile(join(store, 'flagged', '1', 'MANIFEST.json'), 'utf8'));
    assert.equal(manifest.lineage.commit, tag);
  });

  it('--no-publish trains and verifies, prints nothing on stdout and publishes nothing', async () => {
    const before = await versions();
    const result = await train(jobFile, '--no-publish');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(`train: verified, not published \\(--no-publish; commit ${tag}\\)`),
    );
    assert.deepEqual(await versions(), before);
  });

  const failures: Array<[string, string[], RegExp]> = [
    ['an unknown ref', ['--ref', 'v9.9.9'], /BERTH_ERR_TRAIN_REF_NOT_FOUND: ref "v9.9.9"/],
    [
      'an unreachable repo',
      ['--repo', pathToFileURL('/nonexistent/berth/repo').href],
      /BERTH_ERR_TRAIN_REPO_UNREACHABLE/,
    ],
    [
      'a missing data URI',
      ['--data', 'holdout=/nonexistent/holdout.csv'],
      /BERTH_ERR_TRAIN_DATA_NOT_FOUND: data holdout: \/nonexistent\/holdout.csv/,
    ],
    [
      'a workdir not in the checkout',
      ['--workdir', 'nope'],
      /BERTH_ERR_TRAIN_JOB_INVALID: workdir "nope": no such folder/,
    ],
    ['a non-zero exit', ['--param', 'mode=fail'], /BERTH_ERR_TRAIN_COMMAND_FAILED: .*exited with code 3/],
    [
      'a model that does not load',
      ['--param', 'mode=broken'],
      /BERTH_ERR_TRAIN_VERIFY_FAILED: .*does not load/,
    ],
    ['a model answering NaN', ['--param', 'mode=nan'], /BERTH_ERR_TRAIN_VERIFY_FAILED: .*is NaN/],
    [
      'an output folder without a model',
      ['--param', 'mode=notes'],
      /BERTH_ERR_TRAIN_NO_MODEL: .*no model.onnx/,
    ],
    ['an empty output folder', ['--param', 'mode=empty'], /BERTH_ERR_TRAIN_NO_MODEL: .*is empty/],
  ];
  for (const [what, flags, message] of failures) {
    it(`${what}: a clear error, nothing published`, async () => {
      const before = await versions();
      const result = await train(jobFile, ...flags);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.deepEqual(await versions(), before); // no new version, no staging folder
      await assertOnlyLogsLeft(tmp);
    });
  }

  it('a job file with an unknown key: TRAIN_JOB_INVALID naming it, nothing run', async () => {
    const bad = join(base, 'bad-job.yaml');
    await writeFile(bad, `${await readFile(jobFile, 'utf8')}epochs: 5\n`);
    const result = await train(bad);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /BERTH_ERR_TRAIN_JOB_INVALID: .*bad-job.yaml: .*"epochs"/);
    assert.doesNotMatch(result.stderr, /train: fetching/);
  });

  it('SIGTERM mid-run stops the whole trainer tree and publishes nothing', async () => {
    const before = await versions();
    const child = spawn(process.execPath, [BIN, 'train', jobFile, '--param', 'mode=hang'], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const tree = await new Promise<{ trainer: number; grandchild: number }>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /train\| tree (\d+) (\d+)/.exec(stderr);
        if (match) resolve({ trainer: Number(match[1]), grandchild: Number(match[2]) });
      });
      child.once('exit', () => reject(new Error(`berth exited before the trainer started:\n${stderr}`)));
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /BERTH_ERR_TRAIN_INTERRUPTED/);
    assert.equal(stdout, '');
    assert.ok(await goneWithin(tree.trainer), 'tree.trainer is gone');
    assert.ok(await goneWithin(tree.grandchild), 'tree.grandchild is gone');
    assert.deepEqual(await versions(), before);
    await assertOnlyLogsLeft(tmp);
  });
});

/** After a failure, each run folder holds only the trainer's log (when the trainer ran). */
async function assertOnlyLogsLeft(tmp: string): Promise<void> {
  for (const run of await runFolders(tmp)) {
    const left = await readdir(join(tmp, run));
    assert.ok(
      left.length === 0 || (left.length === 1 && left[0] === 'train.log'),
      `${run}: ${left.join(', ')}`,
    );
  }
}

/** The run folders berth train made in the temp folder (other tools put their own files there). */
async function runFolders(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('berth-train-'));
}
