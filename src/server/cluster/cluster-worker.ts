/**
 * The worker side of `--workers N`: a serving process forked by the primary (cluster-primary.ts).
 * It serves requests on the shared ports with its own models, batcher and event loop, and leaves to
 * the primary what must be done once or everywhere: pulling a version, applying a repository load
 * or unload on every worker, the readiness of the whole server, and the aggregated /metrics.
 */
import cluster from 'node:cluster';
import { Registry } from 'prom-client';
import type { ModelSource } from '../../core/model-ref.js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import type { ModelRegistry } from '../../registry/model-registry.js';
import type { LocalizedModel } from '../../registry/version-loader.js';
import type { WorkerRole } from '../serving-core.js';
import { IpcChannel } from './ipc-channel.js';
import { BerthError, toBerthError } from '../../core/errors.js';
import type { DashboardPart, LocalDashboard } from '../dashboard/dashboard-source.js';
import {
  CLUSTER,
  type ControlRequest,
  type DashboardRequest,
  type FailureNotice,
  type ReadyNotice,
} from './cluster-messages.js';

/** Environment the primary gives each worker it forks. */
export const WORKER_ENV = {
  /** 1-based slot of this worker; a restarted worker keeps its slot. */
  index: 'BERTH_WORKER_INDEX',
  /** This worker's share of the cores. */
  cores: 'BERTH_WORKER_CORES',
  /** JSON list of model references to load at start (explicit mode: what is loaded now). */
  models: 'BERTH_WORKER_MODELS',
} as const;

/** True in a process the primary forked as a serving worker. */
export function isServingWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return cluster.isWorker && env[WORKER_ENV.index] !== undefined;
}

/** The models a worker loads at start, when the primary says (explicit mode after loads/unloads). */
export function workerModels(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env[WORKER_ENV.models];
  return raw === undefined ? undefined : (JSON.parse(raw) as string[]);
}

/** What the worker's serving core takes from the primary, and how the worker answers it. */
export interface WorkerLink {
  readonly role: WorkerRole;
  /**
   * Answers the primary with this worker's server: repository changes, metrics, readiness reports,
   * and a shutdown request (or a lost primary) turning into `beginShutdown`.
   */
  attach(server: {
    readonly registry: ModelRegistry;
    readonly dataPlane: DataPlane;
    readonly metrics: Registry;
    readonly dashboard: LocalDashboard;
    readonly url: string;
    readonly beginShutdown: (reason: string) => void;
  }): void;
  /** Closes the link once this worker has drained, so the process can exit with `code`. */
  leave(code: number): void;
  /** Hands a start-up failure to the primary, which prints one line for the whole server. */
  startupFailed(error: unknown): Promise<void>;
}

/** Opens the IPC link to the primary; call once, before the serving core is built. */
export function joinCluster(env: NodeJS.ProcessEnv = process.env): WorkerLink {
  const channel = new IpcChannel({
    // With a callback a send on a closed channel reports to it, instead of an 'error' event that
    // would crash the worker (a late readiness report while it leaves, say).
    send: (message) => {
      if (process.connected) process.send!(message, undefined, {}, (error) => error && channel.close(error));
    },
    onMessage: (listener) => process.on('message', listener),
  });
  let clusterReady = false;
  channel.handle(CLUSTER.clusterReady, (body) => {
    clusterReady = (body as ReadyNotice).ready;
    return {};
  });
  // A load broadcast can arrive while this worker is still starting: it waits for the server.
  let attached: (server: Parameters<WorkerLink['attach']>[0]) => void = () => undefined;
  const server = new Promise<Parameters<WorkerLink['attach']>[0]>((resolve) => {
    attached = resolve;
  });
  channel.handle(CLUSTER.applyControl, async (body) => {
    const { op, name } = body as ControlRequest;
    const { registry } = await server;
    if (op === 'load') await registry.loadByName(name);
    else await registry.unloadByName(name);
    return {};
  });
  channel.handle(CLUSTER.metricsJson, async () => (await server).metrics.getMetricsAsJSON());
  channel.handle(CLUSTER.dashboardPart, async (body) =>
    (await server).dashboard.part((body as DashboardRequest).since),
  );
  // Told to stop (or orphaned) before the server is up: drain as soon as it is.
  const stopWhenAttached = (reason: string): void => {
    void server.then((parts) => parts.beginShutdown(reason));
  };
  channel.handle(CLUSTER.shutdown, () => stopWhenAttached('primary: shutdown'));
  // The primary is gone (killed): nobody will route to us or pull for us; drain and go.
  const orphaned = (): void => stopWhenAttached('primary: disconnected');
  process.once('disconnect', orphaned);
  const role: WorkerRole = {
    index: Number(env[WORKER_ENV.index]),
    cores: Number(env[WORKER_ENV.cores] ?? '1'),
    locate: (source: ModelSource) => channel.request<LocalizedModel>(CLUSTER.localize, source),
    readinessGate: () => clusterReady,
    repositoryControl: {
      load: (name) => channel.request<void>(CLUSTER.control, { op: 'load', name } satisfies ControlRequest),
      unload: (name) =>
        channel.request<void>(CLUSTER.control, { op: 'unload', name } satisfies ControlRequest),
    },
    clusterMetrics: {
      contentType: Registry.PROMETHEUS_CONTENT_TYPE,
      text: () => channel.request<string>(CLUSTER.metrics),
    },
    clusterDashboard: (since) =>
      channel.request<DashboardPart[]>(CLUSTER.dashboard, {
        ...(since === undefined ? {} : { since }),
      } satisfies DashboardRequest),
  };
  return {
    role,
    leave(code) {
      process.off('disconnect', orphaned);
      channel.close(new BerthError('WORKER_UNAVAILABLE', 'this worker left the cluster'));
      process.exitCode = code;
      // cluster.worker.disconnect, not process.disconnect: on a plain disconnect Node's cluster
      // calls process.exit(0), and the primary would read a failed start as a clean exit.
      if (process.connected) cluster.worker?.disconnect();
    },
    async startupFailed(error) {
      const typed = toBerthError(error);
      const notice: FailureNotice = { id: typed.id, stableId: typed.stableId, message: typed.message };
      await channel.request(CLUSTER.startupFailed, notice).catch(() => undefined);
    },
    attach(parts) {
      attached(parts);
      let reported: boolean | undefined;
      const report = (): void => {
        const ready = parts.dataPlane.locallyReady();
        if (ready === reported) return;
        reported = ready;
        channel.notify(CLUSTER.workerReady, { ready, url: parts.url } satisfies ReadyNotice);
      };
      // Lifecycle events come as a state changes; readiness is read once the change settled.
      parts.registry.subscribe(() => setImmediate(report));
      report();
    },
  };
}
