/**
 * Owns every model version's lifecycle (Triton's model lifecycle, TF Serving's servable states):
 * LOADING → WARMING → READY, FAILED on any error, UNLOADING → gone. `sync` brings a model to what
 * its version policy asks of the store: new versions are pulled, loaded and warmed while the old
 * ones serve; only once a wanted version is READY are the others drained and unloaded, so a switch
 * fails no request and a broken new version leaves the last good one serving. A FAILED version is
 * retried only when its MANIFEST.json changes. Every change is emitted as a LifecycleEvent.
 */
import { isLoadableModelName, MODEL_NAME_RULE } from '../core/model-name.js';
import { BerthError, toBerthError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelSource } from '../core/model-ref.js';
import { formatVersionPolicy, LATEST, selectVersions, type VersionPolicy } from '../core/version-policy.js';
import type { Logger } from '../observability/logger.js';
import type { LoadedModel, LoadedModelMetadata } from '../runtime/runtime.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import { checkModelName } from '../storage/store-path.js';
import {
  LifecycleEmitter,
  type LifecycleListener,
  type LoadTimings,
  type VersionState,
} from './lifecycle-events.js';
import type { ModelControlMode } from './model-control.js';
import { canMove, type ModelState } from './model-state.js';
import { loadVersion, type VersionLoaderDeps } from './version-loader.js';

export type { ModelSource } from '../core/model-ref.js';
export type { LocalizedModel, ModelLocator, SchedulerFactory } from './version-loader.js';

/** What the registry asks of the model repository (repository/model-repository.ts). */
export interface RegistryRepository {
  /** Published versions, ascending. */
  versions(source: ModelSource, signal?: AbortSignal): Promise<number[]>;
  /** sha256 of the version's MANIFEST.json: a FAILED version is retried when this changes. */
  manifestDigest(source: ModelSource, version: number, signal?: AbortSignal): Promise<string>;
  /** Model folders at a store root (explicit mode lists them as loadable). */
  models(storeUri: string, signal?: AbortSignal): Promise<string[]>;
}

export interface RegistryDeps extends Omit<VersionLoaderDeps, 'locate'> {
  readonly locate: VersionLoaderDeps['locate'];
  readonly repository: RegistryRepository;
  readonly logger: Logger;
  /** `none` by default: the start-up models only, no load/unload through the API. */
  readonly controlMode?: ModelControlMode;
  /** Applies to models whose reference names neither a version nor a policy. */
  readonly defaultPolicy?: VersionPolicy;
  /** Store root for models loaded by name in explicit mode. */
  readonly defaultStore?: string;
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
  /** Undefined while the model's versions are still being listed, or once it is unloaded. */
  readonly version: string | undefined;
  readonly state: VersionState;
  readonly error?: string;
}

interface VersionEntry {
  readonly version: string;
  state: ModelState;
  error?: BerthError;
  /** MANIFEST.json digest when the load began: a FAILED version is retried only when it changes. */
  digest?: string;
  model?: LoadedModel;
  serving?: ServingModel;
}

interface ModelEntry {
  readonly name: string;
  readonly source: ModelSource;
  /** One per reference to the model (`--model add --model add@1`): the versions served are their union. */
  readonly policies: VersionPolicy[];
  readonly versions: Map<string, VersionEntry>;
  /** Counts for readiness: set from start-up or an explicit load, cleared by an unload. */
  required: boolean;
  /** Why the last sync could not list the store or found nothing to serve. */
  error?: BerthError;
  /** True from the first sync's start until it settles, so status shows LOADING before any version is known. */
  listing: boolean;
  /** Syncs of one model run one after another. */
  queue: Promise<void>;
}

export class ModelRegistry {
  readonly #models = new Map<string, ModelEntry>();
  readonly #events: LifecycleEmitter;
  readonly #mode: ModelControlMode;
  readonly #loader: VersionLoaderDeps;

