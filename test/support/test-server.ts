/** Starts the real server in-process on a free loopback port, with real stores and ONNX Runtime. */
import { Writable } from 'node:stream';
import { loadServerConfig } from '../../src/config/load-server-config.js';
import { startServer, type RunningServer } from '../../src/transports/start-server.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ModelLocator } from '../../src/registry/model-registry.js';
import { LookupRuntime } from '../../src/runtime/lookup/lookup-runtime.js';
import { OnnxRuntime } from '../../src/runtime/onnx/onnx-runtime.js';
import { RuntimeByConfig } from '../../src/runtime/runtime-by-config.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createDefaultStoreRegistry } from '../../src/storage/store-registry.js';
import type { StoreSettings } from '../../src/storage/store-settings.js';

export interface TestServer extends RunningServer {
  /** Every log line written so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly store: string;
  readonly models: string[];
  readonly cacheDir: string;
  readonly bodyLimit?: number;
  /** Wraps the real locator (e.g. to hold a load back while a test looks at LOADING). */
  readonly wrapLocator?: (locate: ModelLocator) => ModelLocator;
  /** The runtime to load models with (default: ONNX Runtime or lookup, by berth.yaml), e.g. one that can hold runs open. */
  readonly runtime?: Runtime;
  /** What the stores are told (default: nothing, as with an empty environment). */
  readonly storeSettings?: StoreSettings;
  /** Wall-clock ms since the epoch (statistics' last_inference); Date.now when absent. */
  readonly wallClock?: () => number;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const config = await loadServerConfig({
    env: {},
    flags: {
      store: options.store,
      models: options.models,
      host: '127.0.0.1',
      port: 0,
      cache_dir: options.cacheDir,
      ...(options.bodyLimit ? { body_limit: options.bodyLimit } : {}),
    },
  });
  const server = await startServer(config, {
    logger,
    runtime: options.runtime ?? new RuntimeByConfig({ onnx: new OnnxRuntime(), lookup: new LookupRuntime() }),
    ...(options.wrapLocator ? { wrapLocator: options.wrapLocator } : {}),
    stores: createDefaultStoreRegistry(options.storeSettings),
    ...(options.wallClock ? { wallClock: options.wallClock } : {}),
    version: '0.0.0-test',
  });
  return {
    ...server,
    logs,
    close: async () => {
      await server.app.close();
      await server.registry.unloadAll();
    },
  };
}
