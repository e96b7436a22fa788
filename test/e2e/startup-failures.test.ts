import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addModel } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer } from '../support/spawn-server.js';
import { freePort } from '../support/free-port.js';
import { cudaProviderInstalled } from '../support/cuda-provider.js';

/** Starts `berth serve`, expects exit 1 with one clear stderr line, and that it never said ready. */
async function expectStartupFailure(args: string[], cacheDir: string, pattern: RegExp): Promise<string> {
  const server = spawnServer(args, { BERTH_CACHE_DIR: cacheDir });
  const code = await server.exited;
  assert.equal(code, 1, `exit code; stderr: ${server.stderr.join('\n')}`);
  const lines = server.stderr.filter((line) => line.startsWith('berth:'));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${server.stderr.join('\n')}`);
  assert.match(lines[0]!, pattern);
  assert.ok(!server.logs.some((line) => line.msg === 'ready' || line.msg === 'model ready'), 'never ready');
  return lines[0]!;
}

describe('start-up failures exit 1 with one line naming the URI and the cause', () => {
  let fixture: StoreFixture;

  before(async () => {
    fixture = await createStoreFixture();
  });
  after(() => fixture.cleanup());

  it('a byte flipped in the stored model: digest mismatch', async () => {
    await fixture.publish({ name: 'flipped', onnx: addModel() });
    const path = join(fixture.root, 'flipped', '1', 'model.onnx');
    const bytes = await readFile(path);
    bytes[bytes.length >> 1]! ^= 0xff;
    await writeFile(path, bytes);
    await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'flipped'],
      fixture.cacheDir,
      /^berth: start-up failed: BERTH_ERR_DIGEST_MISMATCH: .*flipped\/1\/model\.onnx.*sha256/,
    );
  });

  it('a corrupt model file published with a matching manifest: load failure', async () => {
    await fixture.publish({ name: 'garbage', onnx: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
    await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'garbage'],
      fixture.cacheDir,
      /^berth: start-up failed: BERTH_ERR_MODEL_LOAD_FAILED: .*model\.onnx/,
    );
  });

  it('a model folder with no published version', async () => {
    await mkdir(join(fixture.root, 'unpublished', '1'), { recursive: true });
    await writeFile(join(fixture.root, 'unpublished', '1', 'model.onnx'), addModel());
    await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'unpublished'],
      fixture.cacheDir,
      /^berth: start-up failed: BERTH_ERR_NO_PUBLISHED_VERSION: .*unpublished/,
    );
  });

  it('a model that does not exist in the store', async () => {
    await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'absent'],
      fixture.cacheDir,
      /^berth: start-up failed: BERTH_ERR_STORE_NOT_FOUND: .*absent/,
    );
  });

  it('a bad berth.yaml, naming the key', async () => {
    await fixture.publish({ name: 'badconfig', onnx: addModel(), config: { max_batch_size: 'lots' } });
    await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'badconfig'],
      fixture.cacheDir,
      /^berth: start-up failed: BERTH_ERR_BAD_MODEL_CONFIG: .*badconfig\/1\/berth\.yaml: max_batch_size/,
    );
  });

  it('an unreachable store, after bounded retries', async () => {
    const port = await freePort();
    const server = spawnServer(
      ['--store', `http://127.0.0.1:${port}/models`, '--model', 'm', '--store-retry-max-elapsed-ms', '1500'],
      { BERTH_CACHE_DIR: fixture.cacheDir },
    );
    assert.equal(await server.exited, 1);
    const lines = server.stderr.filter((line) => line.startsWith('berth:'));
    assert.equal(lines.length, 1, server.stderr.join('\n'));
    assert.match(
      lines[0]!,
      new RegExp(
        `^berth: start-up failed: BERTH_ERR_STORE_UNREACHABLE: http://127\\.0\\.0\\.1:${port}/models.*still unreachable after \\d+ attempts`,
      ),
    );
    assert.ok(
      server.logs.some((line) => line.msg === 'store unreachable; retrying'),
      'retries are logged',
    );
    assert.ok(!server.logs.some((line) => line.msg === 'ready'));
  });

  it('an unknown store scheme', async () => {
    await expectStartupFailure(
      ['--store', 'gopher://x/models', '--model', 'm'],
      fixture.cacheDir,
      /BERTH_ERR_UNSUPPORTED_STORE_URI: .*gopher/,
    );
  });

  it('a bad flag value', async () => {
    const server = spawnServer(['--store', fixture.uri, '--model', 'm', '--body-limit', '-5']);
    assert.equal(await server.exited, 1);
    assert.match(server.stderr.join('\n'), /BERTH_ERR_BAD_SERVER_CONFIG: server config: body_limit/);
  });

  it('--device cuda without the CUDA provider: one clear line, before any pull', async (t) => {
    if (cudaProviderInstalled()) {
      t.skip('this onnxruntime-node install has its CUDA provider files');
      return;
    }
    const line = await expectStartupFailure(
      ['--store', fixture.uri, '--model', 'never-pulled', '--device', 'cuda'],
      fixture.cacheDir,
      /^berth: .*BERTH_ERR_DEVICE_UNAVAILABLE: --device cuda: .*libonnxruntime_providers_cuda\.so.*--device cpu/,
    );
    assert.doesNotMatch(line, /never-pulled/, 'fails before the model is looked for');
  });

  it('an unknown --device', async () => {
    const server = spawnServer(['--store', fixture.uri, '--model', 'm', '--device', 'gpu']);
    assert.equal(await server.exited, 1);
    assert.match(
      server.stderr.join('\n'),
      /BERTH_ERR_BAD_SERVER_CONFIG: server config: device: expected cpu, cuda or cuda:N/,
    );
  });
});
