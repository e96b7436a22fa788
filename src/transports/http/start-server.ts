/**
 * The composition root of `berth serve`: builds every part once, starts listening (live, not ready),
 * pulls and warms every model, and only then reports ready. Start-up failures reject with a
 * BerthError naming the URI and the cause; the CLI turns that into one line and a non-zero exit.
 */
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../../core/clock.js';
import { BerthError } from '../../core/errors.js';
import { readModelConfig } from '../../config/model-config-file.js';
import { parseModelRef } from '../../core/model-ref.js';
import type { ServerConfig } from '../../config/server-config.js';
import { DataPlane, SERVER_EXTENSIONS } from '../../dataplane/data-plane.js';
import type { Logger } from '../../observability/logger.js';
import { batcherMetrics, createMetrics } from '../../observability/metrics.js';
import { decodeInferRequest } from '../../protocol/v2/json-codec.js';
import { ModelRegistry, type ModelLocator } from '../../registry/model-registry.js';
import type { Runtime } from '../../runtime/runtime.js';
import { batchingSettings, withServerOverrides } from '../../scheduling/batching-settings.js';
import { DirectScheduler } from '../../scheduling/direct-scheduler.js';
import { DynamicBatcher } from '../../scheduling/dynamic-batcher.js';
import { startGrpcServer, type RunningGrpcServer } from '../grpc/grpc-server.js';
import { createHttpApp } from './app.js';
import { RequestTracker } from './request-tracker.js';

export interface ServerDeps {
  readonly logger: Logger;
  readonly runtime: Runtime;
  readonly locate: ModelLocator;
  readonly clock?: Clock;
  readonly version: string;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly dataPlane: DataPlane;
  readonly registry: ModelRegistry;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly tracker: RequestTracker;
  /** Resolves when every model is READY; rejects with the first start-up failure. */
  readonly loaded: Promise<void>;
  /** The gRPC server when `grpc_port` is set; `grpc.port` is the bound port. */
  readonly grpc?: RunningGrpcServer;
}

export async function startServer(config: ServerConfig, deps: ServerDeps): Promise<RunningServer> {
  const clock = deps.clock ?? systemClock;
  const sources = config.models.map((ref) => parseModelRef(ref, config.store));
  const metrics = createMetrics();
  const registry = new ModelRegistry({
    locate: deps.locate,
    runtime: deps.runtime,
    // Server-wide batching settings override berth.yaml here, so warm-up and the batcher agree.
    readConfig: async (dir, where) => withServerOverrides(await readModelConfig(dir, where), config),
    decodeWarmupRequest: (bytes, where) => {
      try {
        return decodeInferRequest(JSON.parse(Buffer.from(bytes).toString('utf8')));
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
      }
    },
    schedulerFor: (model, modelConfig, id) => {
      const batching = batchingSettings(model.metadata.inputs, modelConfig);
      const { refused, ...logged } = batching;
      deps.logger[refused ? 'warn' : 'info'](
        { model: id.name, version: id.version, batching: logged },
        'batching',
      );
      const label = `model "${id.name}" version ${id.version}`;
      if (!batching.enabled) return new DirectScheduler(model, clock, { ...batching, label });
      return new DynamicBatcher(
        model,
        { ...batching, label },
        clock,
        batcherMetrics(metrics, { model: id.name, version: id.version }),
      );
    },
    metrics,
    logger: deps.logger,
    clock,
  });
  const dataPlane = new DataPlane(registry, metrics, clock, {
    name: 'berth',
    version: deps.version,
    extensions: SERVER_EXTENSIONS,
  });
  const tracker = new RequestTracker();
  const app = createHttpApp({
    dataPlane,
    metricsRegistry: metrics.registry,
    logger: deps.logger,
    bodyLimit: config.body_limit,
    tracker,
  });
  const url = await app.listen({ host: config.host, port: config.port });
  const grpc =
    config.grpc_port === undefined ? undefined : await listenGrpc(config, dataPlane, tracker, deps, app);
  deps.logger.info(
    { url, grpcPort: grpc?.port, models: sources.map((source) => source.name) },
    'listening; loading models',
  );
  const loaded = Promise.all(sources.map((source) => registry.load(source))).then(() => {
    deps.logger.info({ url }, 'ready');
  });
  // The caller decides what a failure means; keep an unobserved rejection from crashing first.
  loaded.catch(() => undefined);
  return { app, dataPlane, registry, url, loaded, tracker, ...(grpc ? { grpc } : {}) };
}

/** Starts gRPC on its own port, through the same data plane; a port it cannot bind fails start-up. */
async function listenGrpc(
  config: ServerConfig,
  dataPlane: DataPlane,
  tracker: RequestTracker,
  deps: ServerDeps,
  app: FastifyInstance,
): Promise<RunningGrpcServer> {
  const { host, grpc_port: port = 0, body_limit: maxMessageBytes } = config;
  try {
    return await startGrpcServer({ dataPlane, logger: deps.logger, tracker, host, port, maxMessageBytes });
  } catch (error) {
    await app.close();
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `grpc_port: cannot listen on ${config.host}:${config.grpc_port} (${(error as Error).message})`,
      { cause: error },
    );
  }
}
