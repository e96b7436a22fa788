/**
 * Before forking: read which version each start-up model resolves to and how large it is (its
 * MANIFEST.json, two small reads), decide how many workers to start and what share of the cores
 * each gets (worker-count.ts), and start pulling those versions once for all of them. The workers
 * boot while the pull runs and find it in flight when they ask for the same version.
 */
import { parseDevice } from '../../core/device.js';
import { parseModelRef, type ModelSource } from '../../core/model-ref.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../observability/logger.js';
import { readManifest, resolveVersion } from '../../repository/versions.js';
import type { ModelLocator } from '../../registry/version-loader.js';
import { checkDevice } from '../../runtime/onnx/execution-device.js';
import { withRetries } from '../../storage/retrying-store.js';
import type { StoreRegistry } from '../../storage/store-registry.js';
import { serverRepository, storeRetryPolicy } from '../server-repository.js';
import { sharedLocator } from './shared-locator.js';
import { autoWorkerCount, coresPerWorker, machineResources, type MachineResources } from './worker-count.js';

export interface WorkerPlan {
  readonly workers: number;
  readonly coresPerWorker: number;
  /** Pulls for every worker, once per version. */
  readonly locate: ModelLocator;
  /** Starts pulling the start-up versions (call once the workers are forked); never rejects. */
  readonly prefetch: () => void;
}

export async function planWorkers(
  config: ServerConfig,
  deps: { readonly logger: Logger; readonly stores: StoreRegistry; readonly machine?: MachineResources },
): Promise<WorkerPlan> {
  // As with one process: a missing GPU provider fails start-up before any pull.
  checkDevice(parseDevice(config.device));
  const retry = { logger: deps.logger, policy: storeRetryPolicy(config) };
  const shared = sharedLocator(serverRepository(config, deps.stores, deps.logger).localize);
  const sources = config.models.map((ref) => parseModelRef(ref, config.store));
  const pinned = await Promise.all(
    sources.map(async (source): Promise<{ source: ModelSource; bytes: number }> => {
      const store = withRetries(deps.stores.resolve(source.storeUri), retry);
      const version = await resolveVersion(store, source.name, source.version);
      const manifest = await readManifest(store, source.name, version);
      const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
      return { source: { ...source, version }, bytes };
    }),
  );
  const modelBytes = pinned.reduce((sum, entry) => sum + entry.bytes, 0);
  const machine = deps.machine ?? machineResources();
  const workers = config.workers === 'auto' ? autoWorkerCount(machine, modelBytes) : config.workers;
  deps.logger.info(
    { workers, setting: config.workers, cores: machine.cores, memoryBytes: machine.memoryBytes, modelBytes },
    'workers planned',
  );
  return {
    workers,
    coresPerWorker: coresPerWorker(machine.cores, workers),
    locate: shared.locate,
    // A failed pull is not reported here: each worker asks for the same version, gets the error
    // and reports it as its start-up failure, which the primary prints once.
    prefetch: () => {
      for (const { source } of pinned) shared.prefetch(source).catch(() => undefined);
    },
  };
}
