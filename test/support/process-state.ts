/** Whether a process is still running, for tests that check a process tree was stopped. */
import { readFileSync } from 'node:fs';

/** True while `pid` runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ...": Z is a zombie, X dead.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): signal 0 succeeded, so it runs
  }
}

/**
 * Resolves true once `pid` is gone, false if it still runs after `limitMs`. A SIGKILLed process
 * closes its files (which is what ends a run) a moment before the kernel marks it exited, so a test
 * that checks right after must wait for that; the limit only bounds a real failure.
 */
export async function goneWithin(pid: number, limitMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
