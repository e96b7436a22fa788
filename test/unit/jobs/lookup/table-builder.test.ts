import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column, RecordBatch } from '../../../../src/jobs/batch/records.js';
import { LookupTableBuilder } from '../../../../src/jobs/lookup/table-builder.js';
import {
  decodeLookupTable,
  encodeLookupTable,
  findRow,
  type LookupTable,
} from '../../../../src/runtime/lookup/lookup-file.js';
import { berthError } from '../../../support/store-assertions.js';

function batch(columns: Record<string, Column>, rows: number): RecordBatch {
  return { rows, columns: new Map(Object.entries(columns)), firstRow: 0 };
}
const numbers = (...values: number[]): Column => ({ kind: 'number', values: Float64Array.from(values) });
const texts = (...values: string[]): Column => ({ kind: 'string', values });

/** Through the file bytes and back, as the runtime sees it. */
function roundTrip(table: LookupTable): LookupTable {
  const chunks = encodeLookupTable(table);
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decodeLookupTable(bytes, 'lookup.bin');
}

describe('LookupTableBuilder and the lookup file', () => {
  it('sorts INT64 keys across batches and finds present keys, -1 for missing ones', () => {
    const builder = new LookupTableBuilder('id', 'error');
    builder.add(batch({ id: numbers(30, -5), score: numbers(0.3, -0.5) }, 2), 'part-0.jsonl');
    builder.add(
      batch(
        {
          id: { kind: 'bigint', values: BigInt64Array.of(7n, 2n ** 40n + 1n, -(2n ** 40n)) },
          score: numbers(0.7, 0.9, -0.9),
        },
        3,
      ),
      'part-1.jsonl',
    );
    const table = roundTrip(builder.build());
    assert.equal(table.count, 5);
    assert.equal(table.keys.kind, 'INT64');
    assert.deepEqual(
      [...(table.keys as { values: BigInt64Array }).values],
      [-(2n ** 40n), -5n, 7n, 30n, 2n ** 40n + 1n],
    );
    const score = table.columns.find((column) => column.name === 'score')!;
    assert.equal(score.datatype, 'FP64');
    assert.equal(score.width, 0);
    assert.equal(score.values[findRow(table.keys, 30n)], 0.3);
    assert.equal(score.values[findRow(table.keys, -5n)], -0.5);
    assert.equal(score.values[findRow(table.keys, 7n)], 0.7);
    assert.equal(score.values[findRow(table.keys, 2n ** 40n + 1n)], 0.9);
    assert.equal(score.values[findRow(table.keys, -(2n ** 40n))], -0.9);
    assert.equal(findRow(table.keys, 2n ** 40n), -1);
    assert.equal(findRow(table.keys, 8n), -1);
    assert.equal(findRow(table.keys, -100n), -1);
  });

  it('keeps string keys in byte order and list values row by row', () => {
    const builder = new LookupTableBuilder('user', 'error');
    builder.add(
      batch(
        {
          user: texts('zoë', 'amy', 'bob'),
          embedding: { kind: 'list', values: Float32Array.of(1, 2, 3, 4, 5, 6), width: 2 },
          clicks: { kind: 'number', values: Int32Array.of(9, 8, 7) },
        },
        3,
      ),
      'part-0.csv',
    );
    const table = roundTrip(builder.build());
    assert.equal(table.keys.kind, 'BYTES');
    const embedding = table.columns.find((column) => column.name === 'embedding')!;
    const clicks = table.columns.find((column) => column.name === 'clicks')!;
    assert.deepEqual([embedding.datatype, embedding.width, clicks.datatype], ['FP32', 2, 'INT64']);
    const row = findRow(table.keys, new TextEncoder().encode('zoë'));
    assert.deepEqual([...embedding.values.subarray(row * 2, row * 2 + 2)], [1, 2]);
    assert.equal(clicks.values[row], 9n);
    assert.equal(findRow(table.keys, new TextEncoder().encode('bob')), 1);
    assert.equal(findRow(table.keys, new TextEncoder().encode('bo')), -1);
    assert.equal(findRow(table.keys, new TextEncoder().encode('carl')), -1);
  });

  it('fails on a repeated key naming it, or keeps the last row with onDuplicate last', () => {
    const rows = () => batch({ id: numbers(4, 2, 4), score: numbers(1, 2, 3) }, 3);
    const strict = new LookupTableBuilder('id', 'error');
    strict.add(rows(), 'p.jsonl');
    assert.throws(() => strict.build(), berthError('LOOKUP_DUPLICATE_KEY', 'key 4', '--on-duplicate last'));
    const last = new LookupTableBuilder('id', 'last');
    last.add(rows(), 'p.jsonl');
    const table = last.build();
    assert.equal(table.count, 2);
    assert.equal(table.columns[0]!.values[findRow(table.keys, 4n)], 3);
  });

  it('names the column for an unknown key, a non-numeric value, a fractional key and no rows', () => {
    const builder = new LookupTableBuilder('missing', 'error');
    assert.throws(
      () => builder.add(batch({ id: numbers(1), score: numbers(1) }, 1), 'p.jsonl'),
      berthError('LOOKUP_INVALID', '--key "missing"', 'columns: id, score'),
    );
    assert.throws(
      () =>
        new LookupTableBuilder('id', 'error').add(batch({ id: numbers(1), label: texts('x') }, 1), 'p.jsonl'),
      berthError('LOOKUP_INVALID', 'column "label"', 'numeric'),
    );
    assert.throws(
      () =>
        new LookupTableBuilder('id', 'error').add(batch({ id: numbers(1.5), s: numbers(1) }, 1), 'p.jsonl'),
      berthError('LOOKUP_INVALID', '--key "id"', '1.5'),
    );
    assert.throws(
      () => new LookupTableBuilder('id', 'error').build(),
      berthError('LOOKUP_INVALID', 'no rows'),
    );
  });

  it('refuses bytes that are not a lookup table with MODEL_LOAD_FAILED naming the file', () => {
    assert.throws(
      () => decodeLookupTable(new TextEncoder().encode('not a table at all'), '/m/1/lookup.bin'),
      berthError('MODEL_LOAD_FAILED', '/m/1/lookup.bin'),
    );
  });
});
