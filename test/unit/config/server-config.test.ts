/** `berth serve` settings from the one table: derived names, raw parsing, precedence, cross-key rules. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServerConfig } from '../../../src/config/load-server-config.js';
import { readServerEnv } from '../../../src/config/server-config.js';
import { envName, flagName, SETTING_KEYS } from '../../../src/config/server-settings.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

describe('the settings table', () => {
  it('derives flag and variable names from the snake_case key', () => {
    assert.equal(flagName('max_batch_size'), 'max-batch-size');
    assert.equal(envName('max_batch_size'), 'BERTH_MAX_BATCH_SIZE');
    assert.equal(flagName('models'), 'model'); // repeatable, one model each time
    assert.equal(envName('models'), 'BERTH_MODELS');
    assert.equal(flagName('repository_poll_secs'), 'repository-poll-secs');
    assert.ok(SETTING_KEYS.includes('model_control_mode'));
  });

  it('parses each kind of raw env string, naming the variable when it cannot', () => {
    assert.deepEqual(
      readServerEnv({
        BERTH_PORT: '9000',
        BERTH_BATCHING: '0',
        BERTH_MODELS: 'a, b,,c',
        BERTH_LOG_LEVEL: 'debug',
        BERTH_MODEL_CONTROL_MODE: 'poll',
        BERTH_REPOSITORY_POLL_SECS: '2.5',
        BERTH_HOST: '',
        OTHER: 'x',
      }),
      {
        port: 9000,
        batching: false,
        models: ['a', 'b', 'c'],
        log_level: 'debug',
        model_control_mode: 'poll',
        repository_poll_secs: 2.5,
      },
    );
    assert.throws(
      () => readServerEnv({ BERTH_PORT: 'eighty' }),
      berthError('BAD_SERVER_CONFIG', 'BERTH_PORT="eighty"', 'expected a number'),
    );
    assert.throws(
      () => readServerEnv({ BERTH_BATCHING: 'yes please' }),
      berthError('BAD_SERVER_CONFIG', 'BERTH_BATCHING', 'true, false, 1 or 0'),
    );
    assert.throws(
      () => readServerEnv({ BERTH_MODEL_CONTROL_MODE: 'auto' }),
      berthError('BAD_SERVER_CONFIG', 'BERTH_MODEL_CONTROL_MODE="auto"', 'none, poll, explicit'),
    );
  });
});

describe('loadServerConfig', () => {
  it('merges defaults < file < env < flags, validates once and freezes', async () => {
    const folder = await tempFolder('server-config');
    try {
      const file = join(folder.path, 'berth.yaml');
      await writeFile(file, 'port: 7000\nhost: 10.0.0.1\nmax_batch_size: 4\nmodels: [from-file]\n');
      const config = await loadServerConfig({
        file,
        env: { BERTH_PORT: '7100', BERTH_MAX_BATCH_SIZE: '8', XDG_CACHE_HOME: '/c' },
        flags: { port: 7200, host: undefined },
      });
      assert.equal(config.port, 7200); // flag over env over file
      assert.equal(config.max_batch_size, 8); // env over file
      assert.equal(config.host, '10.0.0.1'); // file over default
      assert.deepEqual(config.models, ['from-file']);
      assert.equal(config.model_control_mode, 'none');
      assert.equal(config.repository_poll_secs, 15);
      assert.equal(config.drain_timeout_ms, 30_000);
      assert.ok(Object.isFrozen(config) && Object.isFrozen(config.models));
    } finally {
      await folder.remove();
    }
  });

  it('refuses unknown keys (strict), naming them', async () => {
    await assert.rejects(
      loadServerConfig({ env: {}, flags: { models: ['a'], max_batch: 3 } }),
      berthError('BAD_SERVER_CONFIG', 'max_batch'),
    );
  });

  it('requires a model unless model_control_mode is explicit, naming --model', async () => {
    await assert.rejects(
      loadServerConfig({ env: {}, flags: {} }),
      berthError('BAD_SERVER_CONFIG', 'models', 'at least one model', '--model'),
    );
    await assert.rejects(
      loadServerConfig({ env: { BERTH_MODEL_CONTROL_MODE: 'poll' }, flags: {} }),
      berthError('BAD_SERVER_CONFIG', 'model_control_mode poll', '--model'),
    );
    const explicit = await loadServerConfig({ env: { BERTH_MODEL_CONTROL_MODE: 'explicit' }, flags: {} });
    assert.deepEqual(explicit.models, []);
  });

  it('repository_poll_secs must be positive', async () => {
    await assert.rejects(
      loadServerConfig({ env: {}, flags: { models: ['a'], repository_poll_secs: 0 } }),
      berthError('BAD_SERVER_CONFIG', 'repository_poll_secs'),
    );
  });

  it('workers is auto or a whole number, from a flag, a variable or a file', async () => {
    const base = { models: ['a'] };
    assert.equal((await loadServerConfig({ env: {}, flags: base })).workers, 'auto');
    assert.equal((await loadServerConfig({ env: { BERTH_WORKERS: '3' }, flags: base })).workers, 3);
    assert.equal((await loadServerConfig({ env: { BERTH_WORKERS: 'auto' }, flags: base })).workers, 'auto');
    await assert.rejects(
      loadServerConfig({ env: { BERTH_WORKERS: 'two' }, flags: base }),
      berthError('BAD_SERVER_CONFIG', 'BERTH_WORKERS="two": expected auto or a whole number'),
    );
    await assert.rejects(
      loadServerConfig({ env: {}, flags: { ...base, workers: 0 } }),
      berthError('BAD_SERVER_CONFIG', 'workers'),
    );
  });
});
