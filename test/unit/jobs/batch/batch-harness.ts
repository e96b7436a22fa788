/**
 * A real file store with the dense toy model served through createServingCore, JSON Lines input
 * parts in a temp folder, and readers for what a batch job wrote: shared by the runner tests.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { loadServerConfig } from '../../../../src/config/load-server-config.js';
import { type BatchDeps, type BatchJobSpec } from '../../../../src/jobs/batch/batch-runner.js';
import type { Predictor } from '../../../../src/jobs/batch/predictor.js';
import { servingPredictor } from '../../../../src/jobs/batch/serving-predictor.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { OnnxRuntime } from '../../../../src/runtime/onnx/onnx-runtime.js';
import { createServingCore, type ServingCore } from '../../../../src/server/serving-core.js';
import { FileStore } from '../../../../src/storage/backends/file-store.js';
import { denseReference, denseReluModel, denseReluWeights } from '../../../fixtures/onnx/models.js';
import { ManualClock } from '../../../support/manual-clock.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { testJsonlFormats } from '../../../support/test-jsonl-records.js';

export const SEED = 7;
export const IN = 4;
export const OUT = 3;

/** The model store, a served core and its predictor. */
export interface Served {
  readonly fixture: StoreFixture;
  readonly core: ServingCore;
  readonly predictor: Predictor;
  close(): Promise<void>;
}

/** Publishes `dense` (4 → 3, relu) and `dense1` (4 → 1) and serves them with no listener. */
export async function serveDense(): Promise<Served> {
  const fixture = await createStoreFixture();
  await fixture.publish({ name: 'dense', onnx: denseReluModel(IN, OUT, SEED) });
  await fixture.publish({ name: 'dense1', onnx: denseReluModel(IN, 1, SEED) });
  const config = await loadServerConfig({
    env: {},
    flags: { store: fixture.uri, models: ['dense', 'dense1'], cache_dir: fixture.cacheDir },
  });
  const logger = createLogger({
    level: 'silent',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const core = createServingCore(config, { logger, version: '0.0.0-test', runtime: new OnnxRuntime() });
  const predictor = await servingPredictor(core, 'dense');
  return {
    fixture,
    core,
    predictor,
    close: async () => {
      await core.stop();
      await core.registry.unloadAll();
      await fixture.cleanup();
    },
  };
}

/** A row's features: deterministic from its id. */
export function featuresOf(id: number): number[] {
  return Array.from({ length: IN }, (_, i) => Math.fround(((id * 7 + i * 3) % 11) / 5 - 1));
}

/** The model's answer for a row, computed in TypeScript. */
export function referenceOf(id: number, outFeatures = OUT): number[] {
  return Array.from(
    denseReference(denseReluWeights(IN, outFeatures, SEED), Float32Array.from(featuresOf(id)), 'relu'),
  );
}

/** Folders for one job's input and output. */
export interface JobDirs {
  readonly input: string;
  readonly output: string;
  cleanup(): Promise<void>;
}

/** Writes `parts` JSON Lines parts of `rowsPerPart` rows (ids 0, 1, ...), plus files a job skips. */
export async function writeParts(base: string, parts: number, rowsPerPart: number): Promise<JobDirs> {
  const dir = await mkdtemp(join(base, 'job-'));
  const input = join(dir, 'in');
  const output = join(dir, 'out');
  await mkdir(input);
  let id = 0;
  for (let part = 0; part < parts; part++) {
    const lines: string[] = [];
    for (let row = 0; row < rowsPerPart; row++, id++) lines.push(JSON.stringify({ id, x: featuresOf(id) }));
    await writeFile(join(input, `part-${String(part).padStart(3, '0')}.jsonl`), `${lines.join('\n')}\n`);
  }
  // Names starting with _ or . are never parts.
  await writeFile(join(input, '_SUCCESS'), '');
  await writeFile(join(input, '.hidden.jsonl'), 'not json\n');
  return { input, output, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The rows of every output part, by part name in order. */
export async function readOutput(output: string): Promise<Map<string, Array<Record<string, unknown>>>> {
  const parts = new Map<string, Array<Record<string, unknown>>>();
  for (const name of (await readdir(output)).filter((entry) => entry.endsWith('.jsonl')).sort()) {
    const text = await readFile(join(output, name), 'utf8');
    parts.set(
      name,
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }
  return parts;
}

/** A job spec over the folders with the runner's defaults; `overrides` win. */
export function jobSpec(dirs: JobDirs, overrides: Partial<BatchJobSpec> = {}): BatchJobSpec {
  return {
    input: new FileStore(pathToFileURL(dirs.input)),
    output: new FileStore(pathToFileURL(dirs.output)),
    keys: ['id'],
    features: [],
    batchRows: 16,
    inFlight: 3,
    allowNan: false,
    shard: { index: 0, count: 1 },
    force: false,
    lockTtlMs: 60_000,
    ...overrides,
  };
}

/** Dependencies with a manual clock and a fixed wall clock. */
export function jobDeps(predictor: Predictor, overrides: Partial<BatchDeps> = {}) {
  const formats = testJsonlFormats();
  return {
    predictor,
    clock: new ManualClock(),
    wallClock: () => 1_000_000,
    ...overrides,
    formats,
  } satisfies BatchDeps;
}
