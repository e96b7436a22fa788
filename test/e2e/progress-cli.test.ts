/**
 * The real `berth` binary's progress output: a summary line on stderr, the result alone on stdout,
 * and (stderr being a pipe here, not a terminal) plain lines without any ANSI escape.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { addModel } from '../fixtures/onnx/models.js';
import { runBerth } from '../support/run-berth.js';

// eslint-disable-next-line no-control-regex
const ESC = /\x1b/;

describe('berth models push | pull progress on stderr', () => {
  let base: string;
  let source: string;
  let storeUri: string;
  let size: number;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-progress-'));
    source = join(base, 'source');
    await mkdir(source, { recursive: true });
    await mkdir(join(base, 'store'));
    await writeFile(join(source, 'model.onnx'), addModel());
    await writeFile(join(source, 'berth.yaml'), 'max_batch_size: 4\n');
    size = addModel().byteLength + 'max_batch_size: 4\n'.length;
    storeUri = pathToFileURL(join(base, 'store')).href;
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('push and pull end with one summary line on stderr; stdout holds only the result', async () => {
    const pushed = await runBerth(['models', 'push', source, `${storeUri}/adder`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout, `published ${storeUri}/adder/1 (2 files, ${size} bytes)\n`);
    assert.match(
      pushed.stderr,
      new RegExp(
        `^pushed ${storeUri}/adder/1: \\d+(\\.\\d)? (B|KiB), 2 files in \\d+(\\.\\d s| ms) \\(.+\\)$`,
        'm',
      ),
    );
    assert.doesNotMatch(pushed.stderr, ESC);

    const target = join(base, 'pulled');
    const pulled = await runBerth(['models', 'pull', `${storeUri}/adder@1`, target]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout, `pulled ${storeUri}/adder/1 into ${target} (${size} bytes)\n`);
    assert.match(
      pulled.stderr,
      new RegExp(
        `^pulled ${storeUri}/adder/1: \\d+(\\.\\d)? (B|KiB), 2 files in \\d+(\\.\\d s| ms) \\(.+\\)$`,
        'm',
      ),
    );
    assert.doesNotMatch(pulled.stderr, ESC);
  });

  it('a pull that fails part-way says so on stderr, and stdout stays empty', async () => {
    // Same size, other bytes: the download runs, then the digest check fails.
    const file = join(base, 'store', 'adder', '1', 'model.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const failed = await runBerth(['models', 'pull', `${storeUri}/adder@1`, join(base, 'corrupt')]);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.match(failed.stderr, /^pull .*adder@1: failed after \d+(\.\d s| ms) \(.+ of .+ moved\)$/m);
    assert.match(failed.stderr, /^berth: BERTH_ERR_\w+: /m);
    assert.doesNotMatch(failed.stderr, /^pulled /m);
    assert.doesNotMatch(failed.stderr, ESC);
  });
});
