/**
 * Runs the Berth CLI compiled beside this bench (as bin/berth.js runs dist/), so a bench compiled
 * into any folder measures the Berth compiled with it.
 */
import { main } from '../src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`berth: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
