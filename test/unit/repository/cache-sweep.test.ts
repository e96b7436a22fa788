/**
 * The start-up sweep of the local cache: `.partial-*` folders whose newest mtime is older than the
 * minimum age go, each removal logged; younger ones, cached versions and other names stay. Ages come
 * from mtimes set with utimes and a ManualClock, never from the machine's clock.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { sweepPartialFolders } from '../../../src/repository/cache-sweep.js';
import { createModelLocator } from '../../../src/repository/model-locator.js';
import { publishVersion } from '../../../src/repository/publish.js';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { ManualClock } from '../../support/manual-clock.js';
import { tempFolder } from '../../support/store-assertions.js';

const HOUR = 3_600_000;
/** A fixed point in time (ms since the epoch) the fixtures' mtimes are set around. */
const T0 = 1_700_000_000_000;

/** Sets the mtime (and atime) of `path` to `ms` since the epoch. */
function touch(path: string, ms: number): Promise<void> {
  return utimes(path, ms / 1000, ms / 1000);
}

/** A ManualClock standing at `ms` since the epoch. */
function clockAt(ms: number): ManualClock {
  const clock = new ManualClock();
  clock.advance(ms);
  return clock;
}

/** A partial folder holding one file, every mtime set to `fileMs` (file) and `folderMs` (folder). */
async function partial(cacheDir: string, name: string, folderMs: number, fileMs = folderMs): Promise<void> {
  const dir = join(cacheDir, name);
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'sub', 'model.onnx'), 'half a model');
  await touch(join(dir, 'sub', 'model.onnx'), fileMs);
  await touch(join(dir, 'sub'), folderMs);
  await touch(dir, folderMs); // last: writing inside a folder moves its mtime
}

function recordingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}

describe('sweepPartialFolders', () => {
  let root: { path: string; remove(): Promise<void> };
  let cacheDir: string;
  beforeEach(async () => {
    root = await tempFolder('cache-sweep');
    cacheDir = join(root.path, 'cache');
    await mkdir(cacheDir);
    await partial(cacheDir, '.partial-dead', T0);
    await partial(cacheDir, '.partial-live', T0 + 90 * 60_000); // 30 min before "now"
    // An old folder whose file is still being written: its newest mtime is what counts.
    await partial(cacheDir, '.partial-writing', T0, T0 + 110 * 60_000);
    await partial(cacheDir, 'abc-def', T0); // a cached version: never debris
    await writeFile(join(cacheDir, '.partial-file'), 'not a folder');
    await touch(join(cacheDir, '.partial-file'), T0);
  });
  afterEach(() => root.remove());

  it('removes partial folders older than 1 hour by default, logging each, and keeps the rest', async () => {
    const { logger, records } = recordingLogger();
    const swept = await sweepPartialFolders(cacheDir, { clock: clockAt(T0 + 2 * HOUR), logger });
    assert.deepEqual(
      swept.map(({ path, ageMs }) => ({ path, ageMs })),
      [{ path: join(cacheDir, '.partial-dead'), ageMs: 2 * HOUR }],
    );
    assert.deepEqual((await readdir(cacheDir)).sort(), [
      '.partial-file',
      '.partial-live',
      '.partial-writing',
      'abc-def',
    ]);
    const removals = records.filter((record) => record.msg?.toString().startsWith('removed a partial'));
    assert.deepEqual(
      removals.map((record) => [record.path, record.ageMs]),
      [[join(cacheDir, '.partial-dead'), 2 * HOUR]],
    );
  });

  it('takes the minimum age it is given', async () => {
    const clock = clockAt(T0 + 2 * HOUR);
    assert.deepEqual(await sweepPartialFolders(cacheDir, { clock, minAgeMs: 3 * HOUR }), []);
    const swept = await sweepPartialFolders(cacheDir, { clock, minAgeMs: 5 * 60_000 });
    assert.deepEqual(swept.map((folder) => folder.path).sort(), [
      join(cacheDir, '.partial-dead'),
      join(cacheDir, '.partial-live'),
      join(cacheDir, '.partial-writing'),
    ]);
    assert.deepEqual((await readdir(cacheDir)).sort(), ['.partial-file', 'abc-def']);
  });

  it('a missing cache folder is nothing to sweep', async () => {
    assert.deepEqual(await sweepPartialFolders(join(root.path, 'none'), { clock: clockAt(T0) }), []);
  });
});

describe('createModelLocator', () => {
  it('sweeps the cache folder once, before its first pull', async () => {
    const root = await tempFolder('locator-sweep');
    try {
      const local = join(root.path, 'local');
      await mkdir(local);
      await writeFile(join(local, 'model.onnx'), 'weights');
      const storeUri = pathToFileURL(join(root.path, 'store')).href;
      await publishVersion(createDefaultStoreRegistry().resolve(storeUri), 'm', local, { lineage: {} });
      const cacheDir = join(root.path, 'cache');
      await mkdir(cacheDir);
      await partial(cacheDir, '.partial-dead', T0);
      const { logger, records } = recordingLogger();
      const wallClock = clockAt(T0 + 2 * HOUR);
      const locate = createModelLocator({
        stores: createDefaultStoreRegistry(),
        cacheDir,
        logger,
        wallClock,
      });
      assert.ok((await readdir(cacheDir)).includes('.partial-dead'), 'creating a locator touches no disk');
      const located = await locate({ storeUri, name: 'm' });
      assert.equal(located.version, 1);
      const names = await readdir(cacheDir);
      assert.ok(!names.includes('.partial-dead'), names.join(', '));
      // A partial folder that appears later (another process downloading) is not the first pull's concern.
      await partial(cacheDir, '.partial-later', T0);
      await locate({ storeUri, name: 'm' });
      assert.ok((await readdir(cacheDir)).includes('.partial-later'));
      assert.equal(records.filter((record) => String(record.msg).startsWith('removed a partial')).length, 1);
    } finally {
      await root.remove();
    }
  });

  it('ages partial folders against the minimum age it is given', async () => {
    const root = await tempFolder('locator-sweep-young');
    try {
      const cacheDir = join(root.path, 'cache');
      await mkdir(cacheDir);
      await partial(cacheDir, '.partial-live', T0);
      await partial(cacheDir, '.partial-older', T0 - 2 * HOUR);
      const locate = createModelLocator({
        stores: createDefaultStoreRegistry(),
        cacheDir,
        logger: pino({ level: 'silent' }),
        wallClock: clockAt(T0 + 2 * HOUR),
        partialMinAgeMs: 3 * HOUR,
      });
      const storeUri = pathToFileURL(join(root.path, 'store')).href;
      await assert.rejects(locate({ storeUri, name: 'm' })); // no such model; the sweep ran first
      assert.deepEqual(await readdir(cacheDir), ['.partial-live']);
    } finally {
      await root.remove();
    }
  });
});
