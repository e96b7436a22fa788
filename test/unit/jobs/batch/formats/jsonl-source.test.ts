import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JsonlSource } from '../../../../../src/jobs/batch/formats/jsonl-source.js';
import { collect, tempDir, valuesOf } from './helpers.js';

async function jsonlFile(lines: readonly string[]): Promise<string> {
  const path = join(await tempDir(), 'in.jsonl');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('JsonlSource', () => {
  it('maps arrays of numbers of one length to a list column', async () => {
    const source = new JsonlSource(await jsonlFile(['{"id":1,"v":[1,2,3]}', '{"id":2,"v":[4,5,6]}']));
    assert.deepEqual(
      [...(await source.schema())],
      [
        ['id', 'number'],
        ['v', 'list'],
      ],
    );
    const [batch] = await collect(source, { batchRows: 10 });
    assert.deepEqual(batch!.columns.get('v'), {
      kind: 'list',
      values: new Float64Array([1, 2, 3, 4, 5, 6]),
      width: 3,
    });
  });

  it('keeps arrays of different lengths as mixed values', async () => {
    const source = new JsonlSource(await jsonlFile(['{"v":[1,2]}', '{"v":[1]}']));
    assert.equal((await source.schema()).get('v'), 'mixed');
    assert.deepEqual(valuesOf(await collect(source, { batchRows: 10 }), 'v'), [[1, 2], [1]]);
  });

  it('reports a malformed line with its line number and keeps counting past blank lines', async () => {
    const path = await jsonlFile(['{"x":1}', '', '{"x":2', '[1]', '{"x":"three"}', '{"x":4}']);
    const [batch] = await collect(new JsonlSource(path), { batchRows: 10 });
    assert.equal(batch!.rows, 5);
    assert.deepEqual(
      batch!.rejects?.map((r) => [r.row, r.line]),
      [
        [1, 3],
        [2, 4],
        [3, 5],
      ],
    );
    assert.match(batch!.rejects![0]!.reason, /^line 3: not valid JSON/);
    assert.equal(batch!.rejects![1]!.reason, 'line 4: not a JSON object');
    assert.equal(batch!.rejects![2]!.reason, 'line 5: column x: "three" is not a number');
    assert.deepEqual(
      valuesOf([batch!], 'x').filter((v) => !Number.isNaN(v)),
      [1, 4],
    );
  });

  it('reads a missing key or null as null, so the numeric column is mixed in that batch', async () => {
    const [batch] = await collect(new JsonlSource(await jsonlFile(['{"x":1,"y":2}', '{"x":3}'])), {
      batchRows: 10,
    });
    assert.deepEqual(batch!.columns.get('y'), { kind: 'mixed', values: [2, null] });
    assert.deepEqual(batch!.columns.get('x'), { kind: 'number', values: new Float64Array([1, 3]) });
  });

  it('treats an empty file as no columns and no rows', async () => {
    const source = new JsonlSource(await jsonlFile([]));
    assert.equal((await source.schema()).size, 0);
    assert.deepEqual(await collect(source, { batchRows: 10 }), []);
  });
});
