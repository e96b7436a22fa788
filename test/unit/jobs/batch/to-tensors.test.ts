import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planInputs } from '../../../../src/jobs/batch/column-plan.js';
import { parseFeatures } from '../../../../src/jobs/batch/job-options.js';
import type { Column, RecordBatch } from '../../../../src/jobs/batch/records.js';
import { toTensors } from '../../../../src/jobs/batch/to-tensors.js';
import { BerthError } from '../../../../src/core/errors.js';

function batch(columns: Record<string, Column>, rows: number): RecordBatch {
  return { rows, columns: new Map(Object.entries(columns)), firstRow: 0 };
}

describe('toTensors', () => {
  const listInput = planInputs([{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], []);

  it('packs a list column into one [rows, N] tensor of the input datatype', () => {
    const result = toTensors(
      batch({ x: { kind: 'list', values: Float64Array.from([1, 2, 3, 4, 5, 6]), width: 2 } }, 3),
      listInput,
      { allowNan: false },
    );
    assert.deepEqual(result.rejects, []);
    assert.deepEqual(result.inputs[0]?.shape, [3, 2]);
    assert.ok(result.inputs[0]?.data instanceof Float32Array);
    assert.deepEqual(Array.from(result.inputs[0].data as Float32Array), [1, 2, 3, 4, 5, 6]);
  });

  it('rejects NaN unless allowed, and never into an integer input', () => {
    const column: Column = { kind: 'list', values: Float64Array.from([1, NaN, 3, 4]), width: 2 };
    const strict = toTensors(batch({ x: column }, 2), listInput, { allowNan: false });
    assert.deepEqual(strict.rejects, [{ row: 0, reason: 'column "x"[1] is NaN' }]);
    assert.deepEqual(Array.from(strict.kept), [1]);
    assert.deepEqual(strict.inputs[0]?.shape, [1, 2]);
    const lax = toTensors(batch({ x: column }, 2), listInput, { allowNan: true });
    assert.equal(lax.rejects.length, 0);
    assert.ok(Number.isNaN((lax.inputs[0]?.data as Float32Array)[1]));
    const ints = planInputs([{ name: 'n', datatype: 'INT64', shape: [-1] }], []);
    const result = toTensors(
      batch({ n: { kind: 'number', values: Float64Array.from([3, NaN, 1.5]) } }, 3),
      ints,
      { allowNan: true },
    );
    assert.deepEqual(result.rejects, [
      { row: 1, reason: 'column "n" is NaN' },
      { row: 2, reason: 'column "n" = 1.5 is not an integer (input "n" is INT64)' },
    ]);
    assert.deepEqual(result.inputs[0]?.data, BigInt64Array.from([3n]));
    assert.deepEqual(result.inputs[0]?.shape, [1]);
  });

  it('gathers scalar columns of any numeric kind into one input and names a missing one', () => {
    const bindings = planInputs([{ name: 'x', datatype: 'FP64', shape: [-1, 3] }], [parseFeatures('a,b,c')]);
    const columns = {
      a: { kind: 'number', values: Int32Array.from([1, 2]) },
      b: { kind: 'bigint', values: BigInt64Array.from([10n, 20n]) },
      c: { kind: 'mixed', values: [true, null] },
    } satisfies Record<string, Column>;
    const result = toTensors(batch(columns, 2), bindings, { allowNan: false });
    assert.deepEqual(Array.from(result.inputs[0]?.data as Float64Array), [1, 10, 1]);
    assert.deepEqual(result.rejects, [{ row: 1, reason: 'column "c" is null' }]);
    const missing = toTensors(batch({ a: columns.a, b: columns.b }, 2), bindings, { allowNan: false });
    assert.deepEqual(
      missing.rejects.map((reject) => reject.reason),
      ['column "c" is missing', 'column "c" is missing'],
    );
    assert.deepEqual(missing.inputs[0]?.shape, [0, 3]);
  });

  it('rejects text where a number is expected and lists of the wrong width', () => {
    const scalar = planInputs([{ name: 's', datatype: 'FP32', shape: [-1, 1] }], []);
    const text = toTensors(batch({ s: { kind: 'string', values: ['1'] } }, 1), scalar, { allowNan: false });
    assert.deepEqual(text.rejects, [{ row: 0, reason: 'column "s" holds text, expected a number' }]);
    const wide = toTensors(
      batch({ x: { kind: 'list', values: new Float32Array(3), width: 3 } }, 1),
      listInput,
      { allowNan: false },
    );
    assert.deepEqual(wide.rejects, [{ row: 0, reason: 'column "x" holds lists of 3 values, expected 2' }]);
  });
});

describe('planInputs', () => {
  it('refuses features that do not fit the input, naming both sizes', () => {
    assert.throws(
      () => planInputs([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], [parseFeatures('f0..f2')]),
      (error: unknown) =>
        error instanceof BerthError &&
        error.id === 'BATCH_JOB_INVALID' &&
        error.message ===
          '--features for input "x": 3 columns given, the input takes 4 values per row (shape [-1, 4])',
    );
  });

  it('needs input= when the model has several inputs, and a dynamic batch dimension', () => {
    const two = [
      { name: 'a', datatype: 'FP32', shape: [-1, 2] },
      { name: 'b', datatype: 'FP32', shape: [-1, 2] },
    ] as const;
    assert.throws(() => planInputs(two, [parseFeatures('p,q')]), /write --features <input>=a,b,c/);
    assert.equal(planInputs(two, [parseFeatures('b=p,q')])[1]?.kind, 'gather');
    assert.throws(
      () => planInputs([{ name: 'x', datatype: 'FP32', shape: [2, 3] }], []),
      /batch jobs need a dynamic first dimension/,
    );
    assert.throws(
      () => planInputs([{ name: 's', datatype: 'BYTES', shape: [-1] }], []),
      /numeric and BOOL inputs only/,
    );
  });
});
