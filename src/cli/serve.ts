import type { Command } from 'commander';
import { loadServerConfig } from '../config/load-server-config.js';
import { BERTH_VERSION } from '../core/version.js';
import { createLogger } from '../observability/logger.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { serve } from '../transports/serve-process.js';
import { addSettingOptions } from './setting-options.js';

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
      await serve(config, { logger, stores, version: BERTH_VERSION }, setExit);
    });
}
