/**
 * `berth batch`: offline predictions over the parts of an input folder in any store, through the
 * serving core in this process or a running server's V2 endpoint. Parses flags into a job spec
 * and calls jobs/batch; the behaviour lives there.
 */
import { Option, type Command } from 'commander';
import type { Writable } from 'node:stream';
import { loadServerConfig } from '../config/load-server-config.js';
import { systemClock, type Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import { runBatchJob, type BatchJobSpec } from '../jobs/batch/batch-runner.js';
import { commitOutput } from '../jobs/batch/commit-output.js';
import { endpointPredictor } from '../jobs/batch/endpoint-predictor.js';
import { listInputParts } from '../jobs/batch/input-parts.js';
import { openInput } from '../jobs/batch/job-location.js';
import { parseFeatures, parseRejectLimit, parseShard } from '../jobs/batch/job-options.js';
import type { Predictor } from '../jobs/batch/predictor.js';
import { parseRecordFormat, type RecordFormats } from '../jobs/batch/record-formats.js';
import { servingPredictor } from '../jobs/batch/serving-predictor.js';
import { createLogger } from '../observability/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { createServingCore, type ServingCore } from '../server/serving-core.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { createBatchProgress, summaryLine } from './batch-progress.js';
import { colorAllowed, isInteractive, TerminalBar } from './terminal-bar.js';
import { parseDuration } from '../core/duration.js';
import { BERTH_VERSION } from '../core/version.js';

/** What the command is given from outside; tests swap the formats, streams and clocks. */
export interface BatchCommandDeps {
  readonly formats: RecordFormats;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: Writable;
  readonly stderr?: Writable & { isTTY?: boolean };
  readonly clock?: Clock;
  readonly wallClock?: () => number;
  readonly runtime?: Runtime;
}

const positive = (flag: string) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `${flag} ${JSON.stringify(raw)}: expected a whole number of at least 1`,
    );
  }
  return value;
};
const repeat = (raw: string, previous: string[] | undefined): string[] => [...(previous ?? []), raw];

/** Registers `berth batch`. */
export function registerBatchCommand(
  program: Command,
  setExit: (code: number) => void,
  deps: BatchCommandDeps,
): void {
  program
    .command('batch')
    .description('Run a model over every part of an input folder and write one output part per input part.')
    .requiredOption('--input <uri>', 'a part file, or a folder (prefix) of part files, in any store')
    .requiredOption('--output <uri>', 'the output folder, in any writable store')
    .option('--model <ref>', 'the model: <store>/<model>[@version], or <model>[@version] with --store')
    .option('--store <uri>', 'the store of a --model given by name (BERTH_STORE)')
    .option(
      '--endpoint <url>',
      'send batches to this running server (V2 REST) instead of loading the model here',
    )
    .option('--concurrency <n>', 'parallel requests to --endpoint', positive('--concurrency'), 4)
    .option('--binary', 'with --endpoint: send and receive tensors with the V2 binary data extension', false)
    .option('--in-flight <n>', 'batches being predicted at once in this process', positive('--in-flight'), 4)
    .option('--batch-rows <n>', 'rows per batch read and predicted', positive('--batch-rows'), 4096)
    .option('--key <column>', 'a column copied to the output and the rejects (repeatable)', repeat)
    .option(
      '--features <spec>',
      'columns gathered into one input: f0..f63, a,b,c or input=a,b (repeatable)',
      repeat,
    )
    .addOption(
      new Option('--format <format>', 'input format (else by extension)').choices([
        'parquet',
        'csv',
        'jsonl',
      ]),
    )
    .addOption(
      new Option('--output-format <format>', 'output format (else the input format)').choices([
        'parquet',
        'csv',
        'jsonl',
      ]),
    )
    .option('--allow-nan', 'send NaN in float inputs instead of rejecting the row', false)
    .option(
      '--max-rejects <n|p%>',
      'fail the job past this many rejected rows, or this share of the rows read',
    )
    .option('--shard <i/n>', 'run shard i of n: the parts whose index modulo n is i', '0/1')
    .option('--force', 'redo parts a previous run finished', false)
    .option('--lock-ttl <duration>', 'a lease without a heartbeat this long is stale and taken over', '2m')
    .option('--commit', 'only write _SUCCESS, once every part of the job is finished', false)
    .option(
      '--shards <n>',
      'with --commit: the shard count every part must have been written by',
      positive('--shards'),
    )
    .option('--cache-dir <dir>', 'where models are downloaded (BERTH_CACHE_DIR)')
    .option('--device <device>', 'where the model runs: cpu, cuda or cuda:N (BERTH_DEVICE)')
    .action(async (options: Record<string, unknown>) => {
      setExit(await runBatchCommand(options, deps));
    });
}