  constructor(private readonly deps: RegistryDeps) {
    this.#mode = deps.controlMode ?? 'none';
    this.#loader = deps;
    this.#events = new LifecycleEmitter((error) =>
      deps.logger.error({ err: (error as Error).message }, 'a lifecycle listener threw'),
    );
  }

  get controlMode(): ModelControlMode {
    return this.#mode;
  }

  /** Subscribes to every version state change; returns the unsubscribe function. */
  subscribe(listener: LifecycleListener): () => void {
    return this.#events.subscribe(listener);
  }

  /**
   * Registers a model (LOADING before any I/O, so readiness is false from the start) and brings it
   * to its version policy. Throws the first failure when no version became READY.
   */
  async load(source: ModelSource, signal?: AbortSignal): Promise<ServingModel> {
    let model = this.#models.get(source.name);
    if (model === undefined || model.source.storeUri !== source.storeUri || !model.required) {
      model = this.#register(source);
    } else {
      const policy = this.#policy(source);
      if (!model.policies.some((known) => formatVersionPolicy(known) === formatVersionPolicy(policy)))
        model.policies.push(policy);
    }
    // The outcome is read in the same turn of the model's queue as the sync, before an unload queued
    // behind it runs; an unload that arrived meanwhile stops the sync (`required` is false) and wins.
    const entry = model;
    return this.#queued(entry, async () => {
      await this.#syncNow(entry, signal);
      if (!entry.required)
        throw new BerthError(
          'MODEL_LOAD_SUPERSEDED',
          `model "${entry.name}": unloaded by a request that arrived before this load finished; load it again to serve it`,
        );
      const usable = this.#newestUsable(entry);
      if (usable?.serving) return usable.serving;
      // Start-up reports the cause itself (a digest mismatch, a warm-up error), not "not ready".
      const failed = this.#newest(entry);
      throw failed?.error ?? entry.error ?? this.#latestOrThrow(entry);
    });
  }

  /**
   * Loads a model of the store by name, or reloads a loaded one (explicit model-control mode). A
   * load that leaves nothing serving does not count for readiness: a mistyped name must not take the
   * whole server out of rotation. The index keeps it with the reason.
   */
  async loadByName(name: string): Promise<void> {
    this.#requireExplicit('load', name);
    const known = this.#models.get(name);
    let source: ModelSource;
    if (known !== undefined) source = known.source;
    else if (this.deps.defaultStore === undefined)
      throw new BerthError(
        'BAD_SERVER_CONFIG',
        `cannot load model "${name}": no --store is set to load models from by name`,
      );
    else {
      // The names the store lists as loadable; anything else is refused before the store is asked.
      if (!isLoadableModelName(name))
        throw new BerthError(
          'INVALID_REQUEST',
          `model name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)}: expected ${MODEL_NAME_RULE}, naming a model folder of ${this.deps.defaultStore}`,
        );
      checkModelName(name, this.deps.defaultStore);
      source = { name, storeUri: this.deps.defaultStore };
    }
    try {
      await this.load(source);
    } catch (error) {
      const model = this.#models.get(name);
      // A superseded load failed nothing: the unload that won already set the model's state.
      const superseded = error instanceof BerthError && error.id === 'MODEL_LOAD_SUPERSEDED';
      if (model !== undefined && !superseded && this.#newestUsable(model) === undefined) {
        model.required = false;
        model.error = toBerthError(error);
      }
      throw error;
    }
  }

  /** Unloads every version of a model once its accepted requests finish (explicit mode). */
  async unloadByName(name: string): Promise<void> {
    this.#requireExplicit('unload', name);
    const model = this.#models.get(name);
    if (model === undefined || !model.required)
      throw new BerthError(
        'MODEL_NOT_FOUND',
        `cannot unload model "${name}": it is not loaded (loaded: ${this.#names()})`,
      );
    model.required = false;
    await this.#queued(model, async () => {
      await Promise.all([...model.versions.values()].map((entry) => this.#unloadVersion(model, entry)));
      model.error = undefined;
    });
  }

  /** Brings one model to its version policy now (poll mode calls it on every tick). */
  async sync(name: string, signal?: AbortSignal): Promise<void> {
    const model = this.#models.get(name);
    if (model === undefined) throw new BerthError('MODEL_NOT_FOUND', `model "${name}" is not served here`);
    await this.#queued(model, () => this.#syncNow(model, signal));
  }

  /** Runs `work` after everything queued on the model (syncs, unloads), one at a time. */
  #queued<T>(model: ModelEntry, work: () => Promise<T>): Promise<T> {
    const run = model.queue.then(work);
    model.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Syncs every required model; failures are logged, never thrown (the poller's tick). */
  async refresh(signal?: AbortSignal): Promise<void> {
    const models = [...this.#models.values()].filter((model) => model.required);
    await Promise.all(
      models.map((model) =>
        this.sync(model.name, signal).catch((error: unknown) => {
          const typed = toBerthError(error);
          this.deps.logger.warn({ model: model.name, err: typed.stableId }, typed.message);
        }),
      ),
    );
  }

  /** The READY version of a model (the highest, or the one asked for); throws a typed error. */
  resolve(name: string, version?: string): ServingModel {
    const model = this.#models.get(name);
    if (model === undefined)
      throw new BerthError(
        'MODEL_NOT_FOUND',
        `model "${name}" is not served here (serving: ${this.#names()})`,
      );
    if (!model.required && model.versions.size === 0)
      throw new BerthError(
        'MODEL_NOT_FOUND',
        `model "${name}" is unloaded; load it with POST /v2/repository/models/${name}/load`,
      );
    if (version !== undefined) {
      const entry = model.versions.get(version);
      if (entry === undefined) {
        const known = [...model.versions.keys()].join(', ') || 'none yet';
        throw new BerthError(
          'VERSION_NOT_FOUND',
          `model "${name}" has no version "${version}" (versions: ${known})`,
        );
      }
      return this.#servingOf(name, entry);
    }
    return this.#latestOrThrow(model);
  }

  /** True when every required model has a READY version with a working instance. */
  ready(): boolean {
    const required = [...this.#models.values()].filter((model) => model.required);
    if (required.length === 0) return this.#mode === 'explicit';
    return required.every((model) => [...model.versions.values()].some((entry) => this.#usable(entry)));
  }

  /**
   * In explicit mode, the models of the store that could be loaded by name and are not known here
   * (Triton lists every model of its repository in the index); empty in the other modes.
   */
  async loadable(signal?: AbortSignal): Promise<string[]> {
    if (this.#mode !== 'explicit' || this.deps.defaultStore === undefined) return [];
    const names = await this.deps.repository.models(this.deps.defaultStore, signal);
    return names.filter((name) => !this.#models.has(name));
  }

  /** Every version known, model by model in registration order, versions ascending. */
  status(name?: string): VersionStatus[] {
    const models = name === undefined ? [...this.#models.values()] : [this.#models.get(name)].filter(Boolean);
    return models.flatMap((model) => {
      const versions = [...model!.versions.values()].sort((a, b) => Number(a.version) - Number(b.version));
      if (versions.length === 0) return [this.#modelRow(model!)];
      return versions.map((entry): VersionStatus => {
        const row = { name: model!.name, version: entry.version };
        if (entry.error)
          return { ...row, state: entry.state, error: `${entry.error.stableId}: ${entry.error.message}` };
        if (entry.state === 'READY' && !this.#usable(entry))
          return {
            ...row,
            state: 'FAILED',
            error: 'no working instance left: every runtime instance stopped',
          };
        return { ...row, state: entry.state };
      });
    });
  }

  modelNames(): string[] {
    return [...this.#models.keys()];
  }

  /** The version policy a model is served with, for config endpoints. */
  policyOf(name: string): string | undefined {
    const model = this.#models.get(name);
    return model === undefined ? undefined : model.policies.map(formatVersionPolicy).join(' + ');
  }

  /** Resolves when no accepted request is running on any model. */
  async drain(): Promise<void> {
    const schedulers = [...this.#models.values()].flatMap((model) =>
      [...model.versions.values()].map((entry) => entry.serving?.scheduler),
    );
    await Promise.all(schedulers.map((scheduler) => scheduler?.drain()));
  }

  /** Drains every scheduler, then releases the runtimes. */
  async unloadAll(): Promise<void> {
    await Promise.all(
      [...this.#models.values()].flatMap((model) =>
        [...model.versions.values()].map((entry) => this.#unloadVersion(model, entry)),
      ),
    );
  }

  #register(source: ModelSource): ModelEntry {
    const model: ModelEntry = {
      name: source.name,
      source,
      policies: [this.#policy(source)],
      versions: this.#models.get(source.name)?.versions ?? new Map(),
      required: true,
      listing: true,
      queue: this.#models.get(source.name)?.queue ?? Promise.resolve(),
    };
    this.#models.set(source.name, model);
    return model;
  }

  async #syncNow(model: ModelEntry, signal?: AbortSignal): Promise<void> {
    const log = this.deps.logger.child({ model: model.name });
    let targets: number[];
    try {
      const published = await this.deps.repository.versions(model.source, signal);
      targets = [...new Set(model.policies.flatMap((policy) => selectVersions(policy, published)))].sort(
        (a, b) => a - b,
      );
      if (targets.length === 0) throw this.#nothingToServe(model, published);
      model.error = undefined;
    } catch (error) {
      model.error = toBerthError(error);
      // Keep serving what is loaded; a store that is down for a poll changes nothing.
      if (this.#hasReady(model)) {
        log.warn({ err: model.error.stableId }, `keeping loaded versions: ${model.error.message}`);
        return;
      }
      throw model.error;
    } finally {
      model.listing = false;
    }

    // Newest first: with `latest:N` or a pinned extra version, the one most requests want serves first.
    for (const version of [...targets].reverse()) {
      if (signal?.aborted || !model.required) return;
      await this.#bringUp(model, version, signal);
    }

    // Retire what the policy no longer wants, but only once a wanted version serves: a new version
    // that failed leaves the last good one in service.
    const wanted = new Set(targets.map(String));
    const serving = [...wanted].some((version) => this.#usable(model.versions.get(version)));
    for (const entry of [...model.versions.values()]) {
      if (wanted.has(entry.version)) continue;
      if (entry.state === 'FAILED') model.versions.delete(entry.version);
      else if (serving) await this.#unloadVersion(model, entry);
    }
  }

  /** Loads one wanted version unless it serves, is on its way, or failed with the same manifest. */
  async #bringUp(model: ModelEntry, version: number, signal?: AbortSignal): Promise<void> {
    const existing = model.versions.get(String(version));
    if (existing !== undefined && existing.state !== 'FAILED') {
      // A READY version whose every instance stopped is loaded afresh.
      if (existing.state !== 'READY' || this.#usable(existing)) return;
      await this.#unloadVersion(model, existing);
    }
    const digest = await this.deps.repository
      .manifestDigest(model.source, version, signal)
      .catch(() => undefined);
    // A FAILED version is retried only once its manifest reads and differs from the one that failed:
    // a manifest that cannot be read now would fail the load again, and a reload on every poll would
    // flip its row from FAILED with a reason to LOADING with none.
    if (existing?.state === 'FAILED' && (digest === undefined || existing.digest === digest)) return;
    if (existing?.state === 'FAILED') model.versions.delete(existing.version);
    await this.#loadVersion(model, version, digest, signal);
  }

  async #loadVersion(model: ModelEntry, version: number, digest: string | undefined, signal?: AbortSignal) {
    const entry: VersionEntry = { version: String(version), state: 'LOADING', ...(digest ? { digest } : {}) };
    model.versions.set(entry.version, entry);
    this.#events.emit({ model: model.name, version: entry.version, state: 'LOADING' });
    try {
      const loaded = await loadVersion(
        this.#loader,
        { ...model.source, version },
        () => this.#move(model.name, entry, 'WARMING'),
        signal,
      );
      if (entry.state !== 'WARMING') {
        // Unloaded while it warmed (explicit unload, shutdown): release it, never serve it.
        await loaded.model.dispose().catch(() => undefined);
        return;
      }
      entry.model = loaded.model;
      entry.serving = {
        name: model.name,
        version: entry.version,
        metadata: loaded.model.metadata,
        config: loaded.config,
        scheduler: loaded.scheduler,
      };
      this.#move(model.name, entry, 'READY', { timings: loaded.timings });
    } catch (error) {
      entry.error = toBerthError(error);
      if (canMove(entry.state, 'FAILED')) this.#move(model.name, entry, 'FAILED', { error: entry.error });
    }
  }

  async #unloadVersion(model: ModelEntry, entry: VersionEntry): Promise<void> {
    if (entry.state === 'UNLOADING') return;
    if (!canMove(entry.state, 'UNLOADING')) return;
    this.#move(model.name, entry, 'UNLOADING');
    // Requests that resolved this version before the move are already in its scheduler: let them finish.
    await entry.serving?.scheduler.drain();
    await entry.model?.dispose().catch(() => undefined);
    entry.model = undefined;
    entry.serving = undefined;
    if (model.versions.get(entry.version) === entry) model.versions.delete(entry.version);
    this.#events.emit({
      model: model.name,
      version: entry.version,
      state: 'UNAVAILABLE',
      previous: 'UNLOADING',
    });
  }

  #newest(model: ModelEntry, keep: (entry: VersionEntry) => boolean = () => true): VersionEntry | undefined {
    let best: VersionEntry | undefined;
    for (const entry of model.versions.values())
      if (keep(entry) && (best === undefined || Number(entry.version) > Number(best.version))) best = entry;
    return best;
  }

  #newestUsable(model: ModelEntry): VersionEntry | undefined {
    return this.#newest(model, (entry) => this.#usable(entry));
  }

  #latestOrThrow(model: ModelEntry): ServingModel {
    const usable = this.#newestUsable(model);
    if (usable?.serving) return usable.serving;
    const newest = this.#newest(model);
    if (newest !== undefined) return this.#servingOf(model.name, newest);
    const why = model.error ? `: ${model.error.message}` : '';
    throw new BerthError(
      'MODEL_NOT_READY',
      `model "${model.name}" has no version ready (${model.listing ? 'listing its versions' : 'none loaded'})${why}`,
    );
  }

  #servingOf(name: string, entry: VersionEntry): ServingModel {
    if (entry.state === 'READY' && entry.serving) return entry.serving;
    const why = entry.error ? `: ${entry.error.message}` : '';
    throw new BerthError(
      'MODEL_NOT_READY',
      `model "${name}" version ${entry.version} is ${entry.state}${why}`,
    );
  }

  #usable(entry: VersionEntry | undefined): boolean {
    return entry?.state === 'READY' && entry.model?.healthy?.() !== false;
  }

  #hasReady(model: ModelEntry): boolean {
    return [...model.versions.values()].some((entry) => entry.state === 'READY');
  }

  #policy(source: ModelSource): VersionPolicy {
    if (source.version !== undefined) return { kind: 'specific', versions: [source.version] };
    return source.policy ?? this.deps.defaultPolicy ?? LATEST;
  }

  #nothingToServe(model: ModelEntry, published: readonly number[]): BerthError {
    const policy = model.policies.map(formatVersionPolicy).join(' + ');
    const where = `${model.source.storeUri.replace(/\/+$/, '')}/${model.name}`;
    if (model.source.version !== undefined && published.length > 0)
      return new BerthError(
        'NO_PUBLISHED_VERSION',
        `${where}/${model.source.version}: version ${model.source.version} is not published (published: ${published.join(', ')})`,
      );
    return new BerthError(
      'NO_PUBLISHED_VERSION',
      `${where}: no published version matches the version policy "${policy}" (published: ${published.join(', ') || 'none'})`,
    );
  }

  #modelRow(model: ModelEntry): VersionStatus {
    if (!model.required)
      return {
        name: model.name,
        version: undefined,
        state: 'UNAVAILABLE',
        error: model.error ? `${model.error.stableId}: ${model.error.message}` : 'unloaded',
      };
    if (model.error && !model.listing)
      return {
        name: model.name,
        version: undefined,
        state: 'FAILED',
        error: `${model.error.stableId}: ${model.error.message}`,
      };
    return { name: model.name, version: undefined, state: 'LOADING' };
  }

  #requireExplicit(action: 'load' | 'unload', name: string): void {
    if (this.#mode === 'explicit') return;
    throw new BerthError(
      'MODEL_CONTROL_DISABLED',
      `cannot ${action} model "${name}": the model control mode is "${this.#mode}"; ` +
        'start the server with --model-control-mode explicit to load and unload through the API',
    );
  }

  #move(
    name: string,
    entry: VersionEntry,
    to: ModelState,
    extra: { error?: BerthError; timings?: LoadTimings } = {},
  ): void {
    if (!canMove(entry.state, to))
      throw new BerthError('INTERNAL', `model "${name}": illegal move ${entry.state} → ${to}`);
    const previous = entry.state;
    entry.state = to;
    this.#events.emit({ model: name, version: entry.version, state: to, previous, ...extra });
  }

  #names(): string {
    const names = [...this.#models.values()]
      .filter((model) => model.required)
      .map((model) => `"${model.name}"`);
    return names.join(', ') || 'none';
  }
}
