/**
 * The serving core, with no transport: config → stores → repository → registry → schedulers → data
 * plane → metrics → shutdown, built in one place. `berth serve` puts HTTP and gRPC on top of it
 * (transports/start-server.ts); batch jobs use it directly to get warmed models without any listener.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { parseDevice } from '../core/device.js';
import { parseModelRef, type ModelSource } from '../core/model-ref.js';
import { parseVersionPolicy } from '../core/version-policy.js';
import { readModelConfig } from '../config/model-config-file.js';
import type { ServerConfig } from '../config/server-config.js';
import { DataPlane, SERVER_EXTENSIONS, type RepositoryControl } from '../dataplane/data-plane.js';
import { ModelStatistics } from '../dataplane/statistics.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type BerthMetrics, type MetricsSource } from '../observability/metrics.js';
import { decodeInferRequest } from '../protocol/v2/json-codec.js';
import { ModelRegistry, type ModelLocator } from '../registry/model-registry.js';
import { RepositoryPoller } from '../registry/repository-poller.js';
import { LookupRuntime } from '../runtime/lookup/lookup-runtime.js';
import { checkDevice } from '../runtime/onnx/execution-device.js';
import { OnnxRuntime } from '../runtime/onnx/onnx-runtime.js';
import { RuntimeByConfig } from '../runtime/runtime-by-config.js';
import type { Runtime } from '../runtime/runtime.js';
import { withServerOverrides } from '../scheduling/batching-settings.js';
import { createDefaultStoreRegistry, type StoreRegistry } from '../storage/store-registry.js';
import { lifecycleLog, lifecycleMetrics } from './lifecycle-observers.js';
import {
  createLocalDashboard,
  type DashboardPart,
  type LocalDashboard,
} from './dashboard/dashboard-source.js';
import { createSchedulerFactory } from './scheduler-factory.js';
import { serverRepository } from './server-repository.js';

export interface ServingCoreDeps {
  readonly logger: Logger;
  /** Reported by server metadata. */
  readonly version: string;
  readonly clock?: Clock;
  /** Wall-clock ms since the epoch, for statistics' last_inference; Date.now when absent. */
  readonly wallClock?: () => number;
  /** ONNX Runtime with the configured `instances` when absent. */
  readonly runtime?: Runtime;
  /** The built-in backends when absent. */
  readonly stores?: StoreRegistry;
  /** Wraps the real locator (tests hold a load back, count pulls, inject faults between real parts). */
  readonly wrapLocator?: (locate: ModelLocator) => ModelLocator;
  /** Set in a serving worker of `--workers N` (server/cluster/): how this process joins the others. */
  readonly worker?: WorkerRole;
}

/** What a cluster worker's core takes from the primary instead of doing alone. */
export interface WorkerRole {
  /** 1-based, in logs and in berth_worker_memory_bytes. */
  readonly index: number;
  /** This worker's share of the cores, which ONNX Runtime's default instance count divides. */
  readonly cores: number;
  /** The primary pulls each version once for every worker and answers with the cached folder. */
  readonly locate: ModelLocator;
  /** True while every other worker is ready too. */
  readonly readinessGate: () => boolean;
  /** Repository load and unload, applied on every worker. */
  readonly repositoryControl: RepositoryControl;
  /** Every worker's metrics, aggregated by the primary. */
  readonly clusterMetrics: MetricsSource;
  /** Every worker's dashboard part, gathered by the primary (`since`: epoch seconds). */
  readonly clusterDashboard: (since?: number) => Promise<DashboardPart[]>;
}

/** Every part of a running core; transports reach models only through `dataPlane`. */
export interface ServingCore {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: BerthMetrics;
  readonly registry: ModelRegistry;
  readonly dataPlane: DataPlane;
  /** Statistics per loaded version; `forgetVersion` is for the registry's unload path. */
  readonly statistics: ModelStatistics;
  /** The models named at start-up. */
  readonly sources: readonly ModelSource[];
  /** Resolves when every start-up model is READY; rejects with the first start-up failure. */
  readonly loaded: Promise<void>;
  /** Present in poll mode. */
  readonly poller?: RepositoryPoller;
  /** This process's part of the dashboard: its versions' details and seconds of traffic. */
  readonly dashboard: LocalDashboard;
  /** Stops background work (the repository poller) before the registry drains. */
  stop(): Promise<void>;
}

