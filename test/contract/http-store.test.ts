/**
 * Runs the ModelStore contract against the http store, served by a real HTTP server on port 0 from
 * a temp folder that is seeded through the file store. Once with HTML listings (python's
 * http.server shape) and once with nginx's JSON autoindex.
 */
import { pathToFileURL } from 'node:url';
import { createFileStore } from '../../src/storage/backends/file-store.js';
import { createHttpStore } from '../../src/storage/backends/http/http-store.js';
import { startStaticHttpServer } from '../support/static-http-server.js';
import type { StaticHttpServerOptions } from '../support/static-http-server.js';
import { tempFolder } from '../support/store-assertions.js';
import { modelStoreContract } from './model-store.contract.js';
import type { SeedFiles, StoreFixture } from './model-store.contract.js';

function httpFixture(options: StaticHttpServerOptions): () => Promise<StoreFixture> {
  return async () => {
    const root = await tempFolder('http-store');
    const files = createFileStore(pathToFileURL(root.path), {});
    const server = await startStaticHttpServer(root.path, options);
    return {
      store: createHttpStore(new URL(`${server.url}models/`), { requestTimeoutMs: 5_000 }),
      seed: async (seed: SeedFiles) => {
        for (const [path, content] of Object.entries(seed)) {
          await files.write(`models/${path}`, typeof content === 'string' ? Buffer.from(content) : content);
        }
      },
      close: async () => {
        await server.close();
        await root.remove();
      },
    };
  };
}

const readOnly = { readOnly: 'http(s) stores are read-only' };
modelStoreContract('http store, HTML listings', httpFixture({ listing: 'html' }), readOnly);
modelStoreContract('http store, JSON autoindex', httpFixture({ listing: 'json' }), readOnly);
