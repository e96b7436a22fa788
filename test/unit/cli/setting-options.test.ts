/** The `berth serve` flags registered from the settings table, parsed by a real commander Command. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { addSettingOptions } from '../../../src/cli/setting-options.js';
import { flagName, SERVER_SETTINGS, SETTING_KEYS } from '../../../src/config/server-settings.js';
import { berthError } from '../../support/store-assertions.js';

/** The flags object `berth serve` would hand to loadServerConfig for `argv`. */
function flagsFor(argv: string[]): Record<string, unknown> {
  const command = new Command('serve').exitOverride();
  const flagsOf = addSettingOptions(command);
  command.parse(argv, { from: 'user' });
  return flagsOf(command.opts());
}

describe('serve flags from the settings table', () => {
  it('has a flag for every key (and --no-x for booleans)', () => {
    const command = new Command('serve');
    addSettingOptions(command);
    const flags = new Set(command.options.map((option) => option.long));
    for (const key of SETTING_KEYS) {
      assert.ok(flags.has(`--${flagName(key)}`), key);
      if (SERVER_SETTINGS[key].raw === 'boolean') assert.ok(flags.has(`--no-${flagName(key)}`), key);
    }
  });

  it('parses values by kind into snake_case keys; absent flags are undefined', () => {
    const flags = flagsFor([
      '--model',
      'a',
      '--model',
      'file:///m/b,c@2',
      '--max-batch-size',
      '4',
      '--model-control-mode',
      'poll',
      '--repository-poll-secs',
      '0.5',
      '--log-level',
      'debug',
    ]);
    assert.deepEqual(flags.models, ['a', 'file:///m/b,c@2']);
    assert.equal(flags.max_batch_size, 4);
    assert.equal(flags.model_control_mode, 'poll');
    assert.equal(flags.repository_poll_secs, 0.5);
    assert.equal(flags.log_level, 'debug');
    assert.equal(flags.port, undefined);
    assert.equal(flags.batching, undefined);
  });

  it('--batching and --no-batching both work', () => {
    assert.equal(flagsFor(['--batching']).batching, true);
    assert.equal(flagsFor(['--no-batching']).batching, false);
  });

  it('a value of the wrong kind is BAD_SERVER_CONFIG naming the flag', () => {
    assert.throws(() => flagsFor(['--port', 'eighty']), berthError('BAD_SERVER_CONFIG', '--port "eighty"'));
    assert.throws(
      () => flagsFor(['--log-level', 'loud']),
      berthError('BAD_SERVER_CONFIG', '--log-level', 'fatal, error'),
    );
  });
});
