/**
 * One `berth train` run: fetch the code at one commit, stage the data, run the trainer, verify
 * what it wrote, and only then publish it as the next version with its lineage. Any failure, a
 * timeout or an interrupt publishes nothing: publishVersion is the last step, and atomic.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { BerthError } from '../../core/errors.js';
import { publishVersion } from '../../repository/publish.js';
import type { Runtime } from '../../runtime/runtime.js';
import { withRetries } from '../../storage/retrying-store.js';
import { checkModelName, storeUriOf } from '../../storage/store-path.js';
import type { StoreRegistry } from '../../storage/store-registry.js';
import type { CodeFetcher } from './code-fetcher.js';
import { stageData, type StagedData } from './stage-data.js';
import { trainTimeoutMs, type TrainJob } from './train-job.js';
import { StageTimer } from './train-stages.js';
import { runTrainer } from './trainer-process.js';
import { verifyModel, type VerifySamples } from './verify-model.js';

/** What a run is given from outside. */
export interface TrainRunDeps {
  readonly stores: StoreRegistry;
  readonly fetcher: CodeFetcher;
  readonly runtime: Runtime;
  /** Times the trainer's timeout and kill grace. */
  readonly clock: Clock;
  /** The time recorded in lineage (startedAt, finishedAt). */
  readonly wallClock: () => Date;
  /** The trainer's prefixed output goes here (berth's stderr). */
  readonly stream: Writable;
  /** One progress line (berth's stderr). */
  readonly note: (line: string) => void;
  /** The environment the trainer's starts from (berth's own). */
  readonly env: NodeJS.ProcessEnv;
  readonly berthVersion: string;
  readonly host: string;
  /** Aborted on SIGINT / SIGTERM: the run stops and publishes nothing. */
  readonly signal?: AbortSignal;
  /** Times each stage, for the caller's summary; one of the run's own when absent. */
  readonly stages?: StageTimer;
}

/** Where a run works and what it leaves. */
export interface TrainRunOptions {
  /** The local cache (staged data under `data/`). */
  readonly cacheDir: string;
  /** The run folder is made in here; the system temp folder when absent. */
  readonly runRoot?: string;
  /** Keep the run folder (checkout, data links, output) after the run. */
  readonly keepWorkdir: boolean;
  /** SIGTERM to SIGKILL grace for the trainer's group, ms. */
  readonly graceMs?: number;
  /**
   * False: train, verify what was written (an empty output is allowed), then stop. Every worker of
   * a multi-node run trains, but only one may publish, or each would add a version.
   */
  readonly publish?: boolean;
}

/** A trained version's lineage in MANIFEST.json. */
export interface TrainLineage {
  readonly kind: 'train';
  readonly repo: string;
  readonly ref: string;
  readonly commit: string;
  readonly workdir: string;
  readonly command: readonly string[];
  readonly data: Readonly<Record<string, StagedData>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly host: string;
  readonly berthVersion: string;
}

/** The published version (absent with `publish: false`). */
export interface TrainRunResult {
  readonly published?: { readonly uri: string; readonly version: number };
  readonly lineage: TrainLineage;
  /** The run folder (gone unless keepWorkdir). */
  readonly runDir: string;
}

/** The name of the trainer's log in the run folder. */
export const TRAIN_LOG_FILE = 'train.log';
/** The metrics file the trainer may write into its output folder. */
export const METRICS_FILE = 'metrics.json';

