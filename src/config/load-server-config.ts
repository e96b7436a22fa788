import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { BerthError } from '../core/errors.js';
import { defaultCacheDir, readServerEnv, serverConfigSchema, type ServerConfig } from './server-config.js';
import { formatZodIssues } from './zod-issues.js';

/** Where `berth serve` settings come from; they merge as defaults < file < env < flags. */
export interface ServerConfigSources {
  /** Path of a YAML file with the same keys as the flags (snake_case). */
  readonly file?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values given on the command line; undefined entries are not given. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** Merges defaults < file < env < flags, validates once and freezes the result. */
export async function loadServerConfig(sources: ServerConfigSources): Promise<ServerConfig> {
  const fromFile = sources.file ? await readConfigFile(sources.file) : {};
  const fromEnv = readServerEnv(sources.env);
  const fromFlags = Object.fromEntries(
    Object.entries(sources.flags).filter(([, value]) => value !== undefined),
  );
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  const result = serverConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new BerthError('BAD_SERVER_CONFIG', `server config: ${formatZodIssues(result.error.issues)}`);
  }
  return Object.freeze({
    ...result.data,
    cache_dir: result.data.cache_dir ?? defaultCacheDir(sources.env),
    models: Object.freeze([...result.data.models]) as string[],
  });
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new BerthError('BAD_SERVER_CONFIG', `${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BerthError('BAD_SERVER_CONFIG', `${path}: expected a YAML mapping of settings`);
  }
  return value as Record<string, unknown>;
}
