/**
 * Results files are committed: they name the repository as "." and temp folders as $TMPDIR, never
 * the paths of the machine that ran the bench.
 */
import { tmpdir } from 'node:os';
import { repoRoot } from './paths.js';

export function redactPaths(text: string): string {
  return text.split(repoRoot()).join('.').split(tmpdir()).join('$TMPDIR');
}