/** Builds the core and starts pulling the start-up models; nothing listens yet. */
export function createServingCore(config: ServerConfig, deps: ServingCoreDeps): ServingCore {
  const clock = deps.clock ?? systemClock;
  const { logger } = deps;
  const sources = config.models.map((ref) => parseModelRef(ref, config.store));
  const device = parseDevice(config.device);
  // A missing GPU provider fails start-up at once, not each model's load after its pull.
  if (deps.runtime === undefined) checkDevice(device);
  const worker = deps.worker;
  const metrics = createMetrics(undefined, worker ? { worker: String(worker.index) } : {});
  const statistics = new ModelStatistics(deps.wallClock ?? (() => Date.now()));
  const stores = deps.stores ?? createDefaultStoreRegistry({});
  const repository = serverRepository(config, stores, logger);
  const controlMode = config.model_control_mode;
  const locate = worker?.locate ?? repository.localize;
  const registry = new ModelRegistry({
    repository,
    locate: deps.wrapLocator ? deps.wrapLocator(locate) : locate,
    controlMode,
    defaultPolicy: parseVersionPolicy(config.version_policy, 'version_policy'),
    ...(config.store !== undefined ? { defaultStore: config.store } : {}),
    // --instances overrides every model's berth.yaml; worker crashes are logged with the rest.
    runtime:
      deps.runtime ??
      new RuntimeByConfig({
        onnx: new OnnxRuntime({
          instances: config.instances,
          device,
          logger,
          ...(worker ? { cores: worker.cores } : {}),
        }),
        lookup: new LookupRuntime(),
      }),
    // Server-wide batching settings override berth.yaml here, so warm-up and the batcher agree.
    readConfig: async (dir, where) => withServerOverrides(await readModelConfig(dir, where), config),
    // warmup.ts names the file and turns any failure here into WARMUP_FAILED.
    decodeWarmupRequest: (bytes) => decodeInferRequest(JSON.parse(Buffer.from(bytes).toString('utf8'))),
    schedulerFor: createSchedulerFactory({ logger, clock, metrics, statistics }),
    logger,
    clock,
  });
  registry.subscribe(lifecycleMetrics(metrics));
  registry.subscribe(lifecycleLog(logger));
  // A version's statistics go with it: a reloaded version starts counting afresh.
  registry.subscribe((event) => {
    if (event.state === 'UNAVAILABLE') statistics.forgetVersion(event.model, event.version);
  });
  const dataPlane = new DataPlane(
    registry,
    metrics,
    clock,
    { name: 'berth', version: deps.version, extensions: SERVER_EXTENSIONS },
    statistics,
    worker ? { readinessGate: worker.readinessGate, repositoryControl: worker.repositoryControl } : {},
  );
  const dashboard = createLocalDashboard(dataPlane, metrics, deps.wallClock);
  registry.subscribe(dashboard.view.observe);
  const poller =
    controlMode === 'poll'
      ? new RepositoryPoller(registry, clock, config.repository_poll_secs * 1000)
      : undefined;
  const loaded = Promise.all(sources.map((source) => registry.load(source))).then(() => {
    // Polling starts once the start-up models serve: a start-up failure still fails start-up.
    poller?.start();
  });
  // The caller decides what a failure means; keep an unobserved rejection from crashing first.
  loaded.catch(() => undefined);
  return {
    config,
    logger,
    clock,
    metrics,
    registry,
    dataPlane,
    statistics,
    sources,
    loaded,
    ...(poller ? { poller } : {}),
    dashboard,
    stop: async () => {
      dashboard.stop();
      await poller?.stop();
    },
  };
}
