import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { folderDigest, stageData, type StagedData } from '../../../../src/jobs/train/stage-data.js';
import { createDefaultStoreRegistry } from '../../../../src/storage/store-registry.js';

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('stageData over the file store', () => {
  let base: string;
  let runs = 0;
  const stores = createDefaultStoreRegistry();
  const stage = async (data: Record<string, string>) => {
    const events: Array<[string, boolean]> = [];
    const dataDir = join(base, `run-${(runs += 1)}`, 'data');
    const staged = await stageData(stores, data, {
      cacheDir: join(base, 'cache'),
      dataDir,
      onStaged: (name, _data, reused) => events.push([name, reused]),
    });
    return { staged, events, dataDir };
  };

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-stage-'));
    await mkdir(join(base, 'store', 'clicks', 'day=1'), { recursive: true });
    await writeFile(join(base, 'store', 'clicks', 'part-0.csv'), 'a,b\n1,2\n');
    await writeFile(join(base, 'store', 'clicks', 'day=1', 'part-1.csv'), 'a,b\n3,4\n');
    await writeFile(join(base, 'store', 'holdout.csv'), 'a,b\n5,6\n');
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('a folder stays a folder and a file a file, each file with its sha256, in the data folder', async () => {
    const storeUri = pathToFileURL(join(base, 'store')).href;
    const { staged, events, dataDir } = await stage({
      train: `${storeUri}/clicks/`,
      holdout: join(base, 'store', 'holdout.csv'),
    });
    assert.deepEqual(events, [
      ['train', false],
      ['holdout', false],
    ]);
    const train = staged.train as StagedData;
    assert.deepEqual(train.files, [
      { path: 'day=1/part-1.csv', size: 8, sha256: sha256('a,b\n3,4\n') },
      { path: 'part-0.csv', size: 8, sha256: sha256('a,b\n1,2\n') },
    ]);
    assert.equal(train.bytes, 16);
    assert.equal(train.sha256, folderDigest(train.files));
    // The folder digest is what `sha256sum` lines hash to, so it can be checked without Berth.
    const lines = train.files.map((file) => `${file.sha256}  ${file.path}\n`).join('');
    assert.equal(train.sha256, sha256(lines));
    assert.deepEqual(staged.holdout, {
      uri: join(base, 'store', 'holdout.csv'),
      bytes: 8,
      sha256: sha256('a,b\n5,6\n'),
      files: [{ path: 'holdout.csv', size: 8, sha256: sha256('a,b\n5,6\n') }],
    });
    assert.equal(await readFile(join(dataDir, 'holdout'), 'utf8'), 'a,b\n5,6\n');
    assert.equal(await readFile(join(dataDir, 'train', 'day=1', 'part-1.csv'), 'utf8'), 'a,b\n3,4\n');
    assert.deepEqual((await readdir(dataDir)).sort(), ['holdout', 'train']);
  });

  it('a rerun over unchanged data reuses the cache; a changed file is downloaded again', async () => {
    const uri = join(base, 'store', 'holdout.csv');
    const first = await stage({ holdout: uri });
    const again = await stage({ holdout: uri });
    assert.deepEqual(again.events, [['holdout', true]]);
    assert.deepEqual(again.staged, first.staged);
    await writeFile(uri, 'a,b\n7,8,9\n');
    const changed = await stage({ holdout: uri });
    assert.deepEqual(changed.events, [['holdout', false]]);
    assert.equal(changed.staged.holdout?.sha256, sha256('a,b\n7,8,9\n'));
    assert.equal(await readFile(join(changed.dataDir, 'holdout'), 'utf8'), 'a,b\n7,8,9\n');
    // No partial download folder is left in the cache.
    const cache = await readdir(join(base, 'cache', 'data'));
    assert.equal(cache.filter((name) => name.startsWith('.partial-')).length, 0);
    assert.ok((await lstat(join(changed.dataDir, 'holdout'))).isSymbolicLink());
  });

  it('a missing URI is TRAIN_DATA_NOT_FOUND naming the data name and URI', async () => {
    const uri = pathToFileURL(join(base, 'store', 'nope', 'day=9')).href;
    await assert.rejects(stage({ eval: uri }), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'TRAIN_DATA_NOT_FOUND');
      assert.equal(error.message, `data eval: ${uri} does not exist; expected a file or folder in the store`);
      return true;
    });
  });
});
