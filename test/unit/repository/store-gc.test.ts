/**
 * `models gc` on the file store: staging folders, unpublished version folders and temp files of
 * dead publishers go once older than the minimum age; published versions and young debris stay.
 * Debris is made the way a killed publisher leaves it (plain fs calls), its mtimes set with utimes,
 * and "now" comes from a ManualClock.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { formatAge } from '../../../src/repository/debris-age.js';
import { gcStore } from '../../../src/repository/model-commands.js';
import { publishVersion } from '../../../src/repository/publish.js';
import { collectStoreGarbage } from '../../../src/repository/store-gc.js';
import type { Debris } from '../../../src/repository/store-gc.js';
import { listPublishedVersions } from '../../../src/repository/versions.js';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import type { ModelStore } from '../../../src/storage/model-store.js';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { ManualClock } from '../../support/manual-clock.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A fixed point in time (ms since the epoch); "now" in these tests is T0 + 2h. */
const T0 = 1_700_000_000_000;
const NOW = T0 + 2 * HOUR;

function clockAt(ms: number): ManualClock {
  const clock = new ManualClock();
  clock.advance(ms);
  return clock;
}

/** Writes files under `root` and sets every file's and folder's mtime under `top` to `ms`. */
async function place(root: string, top: string, files: Record<string, string>, ms: number): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await setTimes(join(root, top), ms);
}

/** Sets the mtime of `path` and (children first) everything under it. */
async function setTimes(path: string, ms: number): Promise<void> {
  if ((await stat(path)).isDirectory()) {
    for (const name of await readdir(path)) await setTimes(join(path, name), ms);
  }
  await utimes(path, ms / 1000, ms / 1000);
}

