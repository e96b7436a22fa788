/**
 * Removes the `.partial-*` folders that downloads into the local cache left when their process
 * died (a clean failure removes its own). A folder younger than the minimum age may be a live
 * download of another process sharing the cache folder, so only old ones go. The age is that of
 * the newest mtime in the folder: a large file being written keeps the folder young.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { DEFAULT_DEBRIS_MIN_AGE_MS, isOldEnough, newestTime, wallClock } from './debris-age.js';
import { PARTIAL_PREFIX } from './local-cache.js';

/** Where removals are reported; a pino Logger fits. */
export interface SweepLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** How old a partial folder must be, and the clock (ms since the epoch) its mtime is aged by. */
export interface SweepOptions {
  /** DEFAULT_DEBRIS_MIN_AGE_MS (1 hour) when absent. */
  readonly minAgeMs?: number;
  /** wallClock when absent. */
  readonly clock?: Pick<Clock, 'now'>;
  readonly logger?: SweepLogger;
}

/** One removed partial folder. */
export interface SweptFolder {
  readonly path: string;
  /** Time since the newest mtime inside it, ms. */
  readonly ageMs: number;
}

/**
 * Removes every `.partial-*` folder directly in `cacheDir` older than the minimum age, logging
 * each removal; a missing cache folder is fine. Never throws: a folder that cannot be removed is
 * logged (warn) and left, since debris must not stop a server from starting.
 */
export async function sweepPartialFolders(
  cacheDir: string,
  options: SweepOptions = {},
): Promise<SweptFolder[]> {
  const { minAgeMs = DEFAULT_DEBRIS_MIN_AGE_MS, clock = wallClock, logger } = options;
  let children: Dirent[];
  try {
    children = await readdir(cacheDir, { withFileTypes: true });
  } catch {
    return []; // no cache folder yet (or unreadable, which the download will report)
  }
  const swept: SweptFolder[] = [];
  for (const child of children) {
    if (!child.isDirectory() || !child.name.startsWith(PARTIAL_PREFIX)) continue;
    const path = join(cacheDir, child.name);
    try {
      const modifiedMs = await newestMtime(path);
      const now = clock.now();
      if (!isOldEnough(modifiedMs, now, minAgeMs)) continue;
      await rm(path, { recursive: true, force: true });
      const ageMs = modifiedMs === undefined ? 0 : now - modifiedMs;
      swept.push({ path, ageMs });
      logger?.info({ path, ageMs }, 'removed a partial cache folder left by an unfinished download');
    } catch (error) {
      logger?.warn({ path, err: error }, 'cannot remove a partial cache folder');
    }
  }
  return swept;
}

/** The newest mtime of a folder and everything in it (lstat: links are not followed). */
async function newestMtime(path: string): Promise<number | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isDirectory()) return info.mtimeMs;
  const names = await readdir(path).catch(() => [] as string[]);
  const inner = await Promise.all(names.map((name) => newestMtime(join(path, name))));
  return newestTime([info.mtimeMs, ...inner]);
}
