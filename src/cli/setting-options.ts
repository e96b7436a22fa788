/**
 * The `berth serve` flags, registered in a loop from the settings table: `--<key-in-kebab-case>`
 * with the table's parser, `--x` / `--no-x` for booleans, a repeatable flag for lists.
 */
import { Option, type Command } from 'commander';
import { parseRawSetting } from '../config/raw-setting.js';
import {
  enumValues,
  envName,
  flagName,
  SERVER_SETTINGS,
  SETTING_KEYS,
  type Setting,
} from '../config/server-settings.js';

/** Parsed commander options → the flags source of loadServerConfig (snake_case keys). */
export type FlagsOf = (options: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Adds one option per setting to `command`; returns how to read them back by key. */
export function addSettingOptions(command: Command): FlagsOf {
  const attributes: Array<[string, string]> = [];
  for (const key of SETTING_KEYS) {
    const setting: Setting = SERVER_SETTINGS[key];
    const flag = flagName(key);
    const choices = enumValues(key);
    const help = `${setting.description}${choices ? ` One of: ${choices.join(', ')}.` : ''} (${envName(key)})`;
    if (setting.raw === 'boolean') {
      const on = new Option(`--${flag}`, help);
      command.addOption(on).addOption(new Option(`--no-${flag}`, `the opposite of --${flag}`));
      attributes.push([key, on.attributeName()]);
      continue;
    }
    const placeholder = setting.placeholder ?? (setting.raw === 'number' ? '<n>' : '<value>');
    const option = new Option(`--${flag} ${placeholder}`, help).argParser((raw: string, previous: unknown) =>
      // A list flag is repeatable, one item each time (a URI may hold a comma).
      setting.raw === 'list'
        ? [...((previous as string[] | undefined) ?? []), raw]
        : parseRawSetting(key, raw, `--${flag}`),
    );
    command.addOption(option);
    attributes.push([key, option.attributeName()]);
  }
  return (options) => Object.fromEntries(attributes.map(([key, attribute]) => [key, options[attribute]]));
}
