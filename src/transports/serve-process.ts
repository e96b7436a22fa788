/**
 * One serving process until it should exit: the server (start-server.ts), SIGTERM/SIGINT draining,
 * and a start-up failure turned into one line on stderr and exit 1. `berth serve --workers 1` is one
 * such process; with more workers each worker is one, linked to the primary (server/cluster/).
 */
import { toBerthError } from '../core/errors.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../observability/logger.js';
import type { WorkerLink } from '../server/cluster/cluster-worker.js';
import { onTerminationSignal, shutDown } from '../server/shutdown.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { startServer } from './start-server.js';

export interface ServeProcessDeps {
  readonly logger: Logger;
  readonly stores: StoreRegistry;
  readonly version: string;
  /** Set in a serving worker: its link to the primary. */
  readonly worker?: WorkerLink;
}

/** Serves until drained or failed; resolves after `exit` was called with the exit code. */
export async function serveProcess(
  config: ServerConfig,
  deps: ServeProcessDeps,
  exit: (code: number) => void,
): Promise<void> {
  const { logger, worker } = deps;
  let server;
  try {
    server = await startServer(config, {
      logger,
      stores: deps.stores,
      version: deps.version,
      ...(worker ? { worker: worker.role } : {}),
    });
  } catch (error) {
    // A port that cannot be bound, say: one process reports it as before; a worker tells the primary.
    if (!worker) throw error;
    logger.fatal({ err: toBerthError(error).stableId }, toBerthError(error).message);
    await worker.startupFailed(error);
    exit(1);
    return;
  }
  const parts = server.shutdownParts(config.drain_timeout_ms);
  let exiting = false;
  await new Promise<void>((resolve) => {
    const beginShutdown = onTerminationSignal(parts, (code) => {
      exiting = true;
      exit(code);
      resolve();
    });
    worker?.attach({
      registry: server.registry,
      dataPlane: server.dataPlane,
      metrics: server.core.metrics.registry,
      url: server.url,
      beginShutdown,
    });
    server.loaded.catch(async (error: unknown) => {
      if (exiting) return;
      exiting = true;
      if (worker) {
        logger.fatal({ err: toBerthError(error).stableId }, toBerthError(error).message);
        await worker.startupFailed(error);
      } else reportStartupFailure(logger, error);
      await shutDown(server.shutdownParts(1000));
      exit(1);
      resolve();
    });
  });
}

/** One clear line for humans and for `kubectl logs` (and the fatal log line); the caller exits 1. */
export function reportStartupFailure(logger: Logger, error: unknown): void {
  const typed = toBerthError(error);
  logger.fatal({ err: typed.stableId }, typed.message);
  console.error(`berth: start-up failed: ${typed.stableId}: ${typed.message}`);
}
