import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerLookupCommands } from '../../../src/cli/lookup.js';
import { createStoreFixture, type StoreFixture } from '../../support/model-store-fixture.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';
import { testJsonlFormats } from '../../support/test-jsonl-records.js';

describe('berth lookup publish (command line)', () => {
  let fixture: StoreFixture;
  let work: { path: string; remove(): Promise<void> };
  let source: string;
  before(async () => {
    fixture = await createStoreFixture();
    work = await tempFolder('lookup-cli');
    const dir = join(work.path, 'out');
    await mkdir(dir);
    await writeFile(join(dir, 'part-0.jsonl'), '{"id":1,"s":1}\n{"id":1,"s":2}\n{"id":2,"s":3}\n');
    await writeFile(join(dir, '_SUCCESS'), '');
    source = pathToFileURL(dir).href;
  });
  after(async () => {
    await fixture.cleanup();
    await work.remove();
  });

  async function run(...args: string[]): Promise<string> {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const program = new Command().exitOverride();
    registerLookupCommands(program, { formats: testJsonlFormats(), stdout, env: {} });
    await program.parseAsync(['lookup', 'publish', ...args], { from: 'user' });
    return Buffer.concat(chunks).toString('utf8');
  }

  it('passes --key and --on-duplicate through and reports the version', async () => {
    await assert.rejects(
      run(source, `${fixture.uri}/scores`, '--key', 'id'),
      berthError('LOOKUP_DUPLICATE_KEY', 'key 1'),
    );
    const line = await run(source, `${fixture.uri}/scores`, '--key', 'id', '--on-duplicate', 'last');
    assert.match(line, /^published .*\/scores\/1 \(2 keys from 3 rows in 1 parts\)\n$/);
  });
});
