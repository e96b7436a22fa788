import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { runBatchJob } from '../../../../src/jobs/batch/batch-runner.js';
import type { SuccessFile } from '../../../../src/jobs/batch/commit-output.js';
import { parseFeatures, parseRejectLimit } from '../../../../src/jobs/batch/job-options.js';
import { servingPredictor } from '../../../../src/jobs/batch/serving-predictor.js';
import {
  featuresOf,
  jobDeps,
  jobSpec,
  readOutput,
  referenceOf,
  serveDense,
  writeParts,
  type Served,
} from './batch-harness.js';

/** Every output row by id; fails on a duplicate id. */
function byId(parts: Map<string, Array<Record<string, unknown>>>): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (const part of parts.values()) {
    for (const row of part) {
      const id = row.id as number;
      assert.ok(!rows.has(id), `id ${id} appears twice`);
      rows.set(id, row.y as number[]);
    }
  }
  return rows;
}

function assertPredictions(rows: Map<number, number[]>, ids: number, outFeatures = 3): void {
  assert.deepEqual(
    [...rows.keys()].sort((a, b) => a - b),
    Array.from({ length: ids }, (_, id) => id),
  );
  for (const [id, values] of rows) {
    const expected = referenceOf(id, outFeatures);
    const got = Array.isArray(values) ? values : [values];
    assert.equal(got.length, expected.length);
    got.forEach((value, i) =>
      assert.ok(Math.abs(value - expected[i]!) < 1e-5, `id ${id}[${i}]: ${value} vs ${expected[i]}`),
    );
  }
}

