/**
 * A store wrapped in retries is still a ModelStore: the shared contract runs against
 * RetryingStore over the file store and over the http store, with the default policy.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileStore } from '../../../src/storage/backends/file-store.js';
import { createHttpStore } from '../../../src/storage/backends/http/http-store.js';
import { withRetries } from '../../../src/storage/retrying-store.js';
import { modelStoreContract } from '../../contract/model-store.contract.js';
import type { SeedFiles, StoreFixture } from '../../contract/model-store.contract.js';
import { startStaticHttpServer } from '../../support/static-http-server.js';
import { tempFolder } from '../../support/store-assertions.js';

async function seedFolder(root: string, files: SeedFiles): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content, { flag: 'wx' });
  }
}

modelStoreContract('retrying file store', async (): Promise<StoreFixture> => {
  const root = await tempFolder('retrying-file');
  return {
    store: withRetries(createFileStore(pathToFileURL(root.path), {})),
    seed: (files) => seedFolder(root.path, files),
    close: root.remove,
  };
});

modelStoreContract(
  'retrying http store',
  async (): Promise<StoreFixture> => {
    const root = await tempFolder('retrying-http');
    const server = await startStaticHttpServer(root.path, { listing: 'json' });
    return {
      store: withRetries(createHttpStore(new URL(`${server.url}models`), { requestTimeoutMs: 5_000 })),
      seed: (files) => seedFolder(join(root.path, 'models'), files),
      close: async () => {
        await server.close();
        await root.remove();
      },
    };
  },
  { readOnly: 'http(s) stores are read-only' },
);
