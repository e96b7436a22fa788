/** `berth` command line: parses arguments and calls one module per command; no logic here. */
import { Command, Option } from 'commander';
import { toBerthError } from '../core/errors.js';
import { defaultRecordFormats } from '../jobs/batch/default-formats.js';
import { registerBatchCommand } from './batch.js';
import { registerLookupCommands } from './lookup.js';
import { registerModelsCommands } from './models.js';
import { registerPredictCommand } from './predict.js';
import { registerServeCommand } from './serve.js';
import { registerTrainCommand } from './train.js';
import { BERTH_VERSION } from './version.js';

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
  registerServeCommand(program, setExit);
  registerPredictCommand(program, setExit);
  registerModelsCommands(program, setExit);
  registerBatchCommand(program, setExit, { formats: defaultRecordFormats });
  registerLookupCommands(program, { formats: defaultRecordFormats });
  registerTrainCommand(program, setExit, { argv });
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
