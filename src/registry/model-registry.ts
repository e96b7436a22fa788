import type { Clock } from '../core/clock.js';
import { BerthError, toBerthError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelSource } from '../core/model-ref.js';
import type { Logger } from '../observability/logger.js';
import { MODEL_STATE_VALUES, type BerthMetrics } from '../observability/metrics.js';
import type { LoadedModel, LoadedModelMetadata, Runtime } from '../runtime/runtime.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import { canMove, type ModelState } from './model-state.js';
import { warmUp, type WarmupRequestDecoder } from './warmup.js';

export type { ModelSource } from '../core/model-ref.js';

/** A version brought into a verified local folder by the storage layer. */
export interface LocalizedModel {
  readonly version: number;
  readonly dir: string;
  /** Store URI of the version folder, for messages. */
  readonly uri: string;
  readonly bytes: number;
  readonly downloadMs: number;
  readonly reused: boolean;
}

/** Resolves and downloads a source's version (storage/ does it; injected so tests can swap stores). */
export type ModelLocator = (source: ModelSource, signal?: AbortSignal) => Promise<LocalizedModel>;

/** Builds the scheduler for a loaded version (direct or the dynamic batcher); `id` names it for metrics. */
export type SchedulerFactory = (
  model: LoadedModel,
  config: ModelConfig,
  id: { readonly name: string; readonly version: string },
) => Scheduler;

export interface RegistryDeps {
  readonly locate: ModelLocator;
  readonly runtime: Runtime;
  readonly readConfig: (dir: string, where: string) => Promise<ModelConfig>;
  readonly decodeWarmupRequest: WarmupRequestDecoder;
  readonly schedulerFor: SchedulerFactory;
  readonly metrics: BerthMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A READY version, as the data plane uses it. */
export interface ServingModel {
  readonly name: string;
  readonly version: string;
  readonly metadata: LoadedModelMetadata;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
}

/** What status endpoints report per version. */
export interface VersionStatus {
  readonly name: string;
  readonly version: string | undefined;
  readonly state: ModelState;
  readonly error?: string;
}

interface VersionEntry {
  version: string | undefined;
  state: ModelState;
  error?: BerthError;
  model?: LoadedModel;
  serving?: ServingModel;
}

/**
 * Owns every model version's lifecycle: LOADING → WARMING → READY, FAILED on any error, UNLOADING on
 * shutdown. A model is registered as LOADING before any I/O, so readiness is false from the start.
 */
export class ModelRegistry {
  readonly #entries = new Map<string, VersionEntry[]>();

  constructor(private readonly deps: RegistryDeps) {}

  /** Loads one source to READY; on failure it stays FAILED and the error is thrown. */
  async load(source: ModelSource, signal?: AbortSignal): Promise<ServingModel> {
    const entry: VersionEntry = { version: source.version?.toString(), state: 'LOADING' };
    this.#entries.set(source.name, [...(this.#entries.get(source.name) ?? []), entry]);
    const log = this.deps.logger.child({ model: source.name });
    this.#report(source.name, entry);
    try {
      const local = await this.deps.locate(source, signal);
      entry.version = String(local.version);
      this.#report(source.name, entry);
      const labels = { model: source.name, version: entry.version };
      this.deps.metrics.downloadBytes.inc(labels, local.bytes);
      this.deps.metrics.downloadSeconds.set(labels, local.downloadMs / 1000);
      log.info(
        {
          version: entry.version,
          uri: local.uri,
          bytes: local.bytes,
          ms: local.downloadMs,
          reused: local.reused,
        },
        'model localized',
      );

      const config = await this.deps.readConfig(local.dir, local.uri);
      const loadStart = this.deps.clock.now();
      entry.model = await this.deps.runtime.load(local.dir, config);
      this.deps.metrics.loadSeconds.set(labels, (this.deps.clock.now() - loadStart) / 1000);

      this.#move(source.name, entry, 'WARMING');
      const warmStart = this.deps.clock.now();
      const runs = await warmUp({
        model: entry.model,
        config,
        dir: local.dir,
        where: local.uri,
        decodeRequest: this.deps.decodeWarmupRequest,
      });
      const warmMs = this.deps.clock.now() - warmStart;
      this.deps.metrics.warmupSeconds.set(labels, warmMs / 1000);
      log.info({ version: entry.version, runs, ms: Math.round(warmMs * 10) / 10 }, 'model warmed up');

      entry.serving = {
        name: source.name,
        version: entry.version,
        metadata: entry.model.metadata,
        config,
        scheduler: this.deps.schedulerFor(entry.model, config, { name: source.name, version: entry.version }),
      };
      this.#move(source.name, entry, 'READY');
      log.info({ version: entry.version }, 'model ready');
      return entry.serving;
    } catch (error) {
      entry.error = toBerthError(error);
      this.#move(source.name, entry, 'FAILED');
      await entry.model?.dispose().catch(() => undefined);
      entry.model = undefined;
      throw entry.error;
    }
  }

