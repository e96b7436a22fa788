/**
 * `berth serve`: the serving core (server/serving-core.ts) with the HTTP transport and, when
 * `grpc_port` is set, the gRPC one on top. It starts listening at once (live, not ready) while the
 * core pulls and warms every model, and reports ready only then. Start-up failures reject `loaded`
 * with a BerthError naming the URI and the cause; the CLI turns that into one line and exit 1.
 */
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../core/errors.js';
import type { ServerConfig } from '../config/server-config.js';
import type { DataPlane } from '../dataplane/data-plane.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { createServingCore, type ServingCore, type ServingCoreDeps } from '../server/serving-core.js';
import type { Listener, ShutdownParts } from '../server/shutdown.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc/grpc-server.js';
import { createHttpApp } from './http/app.js';
import { registryMetrics } from '../observability/metrics.js';
import { dashboardSource } from '../server/dashboard/dashboard-source.js';

export interface RunningServer {
  readonly core: ServingCore;
  readonly app: FastifyInstance;
  readonly dataPlane: DataPlane;
  readonly registry: ModelRegistry;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Resolves when every start-up model is READY; rejects with the first start-up failure. */
  readonly loaded: Promise<void>;
  /** The gRPC server when `grpc_port` is set; `grpc.port` is the bound port. */
  readonly grpc?: RunningGrpcServer;
  /** What shutDown needs to drain and close this server. */
  readonly shutdownParts: (drainTimeoutMs: number) => ShutdownParts;
}

export async function startServer(config: ServerConfig, deps: ServingCoreDeps): Promise<RunningServer> {
  const core = createServingCore(config, deps);
  const { dataPlane, registry, logger } = core;
  const { worker } = deps;
  // With --workers every worker's part, gathered by the primary; else this process's own.
  const dashboard = dashboardSource(
    worker ? (since) => worker.clusterDashboard(since) : async (since) => [await core.dashboard.part(since)],
    { name: 'berth', version: deps.version, modelControl: config.model_control_mode },
  );
  const app = createHttpApp({
    dashboard,
    dataPlane,
    metrics: deps.worker?.clusterMetrics ?? registryMetrics(core.metrics.registry),
    logger,
    bodyLimit: config.body_limit,
  });
  const url = await app.listen({ host: config.host, port: config.port });
  const grpc = config.grpc_port === undefined ? undefined : await listenGrpc(config, core, app);
  logger.info(
    { url, grpcPort: grpc?.port, models: core.sources.map((source) => source.name) },
    'listening; loading models',
  );
  const loaded = core.loaded.then(() => {
    // With --workers the primary says "ready", once every worker is (server/cluster/).
    logger.info({ url }, deps.worker ? 'worker ready' : 'ready');
  });
  loaded.catch(() => undefined);
  const listeners: Listener[] = [{ close: () => app.close() }, ...(grpc ? [grpc] : [])];
  return {
    core,
    app,
    dataPlane,
    registry,
    url,
    loaded,
    ...(grpc ? { grpc } : {}),
    shutdownParts: (drainTimeoutMs) => ({
      dataPlane,
      registry,
      logger,
      drainTimeoutMs,
      listeners,
      stop: () => core.stop(),
    }),
  };
}

/** Starts gRPC on its own port, through the same data plane; a port it cannot bind fails start-up. */
async function listenGrpc(
  config: ServerConfig,
  core: ServingCore,
  app: FastifyInstance,
): Promise<RunningGrpcServer> {
  const { host, grpc_port: port = 0, body_limit: maxMessageBytes } = config;
  try {
    return await startGrpcServer({
      dataPlane: core.dataPlane,
      logger: core.logger,
      host,
      port,
      maxMessageBytes,
    });
  } catch (error) {
    await app.close();
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `grpc_port: cannot listen on ${config.host}:${config.grpc_port} (${(error as Error).message})`,
      { cause: error },
    );
  }
}
