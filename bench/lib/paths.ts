/** Where things are: the repository root, the compiled tree the bench runs from, and the cache. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Berth's package.json (the bench may be compiled into dist/ or .cache/dist-bench/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'berth'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: no package.json named "berth" above the compiled bench');
    dir = parent;
  }
}

/** The compiled `bench/` folder this file belongs to (siblings are entry points run as child processes). */
export function compiledBenchDir(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/** `${BERTH_CACHE:-~/.cache/berth}`: venvs and tools installed by scripts/bench-peers/setup.sh. */
export function berthCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_CACHE || join(homedir(), '.cache', 'berth');
}
