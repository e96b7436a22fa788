import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { CsvSource } from '../../../../../src/jobs/batch/formats/csv-source.js';
import { collect, tempDir, valuesOf } from './helpers.js';

async function csvFile(text: string): Promise<string> {
  const path = join(await tempDir(), 'in.csv');
  await writeFile(path, text);
  return path;
}

describe('CsvSource', () => {
  it('infers kinds from the values: number, boolean, list, string', async () => {
    const source = new CsvSource(await csvFile('x,ok,v,s\n1.5,true,"[1,2]",a\n-2e3,false,"[3,4]",7\n'));
    assert.deepEqual(
      [...(await source.schema())],
      [
        ['x', 'number'],
        ['ok', 'boolean'],
        ['v', 'list'],
        ['s', 'string'],
      ],
    );
    const batches = await collect(source, { batchRows: 10 });
    assert.deepEqual(valuesOf(batches, 'x'), [1.5, -2000]);
    assert.deepEqual(valuesOf(batches, 's'), ['a', '7']);
  });

  it('reports a bad number on its row and line, keeping the row in place', async () => {
    const path = await csvFile('id,x\n1,0.5\n2,12abc\n3,0x10\n4,7\n5,8\n');
    const batches = await collect(new CsvSource(path), { batchRows: 2 });
    assert.deepEqual(
      batches.map((b) => [b.firstRow, b.rows]),
      [
        [0, 2],
        [2, 2],
        [4, 1],
      ],
    );
    assert.deepEqual(batches[0]!.rejects, [
      { row: 1, line: 3, reason: 'line 3: column x: "12abc" is not a number' },
    ]);
    assert.deepEqual(batches[1]!.rejects, [
      { row: 2, line: 4, reason: 'line 4: column x: "0x10" is not a number' },
    ]);
    const x = valuesOf(batches, 'x');
    assert.equal(x[0], 0.5);
    assert.ok(Number.isNaN(x[1]), 'a rejected row holds a placeholder');
    assert.equal(x[3], 7);
  });

  it('takes declared kinds over inference, so a mostly-bad column is still checked as numbers', async () => {
    const path = await csvFile('x\nabc\ndef\n1\n');
    assert.equal((await new CsvSource(path).schema()).get('x'), 'string');
    const source = new CsvSource(path, new Map([['x', { kind: 'number' }]]));
    const [batch] = await collect(source, { batchRows: 10 });
    assert.deepEqual(
      batch!.rejects?.map((r) => r.row),
      [0, 1],
    );
  });

  it('rejects a row with the wrong number of fields, naming both counts', async () => {
    const [batch] = await collect(new CsvSource(await csvFile('a,b\n1,2\n3\n')), { batchRows: 10 });
    assert.deepEqual(batch!.rejects, [
      { row: 1, line: 3, reason: 'line 3: the row has 1 fields, the header has 2' },
    ]);
  });

  it('reads an empty numeric field as null, making the column mixed in that batch', async () => {
    const batches = await collect(new CsvSource(await csvFile('x\n1\n\n2\n,\n')), { batchRows: 10 });
    // A blank line is skipped; "," is a record of two empty fields, so it is rejected.
    assert.equal(batches[0]!.rows, 3);
    const path = await csvFile('x,y\n1,a\n,b\n');
    const [batch] = await collect(new CsvSource(path), { batchRows: 10 });
    assert.deepEqual(batch!.columns.get('x'), { kind: 'mixed', values: [1, null] });
  });

  it('treats an empty file as no columns and no rows, and a header alone as columns and no rows', async () => {
    const empty = new CsvSource(await csvFile(''));
    assert.equal((await empty.schema()).size, 0);
    assert.deepEqual(await collect(empty, { batchRows: 10 }), []);
    const header = new CsvSource(await csvFile('a,b\n'));
    assert.deepEqual([...(await header.schema()).keys()], ['a', 'b']);
    assert.deepEqual(await collect(header, { batchRows: 10 }), []);
  });

  it('refuses a header with repeated names', async () => {
    await assert.rejects(new CsvSource(await csvFile('a,a\n1,2\n')).schema(), { id: 'BAD_RECORD_FILE' });
  });

  it('reads from a stream factory, split anywhere, including inside a UTF-8 character', async () => {
    const bytes = Buffer.from('name,n\n"é, ü",1\nß,2\n');
    const source = new CsvSource(() =>
      Readable.from([bytes.subarray(0, 9), bytes.subarray(9, 10), bytes.subarray(10)]),
    );
    const batches = await collect(source, { batchRows: 10 });
    assert.deepEqual(valuesOf(batches, 'name'), ['é, ü', 'ß']);
    assert.deepEqual(valuesOf(batches, 'n'), [1, 2]);
  });
});
