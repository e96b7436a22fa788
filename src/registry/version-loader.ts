/**
 * Brings one version from the store to a warmed, schedulable model: pull and verify into the local
 * cache, read berth.yaml, load into the runtime, warm up, build the scheduler. `onWarming` is called
 * between load and warm-up so the registry can report WARMING. On failure whatever was loaded is
 * released before the error propagates, so a failed version holds no sessions.
 */
import type { Clock } from '../core/clock.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelSource } from '../core/model-ref.js';
import type { LocatedModel } from '../repository/model-locator.js';
import type { LoadedModel, Runtime } from '../runtime/runtime.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import type { LoadTimings } from './lifecycle-events.js';
import { warmUp, type WarmupRequestDecoder } from './warmup.js';

/** A version brought into a verified local folder by the repository. */
export type LocalizedModel = LocatedModel;

/** Resolves and downloads a source's version (the repository does it; injected so tests can swap stores). */
export type ModelLocator = (source: ModelSource, signal?: AbortSignal) => Promise<LocalizedModel>;

/** Builds the scheduler for a loaded version (direct or the dynamic batcher); `id` names it for metrics. */
export type SchedulerFactory = (
  model: LoadedModel,
  config: ModelConfig,
  id: { readonly name: string; readonly version: string },
) => Scheduler;

export interface VersionLoaderDeps {
  readonly locate: ModelLocator;
  readonly runtime: Runtime;
  readonly readConfig: (dir: string, where: string) => Promise<ModelConfig>;
  readonly decodeWarmupRequest: WarmupRequestDecoder;
  readonly schedulerFor: SchedulerFactory;
  readonly clock: Clock;
}

/** A warmed version, ready to take traffic. */
export interface LoadedVersion {
  readonly model: LoadedModel;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
  readonly timings: LoadTimings;
}

export async function loadVersion(
  deps: VersionLoaderDeps,
  source: ModelSource & { readonly version: number },
  onWarming: () => void,
  signal?: AbortSignal,
): Promise<LoadedVersion> {
  const local = await deps.locate(source, signal);
  const config = await deps.readConfig(local.dir, local.uri);
  const loadStart = deps.clock.now();
  const model = await deps.runtime.load(local.dir, config);
  try {
    const loadMs = deps.clock.now() - loadStart;
    onWarming();
    const warmStart = deps.clock.now();
    const warmupRuns = await warmUp({
      model,
      config,
      dir: local.dir,
      where: local.uri,
      decodeRequest: deps.decodeWarmupRequest,
    });
    const warmupMs = deps.clock.now() - warmStart;
    const scheduler = deps.schedulerFor(model, config, {
      name: source.name,
      version: String(source.version),
    });
    const timings: LoadTimings = {
      bytes: local.bytes,
      reused: local.reused,
      downloadMs: local.downloadMs,
      loadMs,
      warmupMs,
      warmupRuns,
      uri: local.uri,
      dir: local.dir,
    };
    return { model, config, scheduler, timings };
  } catch (error) {
    await model.dispose().catch(() => undefined);
    throw error;
  }
}