/** Runs a job end to end; resolves to the published version. */
export async function runTrainJob(
  job: TrainJob,
  deps: TrainRunDeps,
  options: TrainRunOptions,
): Promise<TrainRunResult> {
  const startedAt = deps.wallClock().toISOString();
  const store = withRetries(deps.stores.resolve(job.output.store));
  const model = checkModelName(job.output.model, store.uri);
  if (!store.writable) {
    throw new BerthError('STORE_READ_ONLY', `output.store ${store.uri}: cannot publish to a read-only store`);
  }
  const runDir = await mkdtemp(join(options.runRoot ?? tmpdir(), 'berth-train-'));
  const paths = {
    code: join(runDir, 'code'),
    data: join(runDir, 'data'),
    output: join(runDir, 'output'),
    params: join(runDir, 'params.json'),
    log: join(runDir, TRAIN_LOG_FILE),
  };
  const stages = deps.stages ?? new StageTimer(deps.clock);
  let ok = false;
  try {
    deps.note(`train: fetching ${job.repo} at ${job.ref}`);
    const cwd = join(paths.code, job.workdir);
    const commit = await stages.time('fetch code', async () => {
      const fetched = await interruptible(deps.signal, () =>
        deps.fetcher.fetch(job.repo, job.ref, paths.code, deps.signal),
      );
      deps.note(`train: ${job.ref} is commit ${fetched.commit}`);
      if (!(await stat(cwd).catch(() => undefined))?.isDirectory()) {
        throw new BerthError(
          'TRAIN_JOB_INVALID',
          `workdir ${JSON.stringify(job.workdir)}: no such folder in ${job.repo} at ${fetched.commit}`,
        );
      }
      return fetched.commit;
    });
    const data = await stages.time('stage data', () =>
      interruptible(deps.signal, () =>
        stageData(deps.stores, job.data, {
          cacheDir: options.cacheDir,
          dataDir: paths.data,
          ...(deps.signal ? { signal: deps.signal } : {}),
          onStaged: (name, one, reused) =>
            deps.note(
              `train: data ${name}: ${one.uri} (${one.files.length} files, ${one.bytes} bytes${reused ? ', cached' : ''})`,
            ),
        }),
      ),
    );
    const where = `$BERTH_OUTPUT_DIR`;
    const wroteAnything = await stages.time('run', async () => {
      await mkdir(paths.output);
      await writeFile(paths.params, `${JSON.stringify(job.params, null, 2)}\n`);
      deps.note(`train: running ${job.command.join(' ')} (timeout ${job.timeout})`);
      await runTrainer({
        command: job.command,
        cwd,
        env: trainerEnv(job, deps.env, paths),
        logFile: paths.log,
        stream: deps.stream,
        timeoutMs: trainTimeoutMs(job),
        clock: deps.clock,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      });
      const wroteAnything = (await readdir(paths.output)).length > 0;
      // Without publishing, an empty output is fine: the other ranks of a multi-node run write none.
      if (!wroteAnything && options.publish !== false) {
        throw new BerthError(
          'TRAIN_NO_MODEL',
          `${where} is empty after ${job.command.join(' ')}; expected the trainer to write model.onnx there`,
        );
      }
      return wroteAnything;
    });
    // An empty output (no model, no metrics) has nothing to validate.
    const metrics = !wroteAnything
      ? {}
      : await stages.time('validate', async () => {
          const read = await readMetrics(paths.output);
          const samples = await readSamples(job, deps.stores, paths.output);
          const report = await verifyModel(paths.output, {
            runtime: deps.runtime,
            where,
            tolerance: job.verify.tolerance,
            ...(samples ? { samples } : {}),
          });
          deps.note(`train: verified (${report.runs} requests: smoke${samples ? ' and sample rows' : ''})`);
          return read;
        });
    const lineage: TrainLineage = {
      kind: 'train',
      repo: job.repo,
      ref: job.ref,
      commit,
      workdir: job.workdir,
      command: job.command,
      data,
      params: job.params,
      metrics,
      startedAt,
      finishedAt: deps.wallClock().toISOString(),
      host: deps.host,
      berthVersion: deps.berthVersion,
    };
    if (options.publish === false) {
      ok = true;
      return { lineage, runDir };
    }
    if (deps.signal?.aborted) throw interrupted('before publishing');
    const published = await stages.time('publish', () =>
      interruptible(deps.signal, () =>
        publishVersion(store, model, paths.output, {
          lineage: lineage as unknown as Record<string, unknown>,
          ...(deps.signal ? { signal: deps.signal } : {}),
        }),
      ),
    );
    ok = true;
    return {
      published: { uri: storeUriOf(store.uri, `${model}/${published.version}`), version: published.version },
      lineage,
      runDir,
    };
  } finally {
    await cleanUp(runDir, paths.log, ok, options.keepWorkdir, deps.note);
  }
}

