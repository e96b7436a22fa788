/**
 * `berth serve` until it should exit. `--workers 1` (or `auto` on one core) is one serving process:
 * the server (start-server.ts), SIGTERM/SIGINT draining, and a start-up failure turned into one line
 * on stderr and exit 1. With more workers this process becomes the primary (server/cluster/) and
 * each worker it forks runs `serveProcess` linked to it.
 */
import { toBerthError } from '../core/errors.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../observability/logger.js';
import { runClusterPrimary } from '../server/cluster/cluster-primary.js';
import {
  isServingWorker,
  joinCluster,
  workerModels,
  type WorkerLink,
} from '../server/cluster/cluster-worker.js';
import { planWorkers } from '../server/cluster/plan-workers.js';
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

/** The primary, a worker it forked, or one plain process; resolves once `exit` was called. */
export async function serve(
  config: ServerConfig,
  deps: Omit<ServeProcessDeps, 'worker'>,
  exit: (code: number) => void,
): Promise<void> {
  if (isServingWorker()) {
    const link = joinCluster();
    const models = workerModels();
    const logger = deps.logger.child({ worker: link.role.index });
    return serveProcess(
      models ? { ...config, models } : config,
      { ...deps, logger, worker: link },
      (code) => {
        exit(code);
        // The IPC channel would keep the process alive after the drain.
        link.leave(code);
      },
    );
  }
  if (config.workers !== 1) {
    let plan;
    try {
      plan = await planWorkers(config, deps);
    } catch (error) {
      reportStartupFailure(deps.logger, error);
      exit(1);
      return;
    }
    if (plan.workers > 1) {
      const { workers, coresPerWorker, locate } = plan;
      plan.prefetch();
      return new Promise<void>((resolve) => {
        runClusterPrimary({
          config,
          logger: deps.logger,
          workers,
          coresPerWorker,
          locate,
          exit: (code) => {
            exit(code);
            resolve();
          },
        });
      });
    }
  }
  return serveProcess(config, deps, exit);
}

/** One serving process until drained or failed; resolves after `exit` was called with the exit code. */
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
    await reportWorkerFailure(logger, worker, error);
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
      dashboard: server.core.dashboard,
      url: server.url,
      beginShutdown,
    });
    server.loaded.catch(async (error: unknown) => {
      if (exiting) return;
      exiting = true;
      if (worker) await reportWorkerFailure(logger, worker, error);
      else reportStartupFailure(logger, error);
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

/** A worker logs its failure and hands it to the primary, which prints the one line for the server. */
async function reportWorkerFailure(logger: Logger, worker: WorkerLink, error: unknown): Promise<void> {
  const typed = toBerthError(error);
  logger.fatal({ err: typed.stableId }, typed.message);
  await worker.startupFailed(typed);
}
