/**
 * Servers and load generators as child processes, each in its own process group, with their output
 * kept in a log file and the last lines in memory. Every process started here is stopped by `stop`,
 * and by `stopAll` on the way out, whatever happened (the bench never leaves a server behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { listProcs, processTree } from './proc.js';

/** A started child process. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string | null>;
  readonly exitCode: () => number | string | null | undefined;
  /** The last lines of stdout and stderr, oldest first. */
  readonly tail: () => string[];
  /** Resolves with the first line (past or future) matching `test`; rejects on exit or after `timeoutMs`. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGTERM to the group and tree, SIGKILL after `graceMs`; resolves when all of them are gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** File receiving stdout and stderr. */
  readonly logFile: string;
  /** Lines kept in memory for error messages. */
  readonly keepLines?: number;
}

const live = new Set<ManagedProcess>();

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartOptions,
): ManagedProcess {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const keep = options.keepLines ?? 200;
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  let code: number | string | null | undefined;
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
    for (const waiter of waiters) waiter(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      code = exitCode ?? signal;
      resolve(code);
    });
    child.on('error', (error) => {
      code = error.message;
      resolve(code);
    });
  });
  void exited.then(() => setTimeout(() => log.end(), 100));

  const managed: ManagedProcess = {
    name,
    pid,
    child,
    exited,
    exitCode: () => code,
    tail: () => [...lines],
    waitForLine(test, timeoutMs) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no such line within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const waiter = (line: string): void => {
          if (test(line)) finish(undefined, line);
        };
        const finish = (error?: Error, line?: string): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (error) reject(error);
          else resolve(line as string);
        };
        waiters.add(waiter);
        void exited.then((exit) => finish(new Error(`${name} exited (${String(exit)})`)));
      });
    },
    async stop(graceMs = 5000) {
      await stopTree(pid, exited, graceMs);
      live.delete(managed);
    },
  };
  live.add(managed);
  return managed;
}

/** Stops every process started here that is still running. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.allSettled([...live].map((managed) => managed.stop(graceMs)));
}

/** Last resort on exit: SIGKILL whatever is left, synchronously. */
export function killAllNow(): void {
  for (const managed of live) signalTree(managed.pid, processTree([managed.pid]), 'SIGKILL');
}

async function stopTree(pid: number, exited: Promise<unknown>, graceMs: number): Promise<void> {
  // Remember the whole tree first: children whose parent dies are re-parented and lost to a later scan.
  const tree = new Set(processTree([pid]));
  tree.add(pid);
  signalTree(pid, [...tree], 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && anyAlive(tree)) await sleep(50);
  if (anyAlive(tree)) {
    for (const extra of processTree(tree)) tree.add(extra);
    signalTree(pid, [...tree], 'SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (Date.now() < killDeadline && anyAlive(tree)) await sleep(50);
  }
  await Promise.race([exited, sleep(2000)]);
}

function signalTree(pid: number, pids: readonly number[], signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
  for (const member of pids) {
    try {
      process.kill(member, signal);
    } catch {
      // Already exited.
    }
  }
}

function anyAlive(pids: ReadonlySet<number>): boolean {
  const procs = listProcs();
  return [...pids].some((pid) => procs.has(pid) && !isZombie(pid));
}

function isZombie(pid: number): boolean {
  // A zombie has exited and only waits for its parent to reap it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
