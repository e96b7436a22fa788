import type { Clock } from '../core/clock.js';
import { toBerthError, type BerthError } from '../core/errors.js';
import type { InferRequest, InferResponse, ModelMetadata, ServerMetadata } from '../core/inference.js';
import type { EffectiveModelConfig } from '../core/model-configuration.js';
import type { ModelVersionStatistics } from '../core/statistics.js';
import type { BerthMetrics } from '../observability/metrics.js';
import type { ModelRegistry, ServingModel, VersionStatus } from '../registry/model-registry.js';
import { RequestMetricsCache } from '../observability/request-metrics.js';
import { batchingSettings } from '../scheduling/batching-settings.js';
import { Admission } from './admission.js';
import type { ModelStatistics } from './statistics.js';
import { validateRequest } from './validate-request.js';

/** Extensions this server implements, as /v2 reports them. */
export const SERVER_EXTENSIONS = [
  'binary_tensor_data',
  'model_repository_status',
  'tfserving_rest',
  'model_repository',
  'statistics',
  'model_configuration',
] as const;

/** One row of the repository index, as REST and gRPC both report it. */
export interface RepositoryIndexEntry {
  readonly name: string;
  /** '' while the version is still being resolved. */
  readonly version: string;
  readonly state: string;
  /** Why a version FAILED; '' otherwise. */
  readonly reason: string;
}

/**
 * How the repository API's load and unload reach the models: this process's registry by default;
 * a cluster worker applies them on every worker through the primary (server/cluster/).
 */
export interface RepositoryControl {
  load(name: string): Promise<void>;
  unload(name: string): Promise<void>;
}

/** What a data plane may be given beyond its parts; both are for serving on several workers. */
export interface DataPlaneOptions {
  /** A further condition for readiness: every other worker is ready too. */
  readonly readinessGate?: () => boolean;
  readonly repositoryControl?: RepositoryControl;
}

/** Which frontend a request came through, for metrics only. */
export type Protocol = 'v2' | 'tfserving' | 'grpc';

/**
 * The one data plane every transport calls (MLServer's DataPlane, KServe's dataplane.py): health,
 * metadata and inference in core types. No HTTP here; transports only translate.
 */
export class DataPlane {
  readonly #bound: RequestMetricsCache;
  readonly #control: RepositoryControl;
  /** Shared by every transport: draining, in-flight count, the quiet moment shutdown waits for. */
  readonly admission: Admission;

