/** `berth lookup publish`: turns a batch output into a model served by key; logic in jobs/lookup. */
import { Option, type Command } from 'commander';
import type { Writable } from 'node:stream';
import type { RecordFormats } from '../jobs/batch/record-formats.js';
import { publishLookup } from '../jobs/lookup/publish-lookup.js';
import type { OnDuplicate } from '../jobs/lookup/table-builder.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';

/** What the command is given from outside; tests swap the formats and streams. */
export interface LookupCommandDeps {
  readonly formats: RecordFormats;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: Writable;
}

/** Registers `berth lookup publish`. */
export function registerLookupCommands(program: Command, deps: LookupCommandDeps): void {
  const lookup = program.command('lookup').description('Serve precomputed predictions by key.');
  lookup
    .command('publish')
    .description('Publish a batch output as the next version of a lookup model (berth.yaml runtime: lookup).')
    .argument('<source>', 'the batch output folder, in any store')
    .argument('<target>', 'store URI ending in the model name, e.g. file:///models/scores')
    .requiredOption('--key <column>', 'the key column (whole numbers or texts)')
    .option('--allow-incomplete', 'publish even without the _SUCCESS marker', false)
    .addOption(
      new Option('--on-duplicate <what>', 'a repeated key fails, or the last row wins')
        .choices(['error', 'last'])
        .default('error'),
    )
    .action(
      async (
        source: string,
        target: string,
        options: { key: string; allowIncomplete: boolean; onDuplicate: OnDuplicate },
      ) => {
        const stores = createDefaultStoreRegistry(resolveStoreSettings(deps.env ?? process.env));
        const result = await publishLookup(
          {
            source,
            target,
            key: options.key,
            allowIncomplete: options.allowIncomplete,
            onDuplicate: options.onDuplicate,
          },
          { stores, formats: deps.formats },
        );
        (deps.stdout ?? process.stdout).write(
          `published ${result.uri} (${result.keys} keys from ${result.rows} rows in ${result.parts} parts)\n`,
        );
      },
    );
}
