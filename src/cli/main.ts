/** `berth` command line: parses arguments and calls one module per command; no logic here. */
import { Command, Option } from 'commander';
import { toBerthError } from '../core/errors.js';
import { BERTH_VERSION } from '../core/version.js';

type Register = (program: Command, setExit: (code: number) => void, argv: readonly string[]) => void;

/**
 * Each command's module, loaded only when needed: `berth serve` (every worker of it) then starts
 * without importing the Kubernetes client, Parquet, the training job and the rest, which took
 * about as long again as the serving code itself. The order is the order of `--help`.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  serve: async () => (await import('./serve.js')).registerServeCommand,
  predict: async () => (await import('./predict.js')).registerPredictCommand,
  models: async () => (await import('./models.js')).registerModelsCommands,
  batch: async () => {
    const [{ registerBatchCommand }, { defaultRecordFormats }] = await Promise.all([
      import('./batch.js'),
      import('../jobs/batch/default-formats.js'),
    ]);
    return (program, setExit) => registerBatchCommand(program, setExit, { formats: defaultRecordFormats });
  },
  lookup: async () => {
    const [{ registerLookupCommands }, { defaultRecordFormats }] = await Promise.all([
      import('./lookup.js'),
      import('../jobs/batch/default-formats.js'),
    ]);
    return (program) => registerLookupCommands(program, { formats: defaultRecordFormats });
  },
  train: async () => {
    const { registerTrainCommand } = await import('./train.js');
    return (program, setExit, argv) => registerTrainCommand(program, setExit, { argv });
  },
  k8s: async () => {
    const [{ registerK8sCommands }, { registerK8sClusterCommands }] = await Promise.all([
      import('./k8s.js'),
      import('./k8s-cluster.js'),
    ]);
    return (program) => registerK8sClusterCommands(registerK8sCommands(program));
  },
};

/** Runs the CLI; resolves to the exit code (long-running commands resolve when they finish). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('berth')
    .description('Serve, batch and train ML models pulled from a model store.')
    .version(BERTH_VERSION)
    .showHelpAfterError()
    .exitOverride();
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  // `berth <command> ...` needs that command only; help, errors and anything else get them all.
  const named = argv[2];
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const registers = await Promise.all(wanted.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program, setExit, argv);
  program.addOption(new Option('--no-color', 'plain output').hideHelp());
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      return 0;
    if (code?.startsWith('commander.')) return 2;
    const typed = toBerthError(error);
    console.error(`berth: ${typed.stableId}: ${typed.message}`);
    return 1;
  }
  return exitCode;
}
