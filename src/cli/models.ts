import type { Command } from 'commander';
import { BerthError } from '../core/errors.js';
import {
  gcStore,
  listModels,
  pullModel,
  pushModel,
  removeModelVersion,
} from '../repository/model-commands.js';
import type { StoreCommandOptions } from '../repository/model-commands.js';
import type { RetryLogger } from '../storage/retrying-store.js';
import { parseDuration } from '../core/duration.js';
import { formatShownVersion, showModelVersion } from '../repository/show-version.js';
import { serializeManifest } from '../repository/manifest.js';
import { createDefaultStoreRegistry, type StoreRegistry } from '../storage/store-registry.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { createProgressReporter } from './progress-reporter.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { TransferOutcome } from './progress-format.js';

export function registerModelsCommands(program: Command, _setExit: (code: number) => void): void {
  const models = program
    .command('models')
    .description('List, push, pull and remove model versions in a store; clear crash debris.');

  models
    .command('push')
    .description('Publish a local folder as the next version of a model (atomic).')
    .argument('<dir>', 'folder with model.onnx, berth.yaml and any other files')
    .argument('<target>', 'store URI ending in the model name, e.g. file:///models/recommender')
    .option('--lineage <key=value>', 'lineage recorded in MANIFEST.json (repeatable)', collectPairs, {})
    .action(async (dir: string, target: string, options: { lineage: Record<string, string> }) => {
      const result = await withProgress(
        `push ${target}`,
        (transfer) => pushModel(dir, target, options.lineage, openStores(), transfer),
        (pushed) => ({ done: `pushed ${pushed.uri}`, bytes: pushed.bytes, files: pushed.files }),
      );
      console.log(`published ${result.uri} (${result.files} files, ${result.bytes} bytes)`);
    });

  models
    .command('ls')
    .description('List the models of a store, or the versions of one model.')
    .argument('<target>', 'store URI, or store URI ending in a model name')
    .action(async (target: string) => {
      for (const line of await listModels(target, openStores(), { retry: { logger: stderrRetries() } }))
        console.log(line);
    });

  models
    .command('pull')
    .description('Download and verify a model version into a local folder.')
    .argument('<source>', 'store URI ending in the model name, with @version to pin one')
    .argument('<dir>', 'local folder to write (must not exist)')
    .action(async (source: string, dir: string) => {
      const result = await withProgress(
        `pull ${source}`,
        (transfer) => pullModel(source, dir, openStores(), transfer),
        (pulled) => ({ done: `pulled ${pulled.uri}`, bytes: pulled.bytes, files: pulled.files }),
      );
      console.log(`pulled ${result.uri} into ${dir} (${result.bytes} bytes)`);
    });

  models
    .command('rm')
    .description('Remove one published version.')
    .argument('<target>', 'store URI ending in model@version')
    .action(async (target: string) => {
      const removed = await removeModelVersion(target, openStores(), { retry: { logger: stderrRetries() } });
      console.log(`removed ${removed}`);
    });

  models
    .command('show')
    .description("Print one version's files and lineage (where it came from: commit, data digests, metrics).")
    .argument(
      '<target>',
      'store URI of a version: <store>/<model>/<version>, <model>@<version>, or <model> for the latest',
    )
    .option('--json', 'print MANIFEST.json as it is', false)
    .action(async (target: string, options: { json: boolean }) => {
      const shown = await showModelVersion(target, openStores(), { retry: { logger: stderrRetries() } });
      if (options.json) process.stdout.write(Buffer.from(serializeManifest(shown.manifest)));
      else for (const line of formatShownVersion(shown)) console.log(line);
    });

  models
    .command('gc')
    .description(
      'Remove what unfinished publishes left (staging folders, temp files, version folders without ' +
        'MANIFEST.json) under every model of a store. Published versions are never touched.',
    )
    .argument('<store>', 'store URI (a store root, or one model folder)')
    .option('--min-age <duration>', 'only debris untouched for this long (30s, 15m, 1h, 2d; 0 for all)', '1h')
    .option('--dry-run', 'list what would be removed, remove nothing', false)
    .action(async (target: string, options: { minAge: string; dryRun: boolean }) => {
      const minAgeMs = parseDuration(options.minAge, '--min-age');
      const result = await gcStore(
        target,
        { minAgeMs, dryRun: options.dryRun, onLine: (line) => console.log(line) },
        openStores(),
        { retry: { logger: stderrRetries() } },
      );
      console.log(result.summary);
    });
}

/** The stores, configured by the AWS_* / HADOOP_* / BERTH_* variables of this process. */
function openStores(): StoreRegistry {
  return createDefaultStoreRegistry(resolveStoreSettings(process.env));
}

/** One `--lineage key=value`; a BerthError (not a bare Error, which would read as INTERNAL) otherwise. */
function collectPairs(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new BerthError(
      'INVALID_REQUEST',
      `--lineage ${JSON.stringify(value)}: expected key=value with a non-empty key, e.g. --lineage git_sha=3f2a9c1`,
    );
  }
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * Runs a transfer with a progress bar (or lines) on stderr, ended by its summary line or a line
 * saying it failed; retries are reported on it too.
 */
async function withProgress<T>(
  label: string,
  run: (options: StoreCommandOptions) => Promise<T>,
  outcome: (result: T) => TransferOutcome,
): Promise<T> {
  const progress = createProgressReporter({ label });
  let result: T;
  try {
    result = await run({
      onProgress: (at) => progress.update(at),
      retry: { logger: stderrRetries(progress) },
    });
  } catch (error) {
    progress.fail();
    throw error;
  }
  progress.succeed(outcome(result));
  return result;
}

/** Retry warnings as one human line each on stderr (through the progress reporter when there is one). */
function stderrRetries(progress?: ProgressReporter): RetryLogger {
  return {
    warn(fields) {
      const wait = `${(Number(fields.delayMs) / 1000).toFixed(1)} s`;
      const message = `store unreachable (${String(fields.cause)}); retry ${String(fields.attempt)} in ${wait}`;
      if (progress) progress.note(message);
      else console.error(`berth: ${message}`);
    },
  };
}