describe('collectStoreGarbage on the file store', () => {
  let root: { path: string; remove(): Promise<void> };
  let dir: string;
  let store: ModelStore;

  beforeEach(async () => {
    root = await tempFolder('store-gc');
    dir = join(root.path, 'store');
    store = createFileStore(pathToFileURL(dir), {});
    const local = join(root.path, 'local');
    await mkdir(local);
    await writeFile(join(local, 'model.onnx'), 'weights');
    await publishVersion(store, 'm', local, { lineage: {} }); // m/1, published
    await publishVersion(store, 'n', local, { lineage: {} }); // n/1, published
    await setTimes(join(dir, 'm', '1'), T0); // old, and still never touched
    // A killed writer's temp file inside a published version: it is the version's, left alone.
    await place(dir, 'm/1/.berth-tmp-in-published', { 'm/1/.berth-tmp-in-published': 'x' }, T0);
    // Debris of dead publishers, two hours old.
    await place(
      dir,
      'm/.staging-dead',
      { 'm/.staging-dead/model.onnx': 'half', 'm/.staging-dead/sub/a': 'aa' },
      T0,
    );
    await mkdir(join(dir, 'm', '2')); // the file store's claim on a number whose rename never came
    await setTimes(join(dir, 'm', '2'), T0);
    await place(dir, 'm/3', { 'm/3/model.onnx': 'copied' }, T0); // a version folder without MANIFEST.json
    await place(dir, 'm/.berth-tmp-0001', { 'm/.berth-tmp-0001': 'tmp' }, T0);
    await place(dir, '.berth-tmp-0002', { '.berth-tmp-0002': 'root tmp' }, T0);
    await place(dir, 'n/.staging-dead', { 'n/.staging-dead/model.onnx': 'n' }, T0);
    // Young: a publish still running in another process (30 minutes since its last write).
    await place(dir, 'm/.staging-live', { 'm/.staging-live/model.onnx': 'busy' }, NOW - 30 * MINUTE);
    // An old staging folder whose newest file is young: still being written.
    await place(dir, 'n/.staging-writing', { 'n/.staging-writing/big.bin': 'growing' }, T0);
    await utimes(join(dir, 'n/.staging-writing/big.bin'), (NOW - MINUTE) / 1000, (NOW - MINUTE) / 1000);
    // The model folders' own mtimes say nothing about their debris.
    for (const model of ['m', 'n']) await utimes(join(dir, model), NOW / 1000, NOW / 1000);
  });
  afterEach(() => root.remove());

  const summary = (list: readonly Debris[]) =>
    list.map(({ path, kind, bytes, ageMs }) => ({ path, kind, bytes, ageMs }));

  const OLD_DEBRIS = [
    { path: '.berth-tmp-0002', kind: 'temp', bytes: 8, ageMs: 2 * HOUR },
    { path: 'm/.berth-tmp-0001', kind: 'temp', bytes: 3, ageMs: 2 * HOUR },
    { path: 'm/.staging-dead', kind: 'staging', bytes: 6, ageMs: 2 * HOUR },
    { path: 'm/2', kind: 'unpublished', bytes: 0, ageMs: 2 * HOUR },
    { path: 'm/3', kind: 'unpublished', bytes: 6, ageMs: 2 * HOUR },
    { path: 'n/.staging-dead', kind: 'staging', bytes: 1, ageMs: 2 * HOUR },
  ];
  const YOUNG_DEBRIS = [
    { path: 'm/.staging-live', kind: 'staging', bytes: 4, ageMs: 30 * MINUTE },
    { path: 'n/.staging-writing', kind: 'staging', bytes: 7, ageMs: MINUTE },
  ];

  it('a dry run reports old debris and keeps young debris, removing nothing', async () => {
    const reported: string[] = [];
    const result = await collectStoreGarbage(store, {
      dryRun: true,
      clock: clockAt(NOW),
      onRemoved: (debris) => reported.push(debris.path),
    });
    assert.deepEqual(summary(result.removed), OLD_DEBRIS);
    assert.deepEqual(summary(result.kept), YOUNG_DEBRIS);
    assert.deepEqual(
      reported,
      OLD_DEBRIS.map((debris) => debris.path),
    );
    assert.deepEqual((await readdir(join(dir, 'm'))).sort(), [
      '.berth-tmp-0001',
      '.staging-dead',
      '.staging-live',
      '1',
      '2',
      '3',
    ]);
  });

  it('removes debris older than 1 hour; published versions and young debris stay', async () => {
    const result = await collectStoreGarbage(store, { clock: clockAt(NOW) });
    assert.deepEqual(summary(result.removed), OLD_DEBRIS);
    assert.deepEqual((await readdir(dir)).sort(), ['m', 'n']);
    assert.deepEqual((await readdir(join(dir, 'm'))).sort(), ['.staging-live', '1']);
    assert.deepEqual((await readdir(join(dir, 'n'))).sort(), ['.staging-writing', '1']);
    assert.deepEqual((await readdir(join(dir, 'm', '1'))).sort(), [
      '.berth-tmp-in-published',
      'MANIFEST.json',
      'model.onnx',
    ]);
    assert.deepEqual(await listPublishedVersions(store, 'm'), [1]);
  });

  it('a minimum age of 0 removes young debris too, and still no published version', async () => {
    const result = await collectStoreGarbage(store, { clock: clockAt(NOW), minAgeMs: 0 });
    assert.equal(result.removed.length, OLD_DEBRIS.length + YOUNG_DEBRIS.length);
    assert.deepEqual(result.kept, []);
    assert.deepEqual((await readdir(join(dir, 'm'))).sort(), ['1']);
    assert.deepEqual((await readdir(join(dir, 'n'))).sort(), ['1']);
    assert.deepEqual(await listPublishedVersions(store, 'n'), [1]);
  });

  it('a store URI naming one model folder cleans that model', async () => {
    const model = createFileStore(pathToFileURL(join(dir, 'm')), {});
    const result = await collectStoreGarbage(model, { clock: clockAt(NOW) });
    assert.deepEqual(
      result.removed.map((debris) => debris.path),
      ['.berth-tmp-0001', '.staging-dead', '2', '3'],
    );
    assert.deepEqual((await readdir(join(dir, 'n'))).sort(), ['.staging-dead', '.staging-writing', '1']);
  });

  it('gcStore prints each piece of debris with its age and size, then a summary', async () => {
    const lines: string[] = [];
    const uri = pathToFileURL(dir).href;
    const result = await gcStore(
      uri,
      {
        minAgeMs: HOUR,
        dryRun: false,
        onLine: (line) => lines.push(line),
        clock: clockAt(NOW),
      },
      createDefaultStoreRegistry(),
    );
    assert.equal(lines.length, OLD_DEBRIS.length + YOUNG_DEBRIS.length);
    assert.equal(lines[2], `removed\t${uri}/m/.staging-dead\tstaging folder\tage 2h\t6 bytes`);
    assert.equal(lines[3], `removed\t${uri}/m/2\tunpublished version folder\tage 2h\t0 bytes`);
    assert.equal(
      lines.at(-2),
      `kept\t${uri}/m/.staging-live\tstaging folder\tage 30m\t4 bytes\t(younger than 1h)`,
    );
    assert.equal(result.summary, `${uri}: removed 6 (24 bytes); kept 2 younger than 1h`);
  });

  it('gcStore refuses to remove from a read-only store unless it is a dry run', async () => {
    await assert.rejects(
      gcStore(
        'http://127.0.0.1:9/models',
        { minAgeMs: HOUR, dryRun: false, onLine: () => undefined },
        createDefaultStoreRegistry(),
      ),
      berthError('STORE_READ_ONLY', 'http://127.0.0.1:9/models', '--dry-run'),
    );
  });
});

describe('formatAge', () => {
  it('gives the largest unit and the next one when not zero', () => {
    assert.equal(formatAge(0), '0s');
    assert.equal(formatAge(999), '0s');
    assert.equal(formatAge(42_000), '42s');
    assert.equal(formatAge(5 * MINUTE + 10_000), '5m 10s');
    assert.equal(formatAge(2 * HOUR), '2h');
    assert.equal(formatAge(2 * 24 * HOUR + 3 * HOUR + 59 * MINUTE), '2d 3h');
    assert.equal(formatAge(24 * HOUR + 5 * MINUTE), '1d');
  });
});