async function successOf(output: string): Promise<SuccessFile> {
  return JSON.parse(await readFile(join(output, '_SUCCESS'), 'utf8')) as SuccessFile;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('runBatchJob over the serving core', () => {
  let served: Served;
  const base = tmpdir();

  before(async () => {
    served = await serveDense();
  });
  after(() => served.close());

  it('predicts every row as the reference does, part by part and in row order', async () => {
    const dirs = await writeParts(base, 3, 37);
    try {
      const deps = jobDeps(served.predictor);
      const summary = await runBatchJob(jobSpec(dirs), deps);
      assert.equal(summary.rowsIn, 111);
      assert.equal(summary.rowsOut, 111);
      assert.equal(summary.rowsRejected, 0);
      assert.equal(summary.committed, true);
      const parts = await readOutput(dirs.output);
      assert.deepEqual([...parts.keys()], ['part-000.jsonl', 'part-001.jsonl', 'part-002.jsonl']);
      // Part N of the input is part N of the output, its rows in input order.
      [...parts.values()].forEach((rows, part) =>
        assert.deepEqual(
          rows.map((row) => row.id),
          Array.from({ length: 37 }, (_, i) => part * 37 + i),
        ),
      );
      assertPredictions(byId(parts), 111);
      const success = await successOf(dirs.output);
      assert.deepEqual(
        success.parts.map((part) => [part.part, part.rowsIn, part.rowsOut, part.shard]),
        [
          ['part-000.jsonl', 37, 37, '0/1'],
          ['part-001.jsonl', 37, 37, '0/1'],
          ['part-002.jsonl', 37, 37, '0/1'],
        ],
      );
      assert.equal(success.rowsOut, 111);
      assert.equal(deps.formats.opened.includes('.hidden.jsonl'), false);
      assert.equal(await exists(join(dirs.output, '_locks', '0-of-1.json')), false, 'the lease is released');
      assert.equal(await exists(join(dirs.output, '_temporary')), false);
    } finally {
      await dirs.cleanup();
    }
  });

  it('keeps --in-flight batches being predicted at once, never more, and writes them in order', async () => {
    const dirs = await writeParts(base, 1, 50);
    try {
      const inner = served.predictor;
      const held: Array<() => void> = [];
      let running = 0;
      let most = 0;
      let sourceDone = false;
      const releaseAll = (): void => held.splice(0).forEach((release) => release());
      // Each call is held until three are waiting (or the part has no more batches), so the
      // window is seen at its fullest whatever the speed of the machine.
      const predictor = {
        ...inner,
        infer: async (...args: Parameters<typeof inner.infer>) => {
          running += 1;
          most = Math.max(most, running);
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length >= 3 || sourceDone) releaseAll();
          });
          try {
            return await inner.infer(...args);
          } finally {
            running -= 1;
          }
        },
      };
      const deps = jobDeps(predictor);
      const openSource = deps.formats.openSource.bind(deps.formats);
      deps.formats.openSource = (store, path, format) => {
        const source = openSource(store, path, format);
        return {
          schema: () => source.schema(),
          async *batches(options) {
            yield* source.batches(options);
            sourceDone = true;
            releaseAll();
          },
        };
      };
      const summary = await runBatchJob(jobSpec(dirs, { batchRows: 4, inFlight: 3 }), deps);
      assert.equal(summary.rowsOut, 50);
      assert.equal(most, 3);
      assert.deepEqual(
        (await readOutput(dirs.output)).get('part-000.jsonl')?.map((row) => row.id),
        Array.from({ length: 50 }, (_, id) => id),
      );
    } finally {
      await dirs.cleanup();
    }
  });

  it('fails the job with the first failed batch, committing nothing of that part', async () => {
    const dirs = await writeParts(base, 2, 12);
    try {
      let calls = 0;
      const inner = served.predictor;
      const predictor = {
        ...inner,
        infer: async (...args: Parameters<typeof inner.infer>) => {
          calls += 1;
          // The second part's second batch fails while later batches are in flight.
          if (calls === 5) throw new BerthError('INFERENCE_FAILED', 'boom');
          return inner.infer(...args);
        },
      };
      await assert.rejects(
        runBatchJob(jobSpec(dirs, { batchRows: 4, inFlight: 2 }), jobDeps(predictor)),
        (error: unknown) => error instanceof BerthError && error.id === 'INFERENCE_FAILED',
      );
      assert.equal(await exists(join(dirs.output, '_parts', 'part-000.json')), true, 'a finished part stays');
      assert.equal(await exists(join(dirs.output, 'part-001.jsonl')), false);
      assert.equal(await exists(join(dirs.output, '_parts', 'part-001.json')), false);
      assert.equal(await exists(join(dirs.output, '_SUCCESS')), false);
      assert.equal(await exists(join(dirs.output, '_locks', '0-of-1.json')), false);
      const rerun = await runBatchJob(jobSpec(dirs), jobDeps(served.predictor));
      assert.equal(rerun.partsSkipped, 1);
      assertPredictions(byId(await readOutput(dirs.output)), 24);
    } finally {
      await dirs.cleanup();
    }
  });

  it('two shards and their commit give the same rows as one run, with no duplicates', async () => {
    const dirs = await writeParts(base, 5, 9);
    const single = await writeParts(base, 5, 9);
    try {
      const first = await runBatchJob(
        jobSpec(dirs, { shard: { index: 0, count: 2 } }),
        jobDeps(served.predictor),
      );
      assert.equal(first.parts, 3); // parts 0, 2, 4
      assert.equal(first.committed, false);
      assert.equal(await exists(join(dirs.output, '_SUCCESS')), false);
      const second = await runBatchJob(
        jobSpec(dirs, { shard: { index: 1, count: 2 } }),
        jobDeps(served.predictor),
      );
      assert.equal(second.parts, 2);
      assert.equal(second.committed, true, 'the last shard commits');
      await runBatchJob(jobSpec(single), jobDeps(served.predictor));
      const sharded = await readOutput(dirs.output);
      assert.deepEqual(sharded, await readOutput(single.output));
      assertPredictions(byId(sharded), 45);
      const success = await successOf(dirs.output);
      assert.deepEqual(
        success.parts.map((part) => part.shard),
        ['0/2', '1/2', '0/2', '1/2', '0/2'],
      );
      const one = await successOf(single.output);
      assert.deepEqual(
        success.parts.map((part) => part.sha256),
        one.parts.map((part) => part.sha256),
      );
    } finally {
      await dirs.cleanup();
      await single.cleanup();
    }
  });

  it('a rerun after a kill redoes only unfinished parts, with no key missing or twice', async () => {
    const dirs = await writeParts(base, 4, 10);
    try {
      await runBatchJob(jobSpec(dirs), jobDeps(served.predictor));
      // What a kill at different moments leaves: a part never renamed (only its temp file), a
      // part renamed but without its marker, and a run's lease file it never released.
      await rm(join(dirs.output, '_SUCCESS'));
      await rm(join(dirs.output, 'part-001.jsonl'));
      await rm(join(dirs.output, '_parts', 'part-001.json'));
      await mkdir(join(dirs.output, '_temporary', 'killed-run'), { recursive: true });
      await writeFile(join(dirs.output, '_temporary', 'killed-run', 'part-001.jsonl'), '{"id": 10, "y": [0');
      await rm(join(dirs.output, '_parts', 'part-003.json'));
      await writeFile(join(dirs.output, 'part-003.jsonl'), '{"id": 30}\n');
      const deps = jobDeps(served.predictor);
      const summary = await runBatchJob(jobSpec(dirs), deps);
      assert.equal(summary.partsSkipped, 2);
      assert.deepEqual(deps.formats.opened, ['part-001.jsonl', 'part-003.jsonl']);
      assert.equal(summary.committed, true);
      assertPredictions(byId(await readOutput(dirs.output)), 40);
      assert.equal(await exists(join(dirs.output, '_temporary')), false, 'commit clears temp debris');
      // --force redoes every part.
      const forced = jobDeps(served.predictor);
      await runBatchJob(jobSpec(dirs, { force: true }), forced);
      assert.equal(forced.formats.opened.length, 4);
      assertPredictions(byId(await readOutput(dirs.output)), 40);
    } finally {
      await dirs.cleanup();
    }
  });

  it('refuses an output shard another live run holds, and takes over a stale lease', async () => {
    const dirs = await writeParts(base, 1, 5);
    try {
      await mkdir(join(dirs.output, '_locks'), { recursive: true });
      const lock = join(dirs.output, '_locks', '0-of-1.json');
      await writeFile(lock, JSON.stringify({ runId: 'other-run', heartbeatMs: 1_000_000 - 30_000 }));
      await assert.rejects(
        runBatchJob(jobSpec(dirs), jobDeps(served.predictor)),
        (error: unknown) =>
          error instanceof BerthError &&
          error.id === 'BATCH_OUTPUT_LOCKED' &&
          /held by run other-run \(last heartbeat 30 s ago\)/.test(error.message),
      );
      assert.equal(await exists(join(dirs.output, 'part-000.jsonl')), false);
      assert.match(await readFile(lock, 'utf8'), /other-run/, 'the holder keeps its lease');
      // Another shard's lease is no obstacle: shards share an output.
      const otherShard = await runBatchJob(
        jobSpec(dirs, { shard: { index: 0, count: 2 } }),
        jobDeps(served.predictor),
      );
      assert.equal(otherShard.rowsOut, 5);
      // Past the TTL without a heartbeat, the lease is stale and taken over.
      const late = await runBatchJob(
        jobSpec(dirs, { lockTtlMs: 10_000, force: true }),
        jobDeps(served.predictor),
      );
      assert.equal(late.rowsOut, 5);
      assert.equal(await exists(lock), false);
    } finally {
      await dirs.cleanup();
    }
  });

  it('stops a run whose lease was taken over before it commits another part', async () => {
    const dirs = await writeParts(base, 2, 5);
    try {
      const lock = join(dirs.output, '_locks', '0-of-1.json');
      let stolen = false;
      const deps = jobDeps(served.predictor, {
        onProgress: () => {
          if (stolen) return;
          stolen = true;
          // Simulates a takeover: another run's id is in the lease file now.
          void rm(lock).then(() =>
            writeFile(lock, JSON.stringify({ runId: 'thief', heartbeatMs: 1_000_000 })),
          );
        },
      });
      await assert.rejects(runBatchJob(jobSpec(dirs, { batchRows: 2 }), deps), (error: unknown) => {
        return (
          error instanceof BerthError &&
          error.id === 'BATCH_OUTPUT_LOCKED' &&
          /lost its lease/.test(error.message)
        );
      });
      assert.equal(await exists(join(dirs.output, '_parts', 'part-000.json')), false);
      assert.match(await readFile(lock, 'utf8'), /thief/);
    } finally {
      await dirs.cleanup();
    }
  });

  it('writes rows that cannot become tensors to the rejects file and sends the rest', async () => {
    const dirs = await writeParts(base, 1, 0);
    try {
      const rows = [
        { id: 0, x: featuresOf(0) },
        { id: 1, x: [1, 2, 3] },
        { id: 2 },
        { id: 3, x: [1, 'two', 3, 4] },
        { id: 4, x: featuresOf(4) },
        { id: 5, x: 7 },
      ];
      await writeFile(join(dirs.input, 'part-000.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
      const summary = await runBatchJob(jobSpec(dirs), jobDeps(served.predictor));
      assert.deepEqual([summary.rowsIn, summary.rowsOut, summary.rowsRejected], [6, 2, 4]);
      const rejects = (await readFile(join(dirs.output, '_rejects', 'part-000.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
      assert.deepEqual(rejects, [
        { row: 1, keys: { id: 1 }, reason: 'column "x" holds a list of 3 values, expected 4' },
        { row: 2, keys: { id: 2 }, reason: 'column "x" is null' },
        { row: 3, keys: { id: 3 }, reason: 'column "x"[1] holds text, expected a number' },
        { row: 5, keys: { id: 5 }, reason: 'column "x" holds a single value, expected a list of 4' },
      ]);
      const output = await readOutput(dirs.output);
      assert.deepEqual(
        output.get('part-000.jsonl')?.map((row) => row.id),
        [0, 4],
      );
      assert.equal((await successOf(dirs.output)).parts[0]?.rowsRejected, 4);
    } finally {
      await dirs.cleanup();
    }
  });

  it('fails with TOO_MANY_REJECTS past --max-rejects, keeping the rejects and committing nothing', async () => {
    const dirs = await writeParts(base, 1, 0);
    try {
      const rows = [{ id: 0, x: featuresOf(0) }, { id: 1 }, { id: 2 }, { id: 3, x: featuresOf(3) }];
      await writeFile(join(dirs.input, 'part-000.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
      await assert.rejects(
        runBatchJob(jobSpec(dirs, { maxRejects: parseRejectLimit('1') }), jobDeps(served.predictor)),
        (error: unknown) =>
          error instanceof BerthError &&
          error.id === 'TOO_MANY_REJECTS' &&
          error.message ===
            '2 of 4 rows rejected (50.00%) by part part-000.jsonl, more than --max-rejects 1 rows; first reason: column "x" is null; see _rejects/ in the output',
      );
      assert.equal(await exists(join(dirs.output, 'part-000.jsonl')), false);
      assert.equal(await exists(join(dirs.output, '_SUCCESS')), false);
      assert.equal(
        (await readFile(join(dirs.output, '_rejects', 'part-000.jsonl'), 'utf8')).split('\n').length,
        3,
      );
      await assert.rejects(
        runBatchJob(jobSpec(dirs, { maxRejects: parseRejectLimit('40%') }), jobDeps(served.predictor)),
        (error: unknown) => error instanceof BerthError && error.id === 'TOO_MANY_REJECTS',
      );
      const summary = await runBatchJob(
        jobSpec(dirs, { maxRejects: parseRejectLimit('50%') }),
        jobDeps(served.predictor),
      );
      assert.equal(summary.rowsOut, 2);
    } finally {
      await dirs.cleanup();
    }
  });

  it('gathers scalar columns into one input with --features and writes a [-1, 1] output as a scalar', async () => {
    const dirs = await writeParts(base, 1, 0);
    try {
      const lines = Array.from({ length: 20 }, (_, id) => {
        const x = featuresOf(id);
        return JSON.stringify({ id, f0: x[0], f1: x[1], f2: x[2], f3: x[3] });
      });
      await writeFile(join(dirs.input, 'part-000.jsonl'), lines.join('\n'));
      const predictor = await servingPredictor(served.core, 'dense1');
      await runBatchJob(jobSpec(dirs, { features: [parseFeatures('f0..f3')] }), jobDeps(predictor));
      const rows = (await readOutput(dirs.output)).get('part-000.jsonl') ?? [];
      assert.equal(rows.length, 20);
      for (const row of rows) {
        assert.equal(typeof row.y, 'number', 'a [-1, 1] output is a scalar column');
        assert.ok(Math.abs((row.y as number) - referenceOf(row.id as number, 1)[0]!) < 1e-5);
      }
    } finally {
      await dirs.cleanup();
    }
  });
});
