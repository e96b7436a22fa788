/**
 * Runs the training command in its own process group, so a timeout or an interrupt stops the
 * whole tree it started (data loaders, shells, torchrun workers), not just its first process.
 * Its stdout and stderr are streamed line by line with a prefix and kept in a log file.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Clock, Timer } from '../../core/clock.js';
import { BerthError } from '../../core/errors.js';

/** What to run and how long it may take. */
export interface TrainerSpec {
  readonly command: readonly string[];
  readonly cwd: string;
  /** The whole environment of the command. */
  readonly env: NodeJS.ProcessEnv;
  /** Every output line, unprefixed, is appended here. */
  readonly logFile: string;
  /** Where prefixed lines are streamed (berth's stderr). */
  readonly stream: Writable;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Aborting stops the group and fails with TRAIN_INTERRUPTED. */
  readonly signal?: AbortSignal;
  /** SIGTERM first, SIGKILL this long after (default 10 s). */
  readonly graceMs?: number;
  /** Each line's prefix on `stream` (default `train| `). */
  readonly prefix?: string;
}

/** How a successful run went. */
export interface TrainerResult {
  readonly pid: number;
}

/** The line prefix of the trainer's output on berth's stderr. */
export const TRAIN_LINE_PREFIX = 'train| ';

/** Runs the command to completion; TRAIN_COMMAND_FAILED / TRAIN_TIMEOUT / TRAIN_INTERRUPTED otherwise. */
export async function runTrainer(spec: TrainerSpec): Promise<TrainerResult> {
  const [program, ...args] = spec.command;
  if (program === undefined) throw new BerthError('TRAIN_JOB_INVALID', 'command: expected at least one word');
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const prefix = spec.prefix ?? TRAIN_LINE_PREFIX;
  const graceMs = spec.graceMs ?? 10_000;
  const shown = spec.command.join(' ');
  if (spec.signal?.aborted) throw interrupted(shown);
  const child = spawn(program, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true, // its own process group: kill(-pid) reaches every descendant that stays in it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stopping: { reason: 'timeout' | 'interrupt'; kill?: Timer } | undefined;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const stop = (reason: 'timeout' | 'interrupt'): void => {
    if (stopping !== undefined) return;
    stopping = { reason, kill: spec.clock.setTimer(graceMs, () => killGroup('SIGKILL')) };
    killGroup('SIGTERM');
  };
  const timer = spec.clock.setTimer(spec.timeoutMs, () => stop('timeout'));
  const onAbort = (): void => stop('interrupt');
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  const lines = [lineSplitter(prefix, spec.stream, log), lineSplitter(prefix, spec.stream, log)] as const;
  child.stdout.on('data', (chunk: Buffer) => lines[0].push(chunk));
  child.stderr.on('data', (chunk: Buffer) => lines[1].push(chunk));
  try {
    const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => {
          // The leader is gone; anything it left in the group is stopped too, so no stray process
          // outlives the run (and the pipes it holds close, letting 'close' fire).
          killGroup('SIGKILL');
          child.once('close', () => resolve({ code, signal }));
        });
      },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new BerthError(
        'TRAIN_COMMAND_FAILED',
        `command ${JSON.stringify(shown)}: could not start (${error.code ?? error.message}); expected a program on the PATH or a path relative to the workdir`,
        { cause: error },
      );
    });
    lines[0].end();
    lines[1].end();
    if (stopping?.reason === 'timeout') {
      throw new BerthError(
        'TRAIN_TIMEOUT',
        `command ${JSON.stringify(shown)}: still running after the timeout of ${spec.timeoutMs} ms; its process group was stopped`,
      );
    }
    if (stopping?.reason === 'interrupt') throw interrupted(shown);
    if (outcome.code !== 0) {
      const how =
        outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
      throw new BerthError(
        'TRAIN_COMMAND_FAILED',
        `command ${JSON.stringify(shown)} ${how}; expected exit code 0`,
      );
    }
    return { pid: child.pid ?? 0 };
  } finally {
    timer.clear();
    stopping?.kill?.clear();
    spec.signal?.removeEventListener('abort', onAbort);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

function interrupted(shown: string): BerthError {
  return new BerthError(
    'TRAIN_INTERRUPTED',
    `command ${JSON.stringify(shown)}: berth train was interrupted (SIGINT or SIGTERM); its process group was stopped`,
  );
}

/** Cuts chunks into lines: each goes to `stream` with the prefix and to `log` as it is. */
function lineSplitter(prefix: string, stream: Writable, log: Writable) {
  let rest = '';
  const decoder = new StringDecoder('utf8'); // a character split across two chunks stays whole
  const emit = (line: string): void => {
    stream.write(`${prefix}${line}\n`);
    log.write(`${line}\n`);
  };
  return {
    push(chunk: Buffer): void {
      const text = rest + decoder.write(chunk);
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) emit(line.replace(/\r$/, ''));
    },
    end(): void {
      rest += decoder.end();
      if (rest.length > 0) emit(rest);
      rest = '';
    },
  };
}
