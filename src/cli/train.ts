/**
 * `berth train`: runs a training job (a YAML file, flags over it) and publishes the verified model
 * as the next version. Parses arguments into a job and calls jobs/train; the behaviour lives there.
 * stdout gets one line, the published version's URI; everything else goes to stderr.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { defaultCacheDir } from '../config/server-config.js';
import { systemClock, type Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { GitCodeFetcher, type CodeFetcher } from '../jobs/train/code-fetcher.js';
import {
  mergeTrainJob,
  paramValue,
  parseTrainJob,
  readTrainJobText,
  splitPair,
  type TrainJobFlags,
} from '../jobs/train/train-job.js';
import { runTrainJob } from '../jobs/train/train-run.js';
import { StageTimer } from '../jobs/train/train-stages.js';
import { OnnxRuntime } from '../runtime/onnx/onnx-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { BERTH_VERSION } from '../core/version.js';
import { trainDoneLine, trainFailedLine } from './train-summary.js';

/** What the command is given from outside; tests swap the streams, clock, fetcher and runtime. */
export interface TrainCommandDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly clock?: Clock;
  readonly fetcher?: CodeFetcher;
  readonly runtime?: Runtime;
  /** The raw arguments, to find `--` in (process.argv when absent). */
  readonly argv?: readonly string[];
}

const repeat = (raw: string, previous: string[] | undefined): string[] => [...(previous ?? []), raw];

/** Registers `berth train`. */
export function registerTrainCommand(
  program: Command,
  setExit: (code: number) => void,
  deps: TrainCommandDeps = {},
): void {
  program
    .command('train')
    .description(
      'Fetch a git ref, stage data, run the training command, verify the model and publish it as the next version.',
    )
    .argument('[job]', 'job file (YAML); every field can also be given as a flag, and flags win')
    .argument('[command...]', 'the training command, after "--" (e.g. -- python train.py)')
    .option('--repo <url>', 'git repository: https, ssh, file:// URL or a local path')
    .option('--ref <ref>', 'branch, tag or commit to train from')
    .option('--workdir <dir>', "the command's folder, relative to the repository root")
    .option('--data <name=uri>', 'a data URI staged as $BERTH_DATA_DIR/<name> (repeatable)', repeat)
    .option(
      '--param <key=value>',
      'a parameter, in BERTH_PARAMS_FILE and BERTH_PARAM_<KEY> (repeatable)',
      repeat,
    )
    .option('--env <KEY=VALUE>', 'an environment variable for the command (repeatable)', repeat)
    .option('--output-model <name>', 'the model name to publish under')
    .option('--output-store <uri>', 'the store holding the model folder')
    .option('--timeout <duration>', 'stop the command after this long: 90s, 30m, 2h, 1d (default 24h)')
    .option('--samples <path|uri>', 'sample rows (V2 request JSON) the model must answer before publishing')
    .option('--cache-dir <dir>', 'the local cache; staged data goes in its data/ folder (BERTH_CACHE_DIR)')
    .option(
      '--no-publish',
      'train and verify what was written, publish nothing, print nothing on stdout (the other ranks of a multi-node run)',
    )
    .option('--keep-workdir', 'keep the run folder (checkout, data links, output) after the run', false)
    .action(async (job: string | undefined, rest: string[], options: Record<string, unknown>) => {
      const { jobFile, command } = splitOperands(deps.argv ?? process.argv, [
        ...(job !== undefined ? [job] : []),
        ...rest,
      ]);
      setExit(await runTrainCommand(jobFile, command, options, deps));
    });
}

/**
 * The job file and the words after `--`. Commander hands every operand over without saying where
 * `--` was, so a job given only by flags (`berth train --repo ... -- python train.py`) would read
 * `python` as the job file; the raw arguments tell.
 */
