import type { Command } from 'commander';
import { listModels, pullModel, pushModel, removeModelVersion } from '../storage/model-commands.js';

export function registerModelsCommands(program: Command, _setExit: (code: number) => void): void {
  const models = program
    .command('models')
    .description('List, push, pull and remove model versions in a store.');

  models
    .command('push')
    .description('Publish a local folder as the next version of a model (atomic).')
    .argument('<dir>', 'folder with model.onnx, berth.yaml and any other files')
    .argument('<target>', 'store URI ending in the model name, e.g. file:///models/recommender')
    .option('--lineage <key=value>', 'lineage recorded in MANIFEST.json (repeatable)', collectPairs, {})
    .action(async (dir: string, target: string, options: { lineage: Record<string, string> }) => {
      const result = await pushModel(dir, target, options.lineage);
      console.log(`published ${result.uri} (${result.files} files, ${result.bytes} bytes)`);
    });

  models
    .command('ls')
    .description('List the models of a store, or the versions of one model.')
    .argument('<target>', 'store URI, or store URI ending in a model name')
    .action(async (target: string) => {
      for (const line of await listModels(target)) console.log(line);
    });

  models
    .command('pull')
    .description('Download and verify a model version into a local folder.')
    .argument('<source>', 'store URI ending in the model name, with @version to pin one')
    .argument('<dir>', 'local folder to write (must not exist)')
    .action(async (source: string, dir: string) => {
      const result = await pullModel(source, dir);
      console.log(`pulled ${result.uri} into ${dir} (${result.bytes} bytes)`);
    });

  models
    .command('rm')
    .description('Remove one published version.')
    .argument('<target>', 'store URI ending in model@version')
    .action(async (target: string) => {
      console.log(`removed ${await removeModelVersion(target)}`);
    });
}

function collectPairs(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--lineage ${value}: expected key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
