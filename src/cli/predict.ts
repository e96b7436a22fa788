import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { predict } from '../client/predict-client.js';
import { BerthError } from '../core/errors.js';

export function registerPredictCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('predict')
    .description('Send one V2 inference request (JSON file or stdin) and print the response.')
    .argument('<url>', 'server address, e.g. http://localhost:8080')
    .argument('<model>', 'model name')
    .argument('[input]', 'V2 request JSON file; "-" or absent reads stdin')
    .option('--model-version <version>', 'a specific version')
    .option('--timeout-ms <ms>', 'give up after this long', Number, 30_000)
    .action(
      async (url: string, model: string, input: string | undefined, options: Record<string, unknown>) => {
        const body = input && input !== '-' ? await readInputFile(input) : await readStdin();
        const result = await predict({
          url,
          model,
          body,
          timeoutMs: options.timeoutMs as number,
          ...(typeof options.modelVersion === 'string' ? { version: options.modelVersion } : {}),
        });
        process.stdout.write(`${JSON.stringify(result.body, null, 2)}\n`);
        if (!result.ok) setExit(1);
      },
    );
}

/** The request file; a missing or unreadable one is the user's mistake, named with what was expected. */
async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder'
          : `could not be read (${(error as Error).message})`;
    throw new BerthError(
      'INVALID_REQUEST',
      `predict input ${JSON.stringify(path)}: ${why}; expected a V2 inference request JSON file, or "-" to read stdin`,
      { cause: error },
    );
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
