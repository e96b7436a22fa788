/** Runs the real `berth` binary to completion and returns its exit code and output (a non-zero exit is not thrown). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../../bin/berth.js', import.meta.url));
const run = promisify(execFile);

export interface BerthResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `berth <args>` with `env` over this process's environment. */
export async function runBerth(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<BerthResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as BerthResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
