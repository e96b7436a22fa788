/**
 * A real file store in a temp folder with fixture models published through the real publish path,
 * for tests that serve models end to end.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { FileStore } from '../../src/storage/backends/file-store.js';
import { publishVersion } from '../../src/repository/publish.js';

export interface FixtureModel {
  readonly name: string;
  readonly onnx: Uint8Array;
  /** berth.yaml content as an object (omitted: no berth.yaml, all defaults). */
  readonly config?: Record<string, unknown>;
  /** Extra files by relative path. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

export interface StoreFixture {
  readonly root: string;
  readonly uri: string;
  readonly cacheDir: string;
  publish(model: FixtureModel): Promise<number>;
  cleanup(): Promise<void>;
}

export async function createStoreFixture(): Promise<StoreFixture> {
  const base = await mkdtemp(join(tmpdir(), 'berth-test-'));
  const root = join(base, 'store');
  const cacheDir = join(base, 'cache');
  await mkdir(root);
  const uri = pathToFileURL(root).href;
  const store = new FileStore(new URL(uri));
  return {
    root,
    uri,
    cacheDir,
    async publish(model) {
      const source = await mkdtemp(join(base, 'src-'));
      await writeFile(join(source, 'model.onnx'), model.onnx);
      if (model.config) await writeFile(join(source, 'berth.yaml'), stringify(model.config));
      for (const [path, content] of Object.entries(model.files ?? {})) {
        await mkdir(dirname(join(source, path)), { recursive: true });
        await writeFile(join(source, path), content);
      }
      const result = await publishVersion(store, model.name, source, { lineage: { test: true } });
      await rm(source, { recursive: true, force: true });
      return result.version;
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