  /** `statistics` is shared with the counted models the scheduler factory builds (serving-core.ts). */
  constructor(
    private readonly registry: ModelRegistry,
    private readonly metrics: BerthMetrics,
    private readonly clock: Clock,
    private readonly server: ServerMetadata,
    readonly statistics: ModelStatistics,
    private readonly options: DataPlaneOptions = {},
  ) {
    this.#bound = new RequestMetricsCache(metrics);
    this.admission = new Admission(() => clock.now());
    this.#control = options.repositoryControl ?? {
      load: (name) => registry.loadByName(name),
      unload: (name) => registry.unloadByName(name),
    };
  }

  live(): boolean {
    return true;
  }

  /** False while any model is not READY (on any worker), and from the moment draining starts. */
  ready(): boolean {
    return this.locallyReady() && (this.options.readinessGate?.() ?? true);
  }

  /** Readiness of this process alone: what a cluster worker reports to the primary. */
  locallyReady(): boolean {
    return !this.admission.draining && this.registry.ready();
  }

  /** Readiness turns false at once when shutdown begins; the transports reject new work. */
  startDraining(): void {
    this.admission.startDraining();
  }

  get draining(): boolean {
    return this.admission.draining;
  }

  modelReady(name: string, version?: string): boolean {
    try {
      this.registry.resolve(name, version);
      return !this.admission.draining;
    } catch (error) {
      if (toBerthError(error).id === 'MODEL_NOT_READY') return false;
      throw error;
    }
  }

  /** Every version of one model (or of all) with its state; unknown names throw MODEL_NOT_FOUND. */
  modelStatus(name?: string): VersionStatus[] {
    if (name !== undefined && !this.registry.modelNames().includes(name)) this.registry.resolve(name);
    return this.registry.status(name);
  }

  /**
   * The repository index (Triton/KServe repository extension): every model version this server
   * knows, with its state and the reason of a failure; `ready` keeps only READY (true) or the rest.
   */
  repositoryIndex(filter: { readonly ready?: boolean } = {}): RepositoryIndexEntry[] {
    return this.registry
      .status()
      .map((status) => ({
        name: status.name,
        version: status.version ?? '',
        state: status.state,
        reason: status.error ?? '',
      }))
      .filter((entry) => filter.ready === undefined || (entry.state === 'READY') === filter.ready);
  }

  /**
   * The index as the repository extension answers it: `repositoryIndex`, plus in explicit mode the
   * models of the store not loaded yet (UNAVAILABLE, "not loaded"), so clients can see what to load.
   */
  async repositoryCatalog(filter: { readonly ready?: boolean } = {}): Promise<RepositoryIndexEntry[]> {
    const known = this.repositoryIndex(filter);
    if (filter.ready === true) return known;
    const loadable = await this.registry.loadable();
    return [
      ...known,
      ...loadable.map((name) => ({ name, version: '', state: 'UNAVAILABLE', reason: 'not loaded' })),
    ];
  }

  /** Loads (or reloads) a model by name; only in explicit model-control mode. */
  async loadModel(name: string): Promise<void> {
    await this.#control.load(name);
  }

  /** Unloads every version of a model after its accepted requests finish; explicit mode only. */
  async unloadModel(name: string): Promise<void> {
    await this.#control.unload(name);
  }

  /**
   * Statistics of READY versions (Triton's statistics extension): every model's, one model's (all
   * its READY versions, oldest first) or one version's. Unknown names throw MODEL_NOT_FOUND; a model
   * or version asked for must be READY (VERSION_NOT_FOUND, MODEL_NOT_READY otherwise).
   */
  modelStatistics(name?: string, version?: string): ModelVersionStatistics[] {
    if (name !== undefined && version !== undefined) {
      const model = this.registry.resolve(name, version);
      return [this.statistics.snapshot(name, model.version)];
    }
    const names = name === undefined ? this.registry.modelNames() : [name];
    const stats = names.flatMap((model) =>
      this.#readyVersions(model).map((ready) => this.statistics.snapshot(model, ready)),
    );
    // A model asked for by name with nothing READY: resolve throws MODEL_NOT_FOUND or MODEL_NOT_READY.
    if (name !== undefined && stats.length === 0) this.registry.resolve(name);
    return stats;
  }

  /** The effective configuration of the READY version asked for (or the latest READY one). */
  modelConfig(name: string, version?: string): EffectiveModelConfig {
    const model = this.registry.resolve(name, version);
    // The same pure function the scheduler factory uses, so this is the decision actually served.
    const settings = batchingSettings(model.metadata.inputs, model.config);
    return {
      name,
      version: model.version,
      platform: model.metadata.platform,
      inputs: model.metadata.inputs,
      outputs: model.metadata.outputs,
      config: model.config,
      batching: {
        enabled: settings.enabled,
        reason: settings.reason,
        maxBatchSize: settings.maxBatchSize,
        maxQueueDelayUs: settings.maxQueueDelayUs,
        preferredBatchSizes: settings.preferredBatchSizes,
        maxQueueSize: settings.maxQueueSize,
        timeoutMs: settings.timeoutMs,
      },
    };
  }

  serverMetadata(): ServerMetadata {
    return this.server;
  }

  modelMetadata(name: string, version?: string): ModelMetadata {
    const model = this.registry.resolve(name, version);
    return {
      name,
      versions: this.#readyVersions(name),
      platform: model.metadata.platform,
      inputs: model.metadata.inputs,
      outputs: model.metadata.outputs,
    };
  }

  /**
   * Validates, schedules and answers one request; every failure is a typed BerthError. `request`
   * may be the decoder still to run: the model is looked up first, so a request to a model that is
   * not here is a 404 whatever its body, and a body that does not decode counts as that model's failure.
   */
  async infer(
    name: string,
    version: string | undefined,
    request: InferRequest | (() => InferRequest),
    protocol: Protocol,
    signal?: AbortSignal,
  ): Promise<InferResponse> {
    const started = this.clock.now();
    let model: ServingModel;
    try {
      model = this.registry.resolve(name, version);
    } catch (error) {
      // Unknown names are counted under "" so a client cannot grow the label set without bound.
      throw this.#failed(error, { model: '', version: '' }, protocol, started);
    }
    const bound = this.#bound.get(name, model.version, protocol);
    bound.inFlight.inc();
    try {
      const decoded = typeof request === 'function' ? request() : request;
      const work = validateRequest(decoded, model.metadata, name);
      const result = await model.scheduler.enqueue(work, signal);
      const totalMs = this.clock.now() - started;
      bound.queueSeconds.observe(result.queueMs / 1000);
      bound.computeSeconds.observe(result.computeMs / 1000);
      bound.ok.inc();
      bound.requestSeconds.observe(totalMs / 1000);
      this.statistics.recordSuccess(name, model.version, {
        totalMs,
        queueMs: result.queueMs,
        computeMs: result.computeMs,
      });
      return {
        modelName: name,
        modelVersion: model.version,
        ...(decoded.id !== undefined ? { id: decoded.id } : {}),
        outputs: work.outputNames.map((output) => result.outputs.get(output)!),
      };
    } catch (error) {
      this.statistics.recordFailure(name, model.version, this.clock.now() - started);
      throw this.#failed(error, { model: name, version: model.version }, protocol, started);
    } finally {
      bound.inFlight.dec();
    }
  }

  /** READY versions of a model, oldest first. */
  #readyVersions(name: string): string[] {
    return this.registry
      .status(name)
      .filter((status) => status.state === 'READY' && status.version !== undefined)
      .map((status) => status.version!)
      .sort((a, b) => Number(a) - Number(b));
  }

  /** Counts a failed request under its error id and returns the typed error to throw. */
  #failed(
    error: unknown,
    labels: { model: string; version: string },
    protocol: Protocol,
    started: number,
  ): BerthError {
    const typed = toBerthError(error, 'INFERENCE_FAILED');
    this.metrics.requests.inc({ ...labels, protocol, outcome: typed.stableId });
    this.metrics.requestSeconds.observe({ ...labels, protocol }, (this.clock.now() - started) / 1000);
    return typed;
  }
}
