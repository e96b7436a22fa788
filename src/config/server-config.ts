/**
 * `berth serve` settings as one strict schema derived from the settings table
 * (server-settings.ts), with the rule that ties keys together (models are required unless
 * model_control_mode is explicit), and the BERTH_* variables read from an environment record.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseRawSetting } from './raw-setting.js';
import { envName, SERVER_SETTINGS, SETTING_KEYS, type SettingKey } from './server-settings.js';

type Settings = typeof SERVER_SETTINGS;
type Shape = { [K in SettingKey]: Settings[K]['field'] };

const shape = Object.fromEntries(SETTING_KEYS.map((key) => [key, SERVER_SETTINGS[key].field])) as Shape;

/** The schema of every key, strict (an unknown key is an error), with the cross-key rules. */
export const serverConfigSchema = z
  .object(shape)
  .strict()
  .superRefine((config, context) => {
    if (config.model_control_mode !== 'explicit' && config.models.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['models'],
        message: `at least one model is required with model_control_mode ${config.model_control_mode}: give --model <name> (or BERTH_MODELS, or models: in --config); only explicit mode may start with none`,
      });
    }
  });

/** Validated settings, with the cache folder resolved. */
export type ServerConfig = Readonly<z.infer<typeof serverConfigSchema> & { cache_dir: string }>;

/** The cache folder when none is configured. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth', 'models');
}

/** The values the BERTH_* variables in `env` give, by key; empty variables count as unset. */
export function readServerEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const variable = envName(key);
    const raw = env[variable];
    if (raw !== undefined && raw !== '') values[key] = parseRawSetting(key, raw, variable);
  }
  return values;
}
