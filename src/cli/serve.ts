import type { Command } from 'commander';
import { loadServerConfig } from '../config/load-server-config.js';
import { BERTH_VERSION } from '../core/version.js';
import { createLogger } from '../observability/logger.js';
import { runClusterPrimary } from '../server/cluster/cluster-primary.js';
import { isServingWorker, joinCluster, workerModels } from '../server/cluster/cluster-worker.js';
import { planWorkers } from '../server/cluster/plan-workers.js';
import { createDefaultStoreRegistry } from '../storage/store-registry.js';
import { resolveStoreSettings } from '../storage/store-settings-env.js';
import { reportStartupFailure, serveProcess } from '../transports/serve-process.js';
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
      const deps = { stores, version: BERTH_VERSION };
      if (isServingWorker()) {
        const link = joinCluster();
        const models = workerModels();
        const workerLogger = logger.child({ worker: link.role.index });
        return serveProcess(
          models ? { ...config, models } : config,
          { ...deps, logger: workerLogger, worker: link },
          (code) => {
            setExit(code);
            // The IPC channel would keep the process alive after the drain.
            process.disconnect();
          },
        );
      }
      if (config.workers !== 1) {
        let plan;
        try {
          plan = await planWorkers(config, { logger, stores });
        } catch (error) {
          reportStartupFailure(logger, error);
          setExit(1);
          return;
        }
        if (plan.workers > 1) {
          const { workers, coresPerWorker, locate } = plan;
          plan.prefetch();
          await new Promise<void>((resolve) => {
            runClusterPrimary({
              config,
              logger,
              workers,
              coresPerWorker,
              locate,
              exit: (code) => {
                setExit(code);
                resolve();
              },
            });
          });
          return;
        }
      }
      return serveProcess(config, { ...deps, logger }, setExit);
    });
}
