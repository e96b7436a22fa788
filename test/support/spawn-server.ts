/** Runs `berth serve` as a real child process, reading its JSON logs and stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const BIN = fileURLToPath(new URL('../../../bin/berth.js', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: string[];
  /** Resolves with the listening URL (from the "listening" log line). */
  readonly url: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Resolves when a log line with this message appears; rejects if the process exits first. */
  waitForLog(message: string): Promise<Record<string, unknown>>;
}

export function spawnServer(args: string[], env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters: Array<{ message: string; resolve: (line: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { msg: line };
    }
    logs.push(parsed);
    for (const waiter of waiters.filter((candidate) => candidate.message === parsed.msg))
      waiter.resolve(parsed);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLog = (message: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = logs.find((line) => line.msg === message);
      if (seen) return resolve(seen);
      waiters.push({ message, resolve });
      void exited.then((code) =>
        reject(new Error(`server exited (${code}) before logging "${message}": ${stderr.join('\n')}`)),
      );
    });
  const url = waitForLog('listening; loading models').then((line) => String(line.url));
  url.catch(() => undefined);
  return { child, logs, stderr, url, exited, waitForLog };
}
