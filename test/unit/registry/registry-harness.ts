/**
 * A ModelRegistry over a real file store, the real repository (pull, verify, cache) and real ONNX
 * Runtime, with the runtime wrapped so a test can hold warm-up or runs at a gate, and a DataPlane on
 * top so requests take the path transports use. Versions are told apart by their numbers: version
 * N of a model is a dense layer with seed N, so `expected(N, rows)` says what it must answer.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../../src/core/clock.js';
import type { InferRequest } from '../../../src/core/inference.js';
import type { ModelConfig } from '../../../src/core/model-config.js';
import type { VersionPolicy } from '../../../src/core/version-policy.js';
import { readModelConfig } from '../../../src/config/model-config-file.js';
import { DataPlane } from '../../../src/dataplane/data-plane.js';
import { ModelStatistics } from '../../../src/dataplane/statistics.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { decodeInferRequest } from '../../../src/protocol/v2/json-codec.js';
import type { LifecycleEvent } from '../../../src/registry/lifecycle-events.js';
import type { ModelControlMode } from '../../../src/registry/model-control.js';
import { ModelRegistry } from '../../../src/registry/model-registry.js';
import { createModelRepository } from '../../../src/repository/model-repository.js';
import { OnnxRuntime } from '../../../src/runtime/onnx/onnx-runtime.js';
import type { LoadedModel, Runtime } from '../../../src/runtime/runtime.js';
import { batchingSettings } from '../../../src/scheduling/batching-settings.js';
import { DirectScheduler } from '../../../src/scheduling/direct-scheduler.js';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { denseReference, denseReluModel, denseReluWeights } from '../../fixtures/onnx/models.js';
import { GatedModel } from '../../support/gated-model.js';
import { createStoreFixture, type StoreFixture } from '../../support/model-store-fixture.js';

export const FEATURES = 3;

/** What version `version` (seed = version) answers for `rows`, as ONNX Runtime computes it. */
export function expected(version: number, rows: Float32Array): number[] {
  return [...denseReference(denseReluWeights(FEATURES, 2, version), rows, 'relu')];
}

/** Rows chosen so that every seed used here gives a different answer. */
export const ROWS = new Float32Array([1, 2, 3, -1, 0.5, 2]);

export function request(rows = ROWS): InferRequest {
  return {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length / FEATURES, FEATURES], data: rows }],
  };
}

/** A GatedModel whose health the test decides (a model whose every worker died reports false). */
class HealthGatedModel extends GatedModel {
  broken = false;

  constructor(inner: LoadedModel) {
    // Four runs at once, so requests held at the gate are in the model, not queued in front of it.
    super(inner, 4);
  }

  healthy(): boolean {
    return !this.broken;
  }
}

/** Loads with ONNX Runtime (inline) and wraps every model in a GatedModel; `holdNext` closes the gate at load. */
export class HoldingRuntime implements Runtime {
  readonly name = 'onnx';
  readonly loaded: HealthGatedModel[] = [];
  readonly #inner = new OnnxRuntime();
  #hold = false;
  loads = 0;

  /** The next model loaded starts with its gate closed (its warm-up waits). */
  holdNext(): void {
    this.#hold = true;
  }

  /** Every model loaded so far reports that no instance can run (as when all its workers died). */
  breakLoaded(): void {
    for (const model of this.loaded) model.broken = true;
  }

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    this.loads += 1;
    const inner = await this.#inner.load(dir, config);
    const model = new HealthGatedModel(inner);
    if (this.#hold) {
      model.close();
      this.#hold = false;
    }
    this.loaded.push(model);
    return model;
  }
}

export interface Harness {
  readonly fixture: StoreFixture;
  readonly registry: ModelRegistry;
  readonly dataPlane: DataPlane;
  readonly runtime: HoldingRuntime;
  readonly events: LifecycleEvent[];
  /** Publishes the next version of `name`; its weights use the version number as seed. */
  publish(name: string, onnx?: Uint8Array): Promise<number>;
  /** Publishes the next version with a model file ONNX Runtime cannot load. */
  publishBroken(name: string): Promise<number>;
  /** Deletes a version folder from the store, as an operator would. */
  remove(name: string, version: number): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  options: { mode?: ModelControlMode; policy?: VersionPolicy } = {},
): Promise<Harness> {
  const fixture = await createStoreFixture();
  const logger = createLogger({ level: 'silent' });
  const repository = createModelRepository({
    stores: createDefaultStoreRegistry({}),
    cacheDir: fixture.cacheDir,
    logger,
  });
  const runtime = new HoldingRuntime();
  const registry = new ModelRegistry({
    repository,
    locate: repository.localize,
    runtime,
    readConfig: readModelConfig,
    decodeWarmupRequest: (bytes) => decodeInferRequest(JSON.parse(Buffer.from(bytes).toString('utf8'))),
    schedulerFor: (model, config, id) =>
      new DirectScheduler(model, systemClock, {
        ...batchingSettings(model.metadata.inputs, config),
        label: `model "${id.name}" version ${id.version}`,
      }),
    logger,
    clock: systemClock,
    controlMode: options.mode ?? 'none',
    ...(options.policy ? { defaultPolicy: options.policy } : {}),
    defaultStore: fixture.uri,
  });
  const events: LifecycleEvent[] = [];
  registry.subscribe((event) => events.push(event));
  const dataPlane = new DataPlane(
    registry,
    createMetrics(),
    systemClock,
    { name: 'berth', version: 'test', extensions: [] },
    new ModelStatistics(() => 0),
  );
  const versions = new Map<string, number>();
  const next = (name: string): number => (versions.get(name) ?? 0) + 1;
  const publish = async (name: string, onnx?: Uint8Array): Promise<number> => {
    const version = await fixture.publish({
      name,
      onnx: onnx ?? denseReluModel(FEATURES, 2, next(name)),
      // Batch sizes 1 and 2 only: warm-up stays small.
      config: { execution: 'inline', max_batch_size: 2 },
    });
    versions.set(name, version);
    return version;
  };
  return {
    fixture,
    registry,
    dataPlane,
    runtime,
    events,
    publish,
    publishBroken: (name) => publish(name, new Uint8Array([1, 2, 3, 4])),
    remove: async (name, version) => {
      await rm(join(fixture.root, name, String(version)), { recursive: true, force: true });
      versions.set(name, version - 1);
    },
    close: async () => {
      await registry.unloadAll();
      await fixture.cleanup();
    },
  };
}

/** Replaces one file of a published version in place (a re-publish under the same number). */
export async function overwrite(
  harness: Harness,
  name: string,
  version: number,
  file: string,
  bytes: Uint8Array,
) {
  await writeFile(join(harness.fixture.root, name, String(version), file), bytes);
}
