import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModelRef } from '../../../src/core/model-ref.js';
import { loadServerConfig } from '../../../src/config/load-server-config.js';
import { parseModelConfig } from '../../../src/config/model-config-file.js';
import { BerthError } from '../../../src/core/errors.js';

describe('model references', () => {
  it('parses names, pinned versions and full URIs', () => {
    assert.deepEqual(parseModelRef('recommender', 'file:///m'), {
      name: 'recommender',
      storeUri: 'file:///m',
    });
    assert.deepEqual(parseModelRef('recommender@3', 'file:///m'), {
      name: 'recommender',
      storeUri: 'file:///m',
      version: 3,
    });
    assert.deepEqual(parseModelRef('hdfs://nn:8020/models/ranker@2', undefined), {
      name: 'ranker',
      storeUri: 'hdfs://nn:8020/models',
      version: 2,
    });
  });

  it('rejects a bad version and a name without a store', () => {
    assert.throws(() => parseModelRef('m@zero', 'file:///m'), /give a positive version number/);
    assert.throws(() => parseModelRef('m', undefined), /no --store given/);
  });
});

describe('server config', () => {
  it('layers defaults < env < flags and freezes', async () => {
    const config = await loadServerConfig({
      env: { BERTH_PORT: '9000', BERTH_MODELS: 'a, b', BERTH_STORE: '/s', XDG_CACHE_HOME: '/c' },
      flags: { port: 9100, host: undefined },
    });
    assert.equal(config.port, 9100);
    assert.deepEqual(config.models, ['a', 'b']);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.cache_dir, '/c/berth/models');
    assert.ok(Object.isFrozen(config));
  });

  it('names the bad key', async () => {
    await assert.rejects(
      loadServerConfig({ env: {}, flags: { models: ['a'], port: 70000 } }),
      (error: unknown) =>
        error instanceof BerthError && error.id === 'BAD_SERVER_CONFIG' && /port/.test(error.message),
    );
    await assert.rejects(loadServerConfig({ env: {}, flags: {} }), /models/);
  });
});

describe('berth.yaml', () => {
  it('applies defaults', () => {
    const config = parseModelConfig('max_batch_size: 8\n', 'file:///m/x/1/berth.yaml');
    assert.equal(config.max_batch_size, 8);
    assert.equal(config.model_file, 'model.onnx');
    assert.deepEqual(config.threads, { intra_op: 1, inter_op: 1, spinning: false });
  });

  it('names the file and the key on errors', () => {
    assert.throws(
      () => parseModelConfig('max_batch_size: -2\n', 'file:///m/x/1/berth.yaml'),
      (error: unknown) =>
        error instanceof BerthError &&
        error.id === 'BAD_MODEL_CONFIG' &&
        /berth\.yaml: max_batch_size/.test(error.message),
    );
    assert.throws(() => parseModelConfig('warmup: [\n', 'w'), /w: not valid YAML/);
    assert.throws(() => parseModelConfig('unknown_key: 1\n', 'w'), /unknown_key/);
  });
});
