import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BerthError } from '../core/errors.js';
import { modelConfigSchema, type ModelConfig } from '../core/model-config.js';
import { formatZodIssues } from './zod-issues.js';

export const MODEL_CONFIG_FILE = 'berth.yaml';

/**
 * Reads and validates berth.yaml from a local version folder; a missing file means all defaults.
 * `where` is the store URI of the folder, so errors name what the user published, not a cache path.
 */
export async function readModelConfig(dir: string, where: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, MODEL_CONFIG_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Object.freeze(modelConfigSchema.parse({}));
    throw error;
  }
  return parseModelConfig(text, `${where}/${MODEL_CONFIG_FILE}`);
}

/** Parses berth.yaml text; errors name the file and the key. */
export function parseModelConfig(text: string, where: string): ModelConfig {
  let value: unknown;
  try {
    value = parse(text) ?? {};
  } catch (error) {
    throw new BerthError('BAD_MODEL_CONFIG', `${where}: not valid YAML: ${(error as Error).message}`);
  }
  const result = modelConfigSchema.safeParse(value);
  if (!result.success) {
    throw new BerthError('BAD_MODEL_CONFIG', `${where}: ${formatZodIssues(result.error.issues)}`);
  }
  return Object.freeze(result.data);
}
