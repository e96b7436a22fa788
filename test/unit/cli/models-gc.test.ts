/** `berth models gc` through the CLI entry point: flags reach the command, bad durations name the flag. */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { pathToFileURL } from 'node:url';
import { main } from '../../../src/cli/main.js';
import { tempFolder } from '../../support/store-assertions.js';

/** Runs the CLI as bin/berth.js does (argv as node passes it). */
const berth = (args: string[]): Promise<number> => main(['node', 'berth', ...args]);

describe('berth models gc', () => {
  let root: { path: string; remove(): Promise<void> };
  let out: string[];
  let err: string[];
  beforeEach(async () => {
    root = await tempFolder('cli-gc');
    // Debris written just now: only --min-age 0 takes it.
    await mkdir(join(root.path, 'm', '.staging-dead'), { recursive: true });
    await writeFile(join(root.path, 'm', '.staging-dead', 'model.onnx'), 'half');
    out = [];
    err = [];
    mock.method(console, 'log', (line: string) => out.push(line));
    mock.method(console, 'error', (line: string) => err.push(line));
  });
  afterEach(async () => {
    mock.restoreAll();
    await root.remove();
  });

  it('--dry-run lists, and --min-age 0 removes what is younger than the default', async () => {
    const uri = pathToFileURL(root.path).href;
    assert.equal(await berth(['models', 'gc', uri]), 0);
    assert.equal(out.length, 2);
    assert.equal(
      out[0]?.replace(/age \d+s/, 'age Ns'),
      `kept\t${uri}/m/.staging-dead\tstaging folder\tage Ns\t4 bytes\t(younger than 1h)`,
    );
    out.length = 0;
    assert.equal(await berth(['models', 'gc', uri, '--min-age', '0', '--dry-run']), 0);
    assert.match(out[0] ?? '', /^would remove\t.*\/m\/\.staging-dead\tstaging folder\t/);
    assert.match(
      out.at(-1) ?? '',
      /would remove 1 \(4 bytes\); kept 0 younger than 0s \(dry run: nothing removed\)$/,
    );
    assert.deepEqual(await readdir(join(root.path, 'm')), ['.staging-dead']);
    assert.equal(await berth(['models', 'gc', uri, '--min-age', '0']), 0);
    assert.deepEqual(await readdir(join(root.path, 'm')), []);
  });

  it('a bad --min-age fails with INVALID_REQUEST naming the flag and the value', async () => {
    const uri = pathToFileURL(root.path).href;
    assert.equal(await berth(['models', 'gc', uri, '--min-age', '1hour']), 1);
    assert.equal(err.length, 1);
    assert.match(err[0] ?? '', /BERTH_ERR_INVALID_REQUEST: --min-age "1hour": expected a duration/);
    assert.deepEqual(await readdir(join(root.path, 'm')), ['.staging-dead']);
  });
});
