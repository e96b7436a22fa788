/**
 * Builds examples/demo-store: the embedded local store `npm start` serves. The model is made by the
 * TypeScript ONNX builder (no Python) and published through the real publish path, so the store
 * has the same layout and MANIFEST.json as any other. `--check` rebuilds into a temp folder and
 * fails if the committed store differs (generated files must not drift).
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FileStore } from '../src/storage/backends/file-store.js';
import { publishVersion } from '../src/repository/publish.js';
import { mlpModel } from '../test/fixtures/onnx/models.js';
import { DEMO_MODEL, demoFeatures } from './demo-model.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const committedStore = join(repoRoot, 'examples', 'demo-store');

async function buildStore(storeDir: string): Promise<void> {
  const source = await mkdtemp(join(tmpdir(), 'berth-demo-'));
  try {
    await writeFile(join(source, 'model.onnx'), mlpModel(DEMO_MODEL.layers, DEMO_MODEL.seed));
    await writeFile(
      join(source, 'berth.yaml'),
      stringify({
        max_batch_size: 64,
        warmup: { batch_sizes: [1, 8, 64], requests: ['warmup/request.json'] },
      }),
    );
    await mkdir(join(source, 'warmup'));
    const request = {
      id: 'warmup',
      inputs: [
        { name: 'features', shape: [2, DEMO_MODEL.layers[0]], datatype: 'FP32', data: demoFeatures(2) },
      ],
    };
    await writeFile(join(source, 'warmup', 'request.json'), `${JSON.stringify(request)}\n`);
    await rm(join(storeDir, DEMO_MODEL.name), { recursive: true, force: true });
    await mkdir(storeDir, { recursive: true });
    await publishVersion(new FileStore(new URL(`file://${storeDir}`)), DEMO_MODEL.name, source, {
      lineage: { builder: 'scripts/build-demo-store.ts', layers: DEMO_MODEL.layers, seed: DEMO_MODEL.seed },
      createdAt: DEMO_MODEL.createdAt,
    });
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}

async function filesOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), (await readFile(path)).toString('base64'));
  }
  return out;
}

if (process.argv.includes('--check')) {
  const fresh = await mkdtemp(join(tmpdir(), 'berth-demo-check-'));
  await buildStore(fresh);
  const [want, have] = [await filesOf(fresh), await filesOf(committedStore)];
  await rm(fresh, { recursive: true, force: true });
  const differs = [...new Set([...want.keys(), ...have.keys()])].filter(
    (path) => want.get(path) !== have.get(path),
  );
  if (differs.length > 0) {
    console.error(`examples/demo-store is out of date (${differs.join(', ')}): run \`npm run demo-store\``);
    process.exit(1);
  }
} else {
  await buildStore(committedStore);
  console.log(`demo store written to ${relative(repoRoot, committedStore)}`);
}
