import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSink, openSource } from '../../../../../src/jobs/batch/formats/open.js';
import type { RecordFormat } from '../../../../../src/jobs/batch/records.js';
import { collect, sampleBatch, tempDir, valuesOf } from './helpers.js';

// One suite, every format: what the job runner relies on whatever the file type.
for (const format of ['parquet', 'csv', 'jsonl'] as const satisfies readonly RecordFormat[]) {
  describe(`${format} round trip`, () => {
    async function writeRows(rows: number, chunk: number): Promise<string> {
      const path = join(await tempDir(), `data.${format}`);
      const sink = openSink(path, format);
      for (let start = 0; start < rows; start += chunk)
        await sink.write(sampleBatch(start, Math.min(chunk, rows - start)));
      const { rows: written, bytes } = await sink.close();
      assert.equal(written, rows);
      assert.ok(bytes > 0);
      return path;
    }

    it('reads back what it wrote, value for value', async () => {
      const path = await writeRows(50, 16);
      const batches = await collect(openSource(path, format), { batchRows: 64 });
      const expected = sampleBatch(0, 50);
      for (const name of ['id', 'f', 'flag', 'name', 'vec']) {
        assert.deepEqual(valuesOf(batches, name), valuesOf([expected], name), name);
      }
      assert.deepEqual(
        [...(await openSource(path, format).schema())],
        [
          ['id', 'number'],
          ['f', 'number'],
          ['flag', 'boolean'],
          ['name', 'string'],
          ['vec', 'list'],
        ],
      );
      assert.equal(
        batches.every((b) => b.rejects === undefined),
        true,
      );
    });

    it('yields 10k rows as 10 batches of 1000 with contiguous firstRow', async () => {
      const path = await writeRows(10_000, 3_000);
      const batches = await collect(openSource(path, format), { batchRows: 1000 });
      assert.deepEqual(
        batches.map((b) => [b.firstRow, b.rows]),
        Array.from({ length: 10 }, (_, i) => [i * 1000, 1000]),
      );
      assert.deepEqual(valuesOf(batches, 'id').slice(998, 1002), [998, 999, 1000, 1001]);
    });

    it('decodes only the columns asked for, in the order asked', async () => {
      const path = await writeRows(20, 20);
      const [batch] = await collect(openSource(path, format), { batchRows: 100, columns: ['vec', 'id'] });
      assert.deepEqual([...batch!.columns.keys()], ['vec', 'id']);
      const vec = batch!.columns.get('vec');
      assert.equal(vec?.kind, 'list');
      assert.equal(vec?.kind === 'list' ? vec.width : 0, 3);
    });

    it('names a missing column and the ones the file has', async () => {
      const path = await writeRows(5, 5);
      await assert.rejects(
        collect(openSource(path, format), { batchRows: 10, columns: ['id', 'nope'] }),
        (error: Error) => {
          assert.equal((error as { id?: string }).id, 'INVALID_REQUEST');
          assert.match(error.message, /column nope is not in .*data\./);
          assert.match(error.message, /id, f, flag, name, vec/);
          return true;
        },
      );
    });

    it('writes an empty output that reads back as no batches', async () => {
      const path = join(await tempDir(), `empty.${format}`);
      const sink = openSink(path, format, new Map([['score', 'number']]));
      assert.deepEqual((await sink.close()).rows, 0);
      assert.deepEqual(await collect(openSource(path, format), { batchRows: 10 }), []);
    });

    it('stops when the signal aborts, before the next batch', async () => {
      const path = await writeRows(3000, 3000);
      const controller = new AbortController();
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const batch of openSource(path, format).batches({
            batchRows: 1000,
            signal: controller.signal,
          })) {
            seen.push(batch.firstRow);
            controller.abort();
          }
        })(),
        { name: 'AbortError' },
      );
      assert.deepEqual(seen, [0]);
    });

    it('abort removes the partial file', async () => {
      const path = join(await tempDir(), `gone.${format}`);
      const sink = openSink(path, format);
      await sink.write(sampleBatch(0, 10));
      await sink.abort();
      await assert.rejects(collect(openSource(path, format), { batchRows: 10 }));
    });
  });
}
