import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerBatchCommand } from '../../src/cli/batch.js';
import { BerthError } from '../../src/core/errors.js';
import { cudaProviderInstalled } from '../support/cuda-provider.js';
import { ManualClock } from '../support/manual-clock.js';
import { testJsonlFormats } from '../support/test-jsonl-records.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  readOutput,
  referenceOf,
  serveDense,
  writeParts,
  type Served,
} from '../unit/jobs/batch/batch-harness.js';
import { runBerth } from '../support/run-berth.js';

const berthBinary = (...args: string[]) => runBerth(args, {});

/**
 * `berth batch` parsed by commander as the binary does, in-process, so the test JSON Lines
 * formats can stand in for the real ones; stdout and stderr are captured.
 */
async function berthBatch(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const program = new Command('berth').exitOverride();
  registerBatchCommand(program, (exit) => (code = exit), {
    formats: testJsonlFormats(),
    env,
    clock: new ManualClock(),
    wallClock: () => 1_000_000,
    stdout: new Writable({ write: (chunk: Buffer, _e, done) => ((stdout += chunk.toString()), done()) }),
    stderr: new Writable({ write: (chunk: Buffer, _e, done) => ((stderr += chunk.toString()), done()) }),
  });
  await program.parseAsync(['node', 'berth', 'batch', ...args]);
  return { code, stdout, stderr };
}

function assertDense(parts: Map<string, Array<Record<string, unknown>>>, ids: number): void {
  const seen = [...parts.values()].flat();
  assert.deepEqual(
    seen.map((row) => row.id),
    Array.from({ length: ids }, (_, id) => id),
  );
  for (const row of seen) {
    const expected = referenceOf(row.id as number);
    (row.y as number[]).forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-5));
  }
}

describe('berth batch', () => {
  let served: Served;
  let server: TestServer;
  const base = tmpdir();

  before(async () => {
    served = await serveDense();
    server = await startTestServer({
      store: served.fixture.uri,
      models: ['dense'],
      cacheDir: `${served.fixture.cacheDir}-server`,
    });
    // The --endpoint runs need the model READY: on a busy machine the first test can end first.
    await server.loaded;
  });
  after(async () => {
    await server.close();
    await served.close();
  });

  it('runs a model from a store over every part and prints a summary line', async () => {
    const dirs = await writeParts(base, 3, 20);
    try {
      const result = await berthBatch(
        [
          '--input',
          dirs.input,
          '--output',
          dirs.output,
          '--model',
          `${served.fixture.uri}/dense`,
          '--key',
          'id',
        ],
        { BERTH_CACHE_DIR: served.fixture.cacheDir, BERTH_LOG_LEVEL: 'warn' },
      );
      assert.equal(result.code, 0);
      assert.equal(
        result.stdout,
        'batch: 60 rows in, 60 out, 0 rejected, 3 parts (0 skipped), 0.0 s, 60 rows/s, committed (_SUCCESS written)\n',
      );
      assertDense(await readOutput(dirs.output), 60);
      // A second run finds every part finished.
      const again = await berthBatch(
        [
          '--input',
          dirs.input,
          '--output',
          dirs.output,
          '--model',
          `${served.fixture.uri}/dense@1`,
          '--key',
          'id',
        ],
        { BERTH_CACHE_DIR: served.fixture.cacheDir, BERTH_LOG_LEVEL: 'warn' },
      );
      assert.match(again.stdout, /^batch: 0 rows in, 0 out, 0 rejected, 3 parts \(3 skipped\)/);
    } finally {
      await dirs.cleanup();
    }
  });

  it('sends batches to a running server with --endpoint, split over two shards and committed', async () => {
    const dirs = await writeParts(base, 3, 25);
    try {
      const common = ['--input', dirs.input, '--output', dirs.output, '--model', 'dense', '--key', 'id'];
      const endpoint = ['--endpoint', server.url, '--concurrency', '3', '--batch-rows', '7'];
      const env = { BERTH_LOG_LEVEL: 'warn' };
      const first = await berthBatch([...common, ...endpoint, '--shard', '0/2'], env);
      assert.match(first.stdout, /2 parts \(0 skipped\).*not committed/);
      // The second shard speaks the binary tensor extension; its rows must be the same.
      const second = await berthBatch([...common, ...endpoint, '--binary', '--shard', '1/2'], env);
      assert.match(second.stdout, /1 parts \(0 skipped\).*committed \(_SUCCESS written\)/);
      const commit = await berthBatch([
        '--input',
        dirs.input,
        '--output',
        dirs.output,
        '--commit',
        '--shards',
        '2',
      ]);
      assert.equal(commit.stdout, `batch: committed 3 parts to ${new URL(`file://${dirs.output}`).href}\n`);
      assertDense(await readOutput(dirs.output), 75);
      const success = JSON.parse(await readFile(join(dirs.output, '_SUCCESS'), 'utf8')) as {
        rowsOut: number;
      };
      assert.equal(success.rowsOut, 75);
    } finally {
      await dirs.cleanup();
    }
  });

  it('reads one part file as the whole input, writing the output format asked for', async () => {
    const dirs = await writeParts(base, 2, 6);
    try {
      const result = await berthBatch(
        [
          '--input',
          join(dirs.input, 'part-001.jsonl'),
          '--output',
          dirs.output,
          '--output-format',
          'csv',
          '--endpoint',
          server.url,
          '--model',
          'dense@1',
          '--key',
          'id',
        ],
        { BERTH_LOG_LEVEL: 'warn' },
      );
      assert.match(result.stdout, /^batch: 6 rows in, 6 out, 0 rejected, 1 parts/);
      // The test formats write JSON Lines whatever the format; the name follows --output-format.
      const text = await readFile(join(dirs.output, 'part-001.csv'), 'utf8');
      assert.deepEqual(
        text
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { id: number }).id),
        [6, 7, 8, 9, 10, 11],
      );
    } finally {
      await dirs.cleanup();
    }
  });

  it('--commit refuses while parts are missing, naming them, through the real binary', async () => {
    const dirs = await writeParts(base, 2, 3);
    try {
      const result = await berthBinary('batch', '--input', dirs.input, '--output', dirs.output, '--commit');
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^berth: BERTH_ERR_BATCH_INCOMPLETE: .*: 2 of 2 parts are not finished \(part-000\.jsonl, part-001\.jsonl\); run the shards that own them, then commit again/,
      );
    } finally {
      await dirs.cleanup();
    }
  });

  it('--device reaches the model loader: an unusable cuda fails before any part is written', async (t) => {
    if (cudaProviderInstalled()) {
      t.skip('this onnxruntime-node install has its CUDA provider files');
      return;
    }
    const dirs = await writeParts(base, 1, 2);
    try {
      const result = await berthBinary(
        'batch',
        ...[
          '--input',
          dirs.input,
          '--output',
          dirs.output,
          '--model',
          `${served.fixture.uri}/dense`,
          '--device',
          'cuda',
        ],
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^berth: BERTH_ERR_DEVICE_UNAVAILABLE: --device cuda: /);
      await assert.rejects(readdir(dirs.output), { code: 'ENOENT' });
    } finally {
      await dirs.cleanup();
    }
  });

  it('says what a bad --shard should look like', async () => {
    await assert.rejects(
      berthBatch(['--input', base, '--output', join(base, 'never'), '--model', 'x/y', '--shard', '2/2']),
      (error: unknown) =>
        error instanceof BerthError &&
        error.id === 'BATCH_JOB_INVALID' &&
        error.message === '--shard "2/2": expected i/n with 0 <= i < n, e.g. 0/4',
    );
  });
});
