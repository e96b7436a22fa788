import type { Command } from 'commander';
import { loadServerConfig } from '../config/load-server-config.js';
import { toBerthError } from '../core/errors.js';
import { onTerminationSignal, shutDown } from '../transports/http/graceful-shutdown.js';
import { startServer } from '../transports/http/start-server.js';
import { createLogger } from '../observability/logger.js';
import { OnnxRuntime } from '../runtime/onnx/onnx-runtime.js';
import { createModelLocator } from '../repository/model-locator.js';
import { DEFAULT_RETRY_POLICY } from '../storage/retry-policy.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { addSettingOptions } from './setting-options.js';
import { BERTH_VERSION } from './version.js';

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
      const server = await startServer(config, {
        logger,
        // --instances overrides every model's berth.yaml; worker crashes are logged with the rest.
        runtime: new OnnxRuntime({ instances: config.instances, logger }),
        locate: createModelLocator({
          stores,
          cacheDir: config.cache_dir,
          logger,
          retry: { policy: { ...DEFAULT_RETRY_POLICY, maxElapsedMs: config.store_retry_max_elapsed_ms } },
        }),
        version: BERTH_VERSION,
      });
      const parts = { ...server, logger, drainTimeoutMs: config.drain_timeout_ms };
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
          await shutDown({ ...parts, drainTimeoutMs: 1000 });
          setExit(1);
          resolve();
        });
      });
    });
}
