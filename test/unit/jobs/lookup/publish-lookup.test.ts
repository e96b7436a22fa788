import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { publishLookup, type PublishLookupSpec } from '../../../../src/jobs/lookup/publish-lookup.js';
import { createDefaultStoreRegistry } from '../../../../src/storage/store-registry.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { berthError, tempFolder } from '../../../support/store-assertions.js';
import { testJsonlFormats } from '../../../support/test-jsonl-records.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

const lines = (rows: object[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');

describe('berth lookup publish', () => {
  let fixture: StoreFixture;
  let work: { path: string; remove(): Promise<void> };
  const stores = createDefaultStoreRegistry();
  const formats = testJsonlFormats();

  /** A batch output folder with these parts (name → rows) and, unless told, _SUCCESS. */
  async function output(name: string, parts: Record<string, object[]>, success = true): Promise<string> {
    const dir = join(work.path, name);
    await mkdir(dir, { recursive: true });
    for (const [part, rows] of Object.entries(parts)) await writeFile(join(dir, part), lines(rows));
    if (success) await writeFile(join(dir, '_SUCCESS'), '');
    return pathToFileURL(dir).href;
  }
  const spec = (
    source: string,
    model: string,
    values: Partial<PublishLookupSpec> = {},
  ): PublishLookupSpec => ({
    source,
    target: `${fixture.uri}/${model}`,
    key: 'id',
    allowIncomplete: false,
    onDuplicate: 'error',
    ...values,
  });

  before(async () => {
    fixture = await createStoreFixture();
    work = await tempFolder('lookup-src');
  });
  after(async () => {
    await fixture.cleanup();
    await work.remove();
  });

  it('publishes every part as the next version, runtime lookup, with lineage', async () => {
    const source = await output('scores', {
      'part-00000.jsonl': [
        { id: 1, score: 0.5, vec: [1, 2] },
        { id: 2, score: 0.25, vec: [3, 4] },
      ],
      'part-00001.jsonl': [{ id: 10, score: 1, vec: [5, 6] }],
    });
    const first = await publishLookup(spec(source, 'scores'), { stores, formats });
    assert.deepEqual([first.version, first.parts, first.rows, first.keys], [1, 2, 3, 3]);
    const second = await publishLookup(spec(source, 'scores'), { stores, formats });
    assert.equal(second.version, 2);
    const folder = join(fixture.root, 'scores', '2');
    assert.match(await readFile(join(folder, 'berth.yaml'), 'utf8'), /runtime: lookup/);
    const manifest = JSON.parse(await readFile(join(folder, 'MANIFEST.json'), 'utf8')) as {
      lineage: Record<string, unknown>;
    };
    assert.deepEqual(manifest.lineage, { source, key: 'id', parts: 2, rows: 3, keys: 3 });
  });

  it('needs _SUCCESS unless allowed incomplete, and names the folder', async () => {
    const source = await output('partial', { 'part-0.jsonl': [{ id: 1, score: 1 }] }, false);
    await assert.rejects(
      publishLookup(spec(source, 'partial'), { stores, formats }),
      berthError('LOOKUP_SOURCE_INCOMPLETE', source, '_SUCCESS', '--allow-incomplete'),
    );
    const result = await publishLookup(spec(source, 'partial', { allowIncomplete: true }), {
      stores,
      formats,
    });
    assert.equal(result.keys, 1);
  });

  it('fails clearly on an empty output, an unknown key, a text value and a duplicate, publishing nothing', async () => {
    const empty = await output('empty', {});
    await assert.rejects(
      publishLookup(spec(empty, 'bad'), { stores, formats }),
      berthError('LOOKUP_INVALID', 'no part files'),
    );
    const blank = await output('blank', { 'part-0.jsonl': [] });
    await assert.rejects(
      publishLookup(spec(blank, 'bad'), { stores, formats }),
      berthError('LOOKUP_INVALID', 'no rows'),
    );
    const rows = await output('rows', { 'part-0.jsonl': [{ id: 1, label: 'cat' }] });
    await assert.rejects(
      publishLookup(spec(rows, 'bad', { key: 'user' }), { stores, formats }),
      berthError('LOOKUP_INVALID', '--key "user"'),
    );
    await assert.rejects(
      publishLookup(spec(rows, 'bad'), { stores, formats }),
      berthError('LOOKUP_INVALID', 'column "label"'),
    );
    const twice = await output('twice', { 'a.jsonl': [{ id: 5, s: 1 }], 'b.jsonl': [{ id: 5, s: 2 }] });
    await assert.rejects(
      publishLookup(spec(twice, 'bad'), { stores, formats }),
      berthError('LOOKUP_DUPLICATE_KEY', 'key 5'),
    );
    await assert.rejects(readFile(join(fixture.root, 'bad', '1', 'MANIFEST.json')), { code: 'ENOENT' });
  });

  describe('served by the test server', () => {
    let server: TestServer;
    before(async () => {
      const source = await output('served', {
        'part-0.jsonl': [
          { id: 7, score: 0.5, vec: [1, 2] },
          { id: 3, score: 0.25, vec: [3, 4] },
        ],
      });
      await publishLookup(spec(source, 'served'), { stores, formats });
      const texts = await output('texts', { 'part-0.jsonl': [{ user: 'amy', score: 2 }] });
      await publishLookup(spec(texts, 'by-user', { key: 'user' }), { stores, formats });
      server = await startTestServer({
        store: fixture.uri,
        models: ['served', 'by-user'],
        cacheDir: fixture.cacheDir,
      });
      await server.loaded;
    });
    after(() => server.close());

    it('shows the signature in metadata', async () => {
      const response = await server.app.inject('/v2/models/served');
      assert.equal(response.statusCode, 200);
      const metadata = response.json() as { inputs: unknown; outputs: unknown; platform: string };
      assert.deepEqual(metadata.inputs, [{ name: 'key', datatype: 'INT64', shape: [-1] }]);
      assert.deepEqual(metadata.outputs, [
        { name: 'score', datatype: 'FP64', shape: [-1] },
        { name: 'vec', datatype: 'FP64', shape: [-1, 2] },
        { name: 'found', datatype: 'BOOL', shape: [-1] },
      ]);
    });

    it('answers values and found by key over V2 REST, missing keys as found=false and zeros', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/v2/models/served/infer',
        payload: { inputs: [{ name: 'key', datatype: 'INT64', shape: [3], data: [3, 99, 7] }] },
      });
      assert.equal(response.statusCode, 200, response.body);
      const outputs = new Map(
        (
          response.json() as { outputs: Array<{ name: string; shape: number[]; data: unknown[] }> }
        ).outputs.map((output) => [output.name, output]),
      );
      assert.deepEqual(outputs.get('found')!.data, [true, false, true]);
      assert.deepEqual(outputs.get('score')!.data, [0.25, 0, 0.5]);
      assert.deepEqual(outputs.get('vec')!.shape, [3, 2]);
      assert.deepEqual(outputs.get('vec')!.data, [3, 4, 0, 0, 1, 2]);
    });

    it('looks up text keys sent as BYTES', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/v2/models/by-user/infer',
        payload: { inputs: [{ name: 'key', datatype: 'BYTES', shape: [2], data: ['bob', 'amy'] }] },
      });
      assert.equal(response.statusCode, 200, response.body);
      const outputs = (response.json() as { outputs: Array<{ name: string; data: unknown[] }> }).outputs;
      assert.deepEqual(outputs.find((output) => output.name === 'found')!.data, [false, true]);
      assert.deepEqual(outputs.find((output) => output.name === 'score')!.data, [0, 2]);
    });
  });
});