function splitOperands(
  raw: readonly string[],
  operands: readonly string[],
): { jobFile?: string; command: string[] } {
  const dash = raw.indexOf('--');
  const command = dash < 0 ? [] : raw.slice(dash + 1);
  const before = operands.slice(0, Math.max(0, operands.length - command.length));
  if (before.length > 1) {
    throw new BerthError(
      'TRAIN_JOB_INVALID',
      `unexpected arguments ${JSON.stringify(before.slice(1).join(' '))}: give the command after "--" (berth train job.yaml -- python train.py)`,
    );
  }
  return { ...(before[0] !== undefined ? { jobFile: before[0] } : {}), command };
}

/** Runs one `berth train` invocation; resolves to the exit code. */
export async function runTrainCommand(
  jobFile: string | undefined,
  command: readonly string[],
  options: Record<string, unknown>,
  deps: TrainCommandDeps,
): Promise<number> {
  const env = deps.env ?? process.env;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const file = jobFile === undefined ? {} : readTrainJobText(await readJobFile(jobFile), jobFile);
  const job = parseTrainJob(mergeTrainJob(file, flagsOf(options, command)), jobFile ?? 'berth train');
  const cacheDir =
    (typeof options.cacheDir === 'string' ? options.cacheDir : undefined) ??
    (env.BERTH_CACHE_DIR || defaultCacheDir(env));
  const clock = deps.clock ?? systemClock;
  const stages = new StageTimer(clock);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  // `on`, not `once`: a second Ctrl-C must not kill berth before it has stopped the trainer's group.
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const result = await runTrainJob(
      job,
      {
        stores: createDefaultStoreRegistry(resolveStoreSettings(env)),
        fetcher: deps.fetcher ?? new GitCodeFetcher({ env }),
        runtime: deps.runtime ?? new OnnxRuntime({ instances: 1 }),
        clock,
        wallClock: () => new Date(),
        stream: stderr,
        note: (line) => stderr.write(`${line}\n`),
        env,
        berthVersion: BERTH_VERSION,
        host: hostname(),
        signal: stop.signal,
        stages,
      },
      { cacheDir, keepWorkdir: options.keepWorkdir === true, publish: options.publish !== false },
    );
    const what =
      result.published === undefined
        ? `verified, not published (--no-publish; commit ${result.lineage.commit})`
        : `published ${result.published.uri} (commit ${result.lineage.commit})`;
    stderr.write(`${trainDoneLine(what, stages.elapsedMs, stages.timings)}\n`);
    if (result.published !== undefined) stdout.write(`${result.published.uri}\n`);
    return 0;
  } catch (error) {
    const line = trainFailedLine(stages.elapsedMs, stages.timings);
    if (line !== undefined) stderr.write(`${line}\n`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function readJobFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new BerthError(
      'TRAIN_JOB_INVALID',
      `job file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code}); expected a YAML job file`,
      { cause: error },
    );
  }
}

function flagsOf(options: Record<string, unknown>, command: readonly string[]): TrainJobFlags {
  const text = (key: string): string | undefined =>
    typeof options[key] === 'string' ? (options[key] as string) : undefined;
  const pairs = (key: string, flag: string, value: (raw: string) => unknown = (raw) => raw) => {
    const list = (options[key] as string[] | undefined) ?? [];
    return Object.fromEntries(
      list.map((raw) => splitPair(raw, flag)).map(([name, raw]) => [name, value(raw)]),
    );
  };
  const flags: Record<string, unknown> = {
    repo: text('repo'),
    ref: text('ref'),
    workdir: text('workdir'),
    command: command.length > 0 ? command : undefined,
    data: pairs('data', '--data'),
    params: pairs('param', '--param', paramValue),
    env: pairs('env', '--env'),
    outputModel: text('outputModel'),
    outputStore: text('outputStore'),
    timeout: text('timeout'),
    samples: text('samples'),
  };
  return Object.fromEntries(
    Object.entries(flags).filter(([, value]) => value !== undefined),
  ) as TrainJobFlags;
}
