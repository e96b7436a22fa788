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
import { BERTH_VERSION } from './version.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('Pull models from a store, warm them up and serve them over REST.')
    .option('--store <uri>', 'model store root: file:///models, a path, http(s)://... (BERTH_STORE)')
    .option(
      '--model <ref>',
      'model to serve: name, name@version or a full URI (repeatable; BERTH_MODELS)',
      collect,
    )
    .option('--host <host>', 'address to listen on (BERTH_HOST)')
    .option('--port <port>', 'HTTP port (BERTH_PORT)', Number)
    .option('--cache-dir <dir>', 'local cache of verified model versions (BERTH_CACHE_DIR)')
    .option('--grpc-port <port>', 'gRPC port; off unless set (BERTH_GRPC_PORT)', Number)
    .option('--batching', 'force dynamic batching on for every model (BERTH_BATCHING)')
    .option('--no-batching', 'turn dynamic batching off for every model')
    .option('--max-batch-size <n>', 'override max_batch_size of every model', Number)
    .option('--max-queue-delay-us <us>', 'override batching.max_queue_delay_us of every model', Number)
    .option('--max-queue-size <n>', 'override batching.max_queue_size of every model', Number)
    .option('--request-timeout-ms <ms>', 'override batching.timeout_ms of every model', Number)
    .option('--instances <n>', 'override instances of every model', Number)
    .option('--store-retry-max-elapsed-ms <ms>', 'how long start-up retries an unreachable store', Number)
    .option('--body-limit <bytes>', 'largest request body (BERTH_BODY_LIMIT)', Number)
    .option('--drain-timeout-ms <ms>', 'time allowed for in-flight requests after SIGTERM', Number)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (BERTH_LOG_LEVEL)')
    .option('--config <file>', 'YAML file with the same settings (snake_case keys)')
    .action(async (options: Record<string, unknown>) => {
      const config = await loadServerConfig({
        ...(typeof options.config === 'string' ? { file: options.config } : {}),
        env: process.env,
        flags: {
          store: options.store,
          models: options.model,
          host: options.host,
          port: options.port,
          cache_dir: options.cacheDir,
          body_limit: options.bodyLimit,
          store_retry_max_elapsed_ms: options.storeRetryMaxElapsedMs,
          grpc_port: options.grpcPort,
          batching: options.batching,
          max_batch_size: options.maxBatchSize,
          max_queue_delay_us: options.maxQueueDelayUs,
          max_queue_size: options.maxQueueSize,
          request_timeout_ms: options.requestTimeoutMs,
          instances: options.instances,
          drain_timeout_ms: options.drainTimeoutMs,
          log_level: options.logLevel,
        },
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
