/** Runs the ModelStore contract against the file store, seeded with plain fs calls. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileStore } from '../../src/storage/backends/file-store.js';
import { tempFolder } from '../support/store-assertions.js';
import { modelStoreContract } from './model-store.contract.js';
import type { SeedFiles, StoreFixture } from './model-store.contract.js';

async function fileFixture(): Promise<StoreFixture> {
  const root = await tempFolder('file-store');
  return {
    store: createFileStore(pathToFileURL(root.path), {}),
    // Seeded around the store, so read cases do not depend on the store's own write.
    seed: async (files: SeedFiles) => {
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(root.path, path)), { recursive: true });
        await writeFile(join(root.path, path), content, { flag: 'wx' });
      }
    },
    close: root.remove,
  };
}

modelStoreContract('file store', fileFixture);