/** Runs one `berth batch` invocation from parsed options; resolves to the exit code. */
export async function runBatchCommand(
  options: Record<string, unknown>,
  deps: BatchCommandDeps,
): Promise<number> {
  const env = deps.env ?? process.env;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const clock = deps.clock ?? systemClock;
  const stores = createDefaultStoreRegistry(resolveStoreSettings(env));
  const format =
    typeof options.format === 'string' ? parseRecordFormat(options.format, '--format') : undefined;
  const outputFormat =
    typeof options.outputFormat === 'string'
      ? parseRecordFormat(options.outputFormat, '--output-format')
      : undefined;
  const input = openInput(stores, options.input as string, format);
  const output = stores.resolve(options.output as string);
  if (options.commit === true) {
    const parts = await listInputParts(input.store, {
      ...(input.file !== undefined ? { file: input.file } : {}),
      ...(format ? { format } : {}),
      ...(outputFormat ? { outputFormat } : {}),
    });
    const shards = options.shards as number | undefined;
    await commitOutput(output, parts, { required: true, ...(shards !== undefined ? { shards } : {}) });
    stdout.write(`batch: committed ${parts.length} parts to ${output.uri}\n`);
    return 0;
  }
  const modelRef = options.model;
  if (typeof modelRef !== 'string') {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      '--model: required (e.g. s3://bucket/models/recommender@3), except with --commit',
    );
  }
  // On a terminal the log lines are printed above the bar, so they neither break it nor get broken.
  const bar = isInteractive(stderr, env)
    ? new TerminalBar({ stream: stderr, clock, color: colorAllowed(env) })
    : undefined;
  const logger = createLogger({
    level: env.BERTH_LOG_LEVEL ?? 'info',
    destination: bar ? bar.passthrough() : stderr,
  });
  const spec: BatchJobSpec = {
    input: input.store,
    ...(input.file !== undefined ? { inputFile: input.file } : {}),
    output,
    ...(format ? { format } : {}),
    ...(outputFormat ? { outputFormat } : {}),
    keys: (options.key as string[] | undefined) ?? [],
    features: ((options.features as string[] | undefined) ?? []).map(parseFeatures),
    batchRows: options.batchRows as number,
    inFlight: (typeof options.endpoint === 'string' ? options.concurrency : options.inFlight) as number,
    allowNan: options.allowNan === true,
    ...(typeof options.maxRejects === 'string' ? { maxRejects: parseRejectLimit(options.maxRejects) } : {}),
    shard: parseShard(options.shard as string),
    force: options.force === true,
    lockTtlMs: parseDuration(options.lockTtl as string, '--lock-ttl'),
  };
  let core: ServingCore | undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new BerthError('CANCELLED', 'berth batch was interrupted'));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const progress = createBatchProgress({ logger, clock, ...(bar ? { bar } : {}) });
  try {
    let predictor: Predictor;
    if (typeof options.endpoint === 'string') {
      const at = modelRef.lastIndexOf('@');
      const name = at > 0 ? modelRef.slice(0, at) : modelRef;
      predictor = await endpointPredictor(options.endpoint, name, {
        ...(at > 0 ? { version: modelRef.slice(at + 1) } : {}),
        binary: options.binary === true,
      });
    } else {
      const store = typeof options.store === 'string' ? options.store : env.BERTH_STORE;
      const source = parseModelRef(modelRef, store);
      const config = await loadServerConfig({
        env,
        flags: {
          models: [modelRef],
          ...(store !== undefined ? { store } : {}),
          ...(typeof options.cacheDir === 'string' ? { cache_dir: options.cacheDir } : {}),
          ...(typeof options.device === 'string' ? { device: options.device } : {}),
        },
      });
      core = createServingCore(config, {
        logger,
        version: BERTH_VERSION,
        clock,
        ...(deps.runtime ? { runtime: deps.runtime } : {}),
        stores,
      });
      predictor = await servingPredictor(core, source.name, source.version?.toString());
    }
    const summary = await runBatchJob(spec, {
      formats: deps.formats,
      predictor,
      clock,
      wallClock: deps.wallClock ?? (() => Date.now()),
      logger,
      onProgress: (at) => progress.update(at),
      signal: stop.signal,
    });
    progress.succeed(summary, output.uri);
    logger.info({ ...summary, output: output.uri }, 'batch job finished');
    stdout.write(`${summaryLine(summary)}\n`);
    return 0;
  } catch (error) {
    progress.fail();
    throw error;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (core) {
      await core.stop();
      await core.registry.unloadAll();
    }
  }
}
