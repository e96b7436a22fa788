/**
 * The two benchmark models, generated reproducibly with the TypeScript ONNX builder and published
 * with Berth's own publish into a file store, so Berth pulls them as in production and the Python
 * peers load the very same model.onnx files.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { FileStore } from '../src/storage/backends/file-store.js';
import { publishVersion } from '../src/repository/publish.js';
import { mlpModel } from '../test/fixtures/onnx/models.js';
import type { ModelName } from './config.js';

/** Layer sizes and seed of each model (mlpModel: ReLU hidden layers, sigmoid output). */
export const MODEL_SPECS: Readonly<
  Record<ModelName, { layers: readonly number[]; seed: number; about: string }>
> = {
  ranking: { layers: [256, 512, 256, 1], seed: 20260101, about: 'ranking MLP, small and fast' },
  compute: { layers: [1024, 4096, 4096, 1], seed: 20260102, about: 'compute-bound MLP' },
};

/** A model as published into the bench store. */
export interface BenchModel {
  readonly name: ModelName;
  readonly layers: readonly number[];
  readonly params: number;
  readonly inputName: string;
  readonly outputName: string;
  readonly features: number;
  readonly outputs: number;
  readonly version: number;
  /** The published model.onnx inside the store (what the peers load). */
  readonly onnxPath: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BenchStore {
  readonly root: string;
  readonly uri: string;
  readonly models: ReadonlyMap<ModelName, BenchModel>;
}

function parameterCount(layers: readonly number[]): number {
  let params = 0;
  for (let i = 0; i + 1 < layers.length; i++)
    params += (layers[i] ?? 0) * (layers[i + 1] ?? 0) + (layers[i + 1] ?? 0);
  return params;
}

/** Generates and publishes `names` under `workDir/store`; berth.yaml sets only max_batch_size. */
export async function buildBenchStore(
  workDir: string,
  names: readonly ModelName[],
  maxBatchSize: number,
): Promise<BenchStore> {
  const root = join(workDir, 'store');
  await mkdir(root, { recursive: true });
  const uri = pathToFileURL(root).href;
  const store = new FileStore(new URL(uri));
  const models = new Map<ModelName, BenchModel>();
  for (const name of names) {
    const spec = MODEL_SPECS[name];
    const onnx = mlpModel(spec.layers, spec.seed);
    const source = await mkdtemp(join(workDir, `src-${name}-`));
    await writeFile(join(source, 'model.onnx'), onnx);
    // Thread settings stay Berth's defaults; warm-up covers batch 1 and max_batch_size (the default).
    await writeFile(join(source, 'berth.yaml'), stringify({ max_batch_size: maxBatchSize }));
    const { version } = await publishVersion(store, name, source, {
      lineage: { generator: 'bench/models.ts mlpModel', layers: spec.layers, seed: spec.seed },
    });
    await rm(source, { recursive: true, force: true });
    models.set(name, {
      name,
      layers: spec.layers,
      params: parameterCount(spec.layers),
      inputName: 'features',
      outputName: 'score',
      features: spec.layers[0] ?? 0,
      outputs: spec.layers.at(-1) ?? 0,
      version,
      onnxPath: join(root, name, String(version), 'model.onnx'),
      bytes: onnx.byteLength,
      sha256: createHash('sha256').update(onnx).digest('hex'),
    });
  }
  return { root, uri, models };
}