  /** Loads a model of the store by name (explicit model-control mode); see model-control.ts. */
  async loadByName(name: string): Promise<void> {
    throw new BerthError(
      'MODEL_CONTROL_DISABLED',
      `cannot load model "${name}": model control mode is "none"; start with --model-control-mode explicit`,
    );
  }

  /** Unloads every version of a model (explicit model-control mode). */
  async unloadByName(name: string): Promise<void> {
    throw new BerthError(
      'MODEL_CONTROL_DISABLED',
      `cannot unload model "${name}": model control mode is "none"; start with --model-control-mode explicit`,
    );
  }

  /** The READY version of a model (the highest, or the one asked for); throws a typed error. */
  resolve(name: string, version?: string): ServingModel {
    const entries = this.#entries.get(name);
    if (!entries)
      throw new BerthError(
        'MODEL_NOT_FOUND',
        `model "${name}" is not served here (serving: ${this.#names()})`,
      );
    if (version !== undefined) {
      const entry = entries.find((candidate) => candidate.version === version);
      if (!entry) {
        const known =
          entries
            .map((candidate) => candidate.version)
            .filter(Boolean)
            .join(', ') || 'none yet';
        throw new BerthError(
          'VERSION_NOT_FOUND',
          `model "${name}" has no version "${version}" (versions: ${known})`,
        );
      }
      return this.#servingOf(name, entry);
    }
    const ready = entries.filter((entry) => entry.state === 'READY');
    const latest = ready.sort((a, b) => Number(b.version) - Number(a.version))[0];
    return this.#servingOf(name, latest ?? entries[entries.length - 1]!);
  }

  /** True only when every configured model has a READY version. */
  ready(): boolean {
    if (this.#entries.size === 0) return false;
    for (const entries of this.#entries.values()) {
      if (!entries.some((entry) => entry.state === 'READY')) return false;
    }
    return true;
  }

  /** Every version known, in registration order. */
  status(name?: string): VersionStatus[] {
    const names = name === undefined ? [...this.#entries.keys()] : [name];
    return names.flatMap((model) =>
      (this.#entries.get(model) ?? []).map((entry) => ({
        name: model,
        version: entry.version,
        state: entry.state,
        ...(entry.error ? { error: `${entry.error.stableId}: ${entry.error.message}` } : {}),
      })),
    );
  }

  modelNames(): string[] {
    return [...this.#entries.keys()];
  }

  /** Resolves when no accepted request is running on any model. */
  async drain(): Promise<void> {
    const schedulers = [...this.#entries.values()].flatMap((entries) =>
      entries.map((entry) => entry.serving?.scheduler),
    );
    await Promise.all(schedulers.map((scheduler) => scheduler?.drain()));
  }

  /** Drains every scheduler, then releases the runtimes. */
  async unloadAll(): Promise<void> {
    const all = [...this.#entries.entries()].flatMap(([name, entries]) =>
      entries.map((entry) => ({ name, entry })),
    );
    await Promise.all(
      all.map(async ({ name, entry }) => {
        if (entry.state === 'UNLOADING') return;
        this.#move(name, entry, 'UNLOADING');
        await entry.serving?.scheduler.drain();
        await entry.model?.dispose();
        entry.model = undefined;
      }),
    );
  }

  #servingOf(name: string, entry: VersionEntry): ServingModel {
    if (entry.state === 'READY' && entry.serving) return entry.serving;
    const why = entry.error ? `: ${entry.error.message}` : '';
    throw new BerthError(
      'MODEL_NOT_READY',
      `model "${name}" version ${entry.version ?? '(resolving)'} is ${entry.state}${why}`,
    );
  }

  #move(name: string, entry: VersionEntry, to: ModelState): void {
    if (!canMove(entry.state, to))
      throw new BerthError('INTERNAL', `model "${name}": illegal move ${entry.state} → ${to}`);
    entry.state = to;
    this.#report(name, entry);
  }

  #report(name: string, entry: VersionEntry): void {
    if (entry.version !== undefined) {
      this.deps.metrics.modelState.set(
        { model: name, version: entry.version },
        MODEL_STATE_VALUES[entry.state],
      );
    }
  }

  #names(): string {
    return [...this.#entries.keys()].map((name) => `"${name}"`).join(', ') || 'none';
  }
}
