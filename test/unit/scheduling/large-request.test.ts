import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import type { Tensor, TensorSpec } from '../../../src/core/tensor.js';
import { runInChunks, splitWork, type RunChunk } from '../../../src/scheduling/large-request.js';
import type { ScheduledResult, ScheduledWork } from '../../../src/scheduling/scheduler.js';
import { berthError } from '../../support/store-assertions.js';

const OUT: TensorSpec[] = [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }];

function work(rows: number): ScheduledWork {
  const x: Tensor = {
    name: 'x',
    datatype: 'FP32',
    shape: [rows, 2],
    data: Float32Array.from({ length: rows * 2 }, (_, i) => i),
  };
  return { inputs: new Map([['x', x]]), outputNames: ['y'] };
}

/** Echoes `x` as `y`, so joined rows can be compared with the request's. */
function echo(chunk: ScheduledWork): ScheduledResult {
  const x = chunk.inputs.get('x')!;
  return { outputs: new Map([['y', { ...x, name: 'y' }]]), queueMs: 1, computeMs: 2 };
}

describe('splitWork', () => {
  it('cuts a request into chunks of at most max rows, as views of its data', () => {
    const request = work(10);
    const chunks = splitWork(request, 4);
    assert.deepEqual(
      chunks.map((chunk) => chunk.inputs.get('x')!.shape),
      [
        [4, 2],
        [4, 2],
        [2, 2],
      ],
    );
    const last = chunks[2]!.inputs.get('x')!.data as Float32Array;
    assert.equal(last.buffer, (request.inputs.get('x')!.data as Float32Array).buffer);
    assert.deepEqual([...last], [16, 17, 18, 19]);
  });
});

describe('runInChunks', () => {
  it('joins the chunks in request order, whatever order they finish in', async () => {
    const finish: Array<() => void> = [];
    const run: RunChunk = (chunk) => new Promise((resolve) => finish.push(() => resolve(echo(chunk))));
    const joined = runInChunks(work(5), 2, OUT, run);
    for (const done of finish.reverse()) done();
    const y = (await joined).outputs.get('y')!;
    assert.deepEqual(y.shape, [5, 2]);
    assert.deepEqual([...(y.data as Float32Array)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('fails once with the first cause and aborts the signal the other chunks run under', async () => {
    const signals: AbortSignal[] = [];
    const cause = new BerthError('INFERENCE_FAILED', 'chunk two broke');
    const run: RunChunk = (chunk, signal) => {
      signals.push(signal);
      if (signals.length === 2) return Promise.reject(cause);
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new BerthError('CANCELLED', 'sibling')), {
          once: true,
        }),
      );
    };
    await assert.rejects(runInChunks(work(6), 2, OUT, run), (error) => error === cause);
    assert.equal(signals.length, 3);
    assert.ok(signals.every((signal) => signal.aborted));
  });

  it('aborts the chunks when the caller aborts', async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const run: RunChunk = (_, signal) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new BerthError('CANCELLED', 'queued')), { once: true }),
      );
    };
    const joined = runInChunks(work(4), 2, OUT, run, caller.signal);
    caller.abort();
    await assert.rejects(joined, berthError('CANCELLED'));
    assert.equal(seen?.aborted, true);
  });

  it('fails naming an output that is not one row per input row, rather than answering one chunk', async () => {
    const fixedOut: TensorSpec[] = [{ name: 'y', datatype: 'FP32', shape: [1, 2] }];
    const run: RunChunk = async () => ({
      outputs: new Map([['y', { name: 'y', datatype: 'FP32', shape: [1, 2], data: new Float32Array(2) }]]),
      queueMs: 0,
      computeMs: 0,
    });
    await assert.rejects(
      runInChunks(work(4), 2, fixedOut, run),
      berthError('INFERENCE_FAILED', 'output "y" does not have one row per input row'),
    );
  });
});
