import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { addModel } from '../fixtures/onnx/models.js';
import { runBerth } from '../support/run-berth.js';

const berth = (...args: string[]) => runBerth(args, {});

describe('berth models push | ls | pull | rm on a file store', () => {
  let base: string;
  let source: string;
  let storeUri: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-cli-'));
    source = join(base, 'source');
    await Promise.all([source, join(base, 'store')].map((dir) => mkdir(dir, { recursive: true })));
    await writeFile(join(source, 'model.onnx'), addModel());
    await writeFile(join(source, 'berth.yaml'), 'max_batch_size: 4\n');
    storeUri = pathToFileURL(join(base, 'store')).href;
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('pushes versions 1 and 2, and concurrent pushes get distinct versions', async () => {
    const first = await berth('models', 'push', source, `${storeUri}/adder`, '--lineage', 'git=abc123');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /published .*adder\/1 \(2 files/);
    const pushes = await Promise.all(
      [1, 2, 3].map(() => berth('models', 'push', source, `${storeUri}/adder`)),
    );
    const versions = pushes.map((push) => /adder\/(\d+)/.exec(push.stdout)?.[1]).sort();
    assert.deepEqual(versions, ['2', '3', '4']);
    const manifest = JSON.parse(await readFile(join(base, 'store', 'adder', '1', 'MANIFEST.json'), 'utf8'));
    assert.deepEqual(manifest.lineage, { git: 'abc123' });
  });

  it('lists models and versions', async () => {
    const models = await berth('models', 'ls', storeUri);
    assert.match(models.stdout, /^adder\tversions: 1, 2, 3, 4$/m);
    const versions = await berth('models', 'ls', `${storeUri}/adder`);
    assert.equal(versions.stdout.trim().split('\n').length, 4);
    assert.match(versions.stdout, /^1\t\S+\t3 files|^1\t\S+\t2 files/m);
  });

  it('pulls a pinned version into a new folder, verified', async () => {
    const target = join(base, 'pulled');
    const pulled = await berth('models', 'pull', `${storeUri}/adder@2`, target);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual((await readFile(join(target, 'model.onnx'))).equals(Buffer.from(addModel())), true);
    const again = await berth('models', 'pull', `${storeUri}/adder@2`, target);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('removes a version, and refuses to remove one that is not published', async () => {
    const removed = await berth('models', 'rm', `${storeUri}/adder@1`);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual((await readdir(join(base, 'store', 'adder'))).sort(), ['2', '3', '4']);
    const missing = await berth('models', 'rm', `${storeUri}/adder@9`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /BERTH_ERR_NO_PUBLISHED_VERSION: .*adder\/9/);
  });

  it('pushing a folder that does not exist fails with a clear line', async () => {
    const result = await berth('models', 'push', join(base, 'nope'), `${storeUri}/adder`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^berth: BERTH_ERR_INVALID_REQUEST: .*nope: not a folder/m);
  });

  it('a --lineage value without key=value fails with a clear line and publishes nothing', async () => {
    for (const value of ['no-equals', '=abc']) {
      const result = await berth('models', 'push', source, `${storeUri}/lineage`, '--lineage', value);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr.trim(),
        `berth: BERTH_ERR_INVALID_REQUEST: --lineage "${value}": expected key=value with a non-empty key, e.g. --lineage git_sha=3f2a9c1`,
      );
    }
    await assert.rejects(readdir(join(base, 'store', 'lineage')), { code: 'ENOENT' });
  });
});
