import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBerth } from '../support/run-berth.js';

const berth = (...args: string[]) => runBerth(args, {});

describe('berth predict with a bad input file', () => {
  let base: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-predict-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  // The file is read before any request is sent, so no server is needed (nothing listens on port 9).
  it('names a missing file and what was expected, as INVALID_REQUEST', async () => {
    const missing = join(base, 'request.json');
    const result = await berth('predict', 'http://127.0.0.1:9', 'add', missing);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr.trim(),
      `berth: BERTH_ERR_INVALID_REQUEST: predict input ${JSON.stringify(missing)}: no such file; expected a V2 inference request JSON file, or "-" to read stdin`,
    );
  });

  it('says so when the input is a folder', async () => {
    const result = await berth('predict', 'http://127.0.0.1:9', 'add', base);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^berth: BERTH_ERR_INVALID_REQUEST: predict input ".*": is a folder; expected/,
    );
  });
});
