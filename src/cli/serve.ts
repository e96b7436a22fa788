import type { Command } from 'commander';
import { loadServerConfig } from '../config/load-server-config.js';
import { toBerthError } from '../core/errors.js';
import { createLogger } from '../observability/logger.js';
import { onTerminationSignal, shutDown } from '../server/shutdown.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { startServer } from '../transports/start-server.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { addSettingOptions } from './setting-options.js';
import { BERTH_VERSION } from '../core/version.js';

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('serve')
    .description('Pull models from a store, warm them up and serve them over REST.');
  const flagsOf = addSettingOptions(command);
  command
    .option('--config <file>', 'YAML file with the same settings (snake_case keys)')
    .action(async (options: Record<string, unknown>) => {
      const config = await loadServerConfig({
        ...(typeof options.config === 'string' ? { file: options.config } : {}),
        env: process.env,
        flags: flagsOf(options),
      });
      const logger = createLogger({ level: config.log_level });
      const stores = createDefaultStoreRegistry(resolveStoreSettings(process.env));
      const server = await startServer(config, { logger, stores, version: BERTH_VERSION });
      const parts = server.shutdownParts(config.drain_timeout_ms);
      let exiting = false;
      await new Promise<void>((resolve) => {
        onTerminationSignal(parts, (code) => {
          exiting = true;
          setExit(code);
          resolve();
        });
        server.loaded.catch(async (error: unknown) => {
          if (exiting) return;
          exiting = true;
          const typed = toBerthError(error);
          logger.fatal({ err: typed.stableId }, typed.message);
          // One clear line for humans and for `kubectl logs`, then a non-zero exit; never ready.
          console.error(`berth: start-up failed: ${typed.stableId}: ${typed.message}`);
          await shutDown(server.shutdownParts(1000));
          setExit(1);
          resolve();
        });
      });
    });
}
