/**
 * The programs the bench runs beside Berth, as scripts/bench-peers/setup.sh left them: wrk, ghz and
 * the Python venvs of the peers, each either usable or "unavailable: <reason>".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from '../config.js';
import { repoRoot } from './paths.js';
import { runToEnd } from './run-to-end.js';

export interface Tools {
  /** Status per part: "ok ..." or "unavailable: ...", keyed as in bench-tools.json. */
  readonly status: Readonly<Record<string, string>>;
  readonly wrk: string | undefined;
  readonly ghz: string | undefined;
  readonly venv: string;
  readonly mlserverVenv: string;
  /** Where setup.sh's output went. */
  readonly setupLog: string;
}

/** Runs setup.sh (unless BENCH_SETUP=0) and reads what it recorded. */
export async function prepareTools(config: BenchConfig, logDir: string): Promise<Tools> {
  const setupLog = join(logDir, 'setup.log');
  const statusFile = join(config.cache, 'bench-tools.json');
  const status: Record<string, string> = {};
  if (config.setup) {
    console.log('bench: scripts/bench-peers/setup.sh (cached after the first run; the first takes minutes)');
    try {
      const done = await runToEnd('setup', 'bash', [join(repoRoot(), 'scripts', 'bench-peers', 'setup.sh')], {
        env: { ...process.env, BERTH_CACHE: config.cache },
        timeoutMs: 45 * 60 * 1000,
        logFile: setupLog,
      });
      if (done.code !== 0)
        status.setup = `unavailable: setup.sh exited ${String(done.code)} (see ${setupLog})`;
    } catch (error) {
      status.setup = `unavailable: ${(error as Error).message}`;
    }
  }
  if (existsSync(statusFile)) Object.assign(status, JSON.parse(readFileSync(statusFile, 'utf8')) as object);
  const ghzPath = join(config.cache, 'bench-bin', 'ghz');
  const wrk = versionOf('wrk', ['--version']);
  return {
    status,
    wrk: wrk === undefined ? undefined : 'wrk',
    ghz: existsSync(ghzPath) ? ghzPath : undefined,
    venv: join(config.cache, 'bench-venv'),
    mlserverVenv: join(config.cache, 'bench-venv-mlserver'),
    setupLog,
  };
}

/** The first output line of `command args`, or undefined when it cannot run. */
export function versionOf(command: string, args: readonly string[]): string | undefined {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    return out.split('\n')[0]?.trim();
  } catch (error) {
    // wrk --version exits 1 after printing its banner.
    const stdout = (error as { stdout?: string }).stdout;
    const first = stdout?.split('\n')[0]?.trim();
    return first ? first : undefined;
  }
}

/** Why the peer part `key` cannot run, or undefined when setup installed it. */
export function peerUnavailable(tools: Tools, key: string, python: string): string | undefined {
  const status = tools.status[key];
  if (status === undefined)
    return `${key} was never installed: run scripts/bench-peers/setup.sh (or leave BENCH_SETUP unset)`;
  if (!status.startsWith('ok')) return status.replace(/^unavailable:\s*/, '');
  if (!existsSync(python)) return `${python} is missing: rerun scripts/bench-peers/setup.sh --force`;
  return undefined;
}
