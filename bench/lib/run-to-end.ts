/** Runs a command to completion within a time limit and returns its last output lines. */
import { startProcess } from './child.js';

export interface Finished {
  readonly code: number | string | null;
  /** The last lines of stdout and stderr together. */
  readonly lines: readonly string[];
}

export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; logFile: string; cwd?: string },
): Promise<Finished> {
  const child = startProcess(name, command, args, { ...options, keepLines: 400 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(2000);
  }, options.timeoutMs);
  try {
    const code = await child.exited;
    if (timedOut) throw new Error(`${name}: still running after ${options.timeoutMs} ms; stopped`);
    return { code, lines: child.tail() };
  } finally {
    clearTimeout(timer);
    await child.stop(1000);
  }
}

/** The JSON after `marker` on the last line that has it, else undefined. */
export function jsonAfter(lines: readonly string[], marker: string): unknown {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    const at = line.indexOf(marker);
    if (at >= 0) return JSON.parse(line.slice(at + marker.length));
  }
  return undefined;
}