/** The trainer's environment: berth's, the job's `env`, then the contract variables (which win). */
export function trainerEnv(
  job: TrainJob,
  base: NodeJS.ProcessEnv,
  paths: { readonly data: string; readonly output: string; readonly params: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...job.env };
  for (const key of Object.keys(env)) if (/^BERTH_(DATA|PARAM)_/.test(key)) delete env[key]; // no stale ones
  env.BERTH_DATA_DIR = paths.data;
  env.BERTH_OUTPUT_DIR = paths.output;
  env.BERTH_PARAMS_FILE = paths.params;
  env.BERTH_METRICS_FILE = join(paths.output, METRICS_FILE);
  for (const name of Object.keys(job.data)) env[`BERTH_DATA_${name.toUpperCase()}`] = join(paths.data, name);
  for (const [key, value] of Object.entries(job.params)) {
    env[`BERTH_PARAM_${key.toUpperCase()}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** metrics.json as an object, `{}` when the trainer wrote none. */
async function readMetrics(outputDir: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(join(outputDir, METRICS_FILE), 'utf8');
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BerthError(
      'TRAIN_VERIFY_FAILED',
      `$BERTH_METRICS_FILE (${METRICS_FILE}): not valid JSON (${(error as Error).message}); expected a JSON object of metrics`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BerthError(
      'TRAIN_VERIFY_FAILED',
      `$BERTH_METRICS_FILE (${METRICS_FILE}): ${JSON.stringify(value)?.slice(0, 80)}; expected a JSON object of metrics`,
    );
  }
  return value as Record<string, unknown>;
}

/** The sample rows named by `verify.samples`: a path in the output folder or a store URI. */
async function readSamples(
  job: TrainJob,
  stores: StoreRegistry,
  outputDir: string,
): Promise<VerifySamples | undefined> {
  const samples = job.verify.samples;
  if (samples === undefined) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(samples)) {
    const slash = samples.replace(/\/+$/, '').lastIndexOf('/');
    try {
      const store = withRetries(stores.resolve(samples.slice(0, slash)));
      const chunks: Buffer[] = [];
      for await (const chunk of await store.read(samples.slice(slash + 1))) chunks.push(chunk as Buffer);
      return { bytes: Buffer.concat(chunks), where: samples };
    } catch (error) {
      throw new BerthError(
        'TRAIN_VERIFY_FAILED',
        `verify.samples ${samples}: cannot read the sample rows (${(error as Error).message})`,
        { cause: error },
      );
    }
  }
  if (samples.startsWith('/') || samples.split('/').includes('..')) {
    throw new BerthError(
      'TRAIN_JOB_INVALID',
      `verify.samples ${JSON.stringify(samples)}: expected a path inside $BERTH_OUTPUT_DIR or a store URI`,
    );
  }
  try {
    return { bytes: await readFile(join(outputDir, samples)), where: `$BERTH_OUTPUT_DIR/${samples}` };
  } catch (error) {
    throw new BerthError(
      'TRAIN_VERIFY_FAILED',
      `verify.samples ${JSON.stringify(samples)}: not in $BERTH_OUTPUT_DIR (${(error as NodeJS.ErrnoException).code}); expected the trainer to write it`,
      { cause: error },
    );
  }
}

/** Turns whatever a step throws once berth was interrupted into TRAIN_INTERRUPTED. */
async function interruptible<T>(signal: AbortSignal | undefined, step: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw interrupted('before it started');
  try {
    return await step();
  } catch (error) {
    if (signal?.aborted && !(error instanceof BerthError && error.id === 'TRAIN_INTERRUPTED')) {
      throw interrupted(`(${(error as Error).message})`, error);
    }
    throw error;
  }
}

function interrupted(when: string, cause?: unknown): BerthError {
  return new BerthError(
    'TRAIN_INTERRUPTED',
    `berth train was interrupted (SIGINT or SIGTERM) ${when}; nothing was published`,
    cause === undefined ? undefined : { cause },
  );
}

/** Removes the run folder; after a failure its train.log stays, named on stderr. */
async function cleanUp(
  runDir: string,
  log: string,
  ok: boolean,
  keep: boolean,
  note: (line: string) => void,
): Promise<void> {
  if (keep) {
    note(`train: run folder kept: ${runDir}`);
    return;
  }
  const hasLog = (await stat(log).catch(() => undefined)) !== undefined;
  if (ok || !hasLog) {
    await rm(runDir, { recursive: true, force: true });
    return;
  }
  for (const name of ['code', 'data', 'output', 'params.json'])
    await rm(join(runDir, name), { recursive: true, force: true });
  note(`train: the trainer's log is kept: ${log}`);
}
