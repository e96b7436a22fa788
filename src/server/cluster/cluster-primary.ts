/**
 * The primary of `berth serve --workers N`. It serves no request itself: it pulls the start-up
 * models once into the local cache, forks N serving workers that share the listening ports (Node's
 * cluster module hands each new connection to the next worker in turn), and then does for them
 * what must happen once or everywhere:
 *   - pulls every version a worker asks for, once (shared-locator.ts);
 *   - applies a repository load/unload that reached one worker on every worker, answering when all did;
 *   - tells every worker whether the whole server is ready: only while every slot has a ready worker;
 *   - aggregates /metrics over the workers (prom-client's AggregatorRegistry) plus its own;
 *   - restarts a worker that died after the server was first ready (with backoff), and fails
 *     start-up with exit 1 when one dies before;
 *   - on SIGTERM/SIGINT, tells every worker to drain and exits 0 once all exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

/** One registry's metrics as prom-client's getMetricsAsJSON gives them (what aggregate takes). */
type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
import { BerthError, toBerthError } from '../../core/errors.js';
import { parseModelRef, type ModelSource } from '../../core/model-ref.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../observability/logger.js';
import type { ModelLocator } from '../../registry/version-loader.js';
import type { DashboardPart } from '../dashboard/dashboard-source.js';
import {
  CLUSTER,
  type ControlRequest,
  type DashboardRequest,
  type FailureNotice,
  type ReadyNotice,
} from './cluster-messages.js';
import { WORKER_ENV } from './cluster-worker.js';
import { IpcChannel } from './ipc-channel.js';

/** A worker that does not answer a metrics or dashboard request in this time is left out of that answer. */
const WORKER_ANSWER_TIMEOUT_MS = 3_000;
/** Restart delays double from this, up to MAX_RESTART_DELAY_MS, and reset once the worker is ready. */
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;
/** After the drain timeout, workers still running get this long before SIGKILL. */
const KILL_GRACE_MS = 5_000;

export interface PrimaryOptions {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly workers: number;
  /** Cores each worker may use for its ONNX Runtime instances. */
  readonly coresPerWorker: number;
  /** The pulling locator; concurrent and repeated asks must already be shared (shared-locator.ts). */
  readonly locate: ModelLocator;
  /** Called once, with 0 after a clean drain and 1 otherwise. */
  readonly exit: (code: number) => void;
}

interface Slot {
  readonly index: number;
  worker?: Worker;
  channel?: IpcChannel;
  ready: boolean;
  /** Exits since this slot's worker was last ready; the restart delay grows with it. */
  failures: number;
}

/** Forks the workers and runs the primary until it calls `exit`. */
export function runClusterPrimary(options: PrimaryOptions): void {
  const { config, logger } = options;
  const registry = new Registry();
  const { workersReady, restarts } = primaryMetrics(registry, options.workers);
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({
    index: i + 1,
    ready: false,
    failures: 0,
  }));
  // Explicit mode: what is loaded now, so a restarted worker starts with the same models.
  const loadedModels = new Map(config.models.map((ref) => [parseModelRef(ref, config.store).name, ref]));
  let servedOnce = false;
  let stopping: { readonly code: number } | undefined;
  let clusterReady = false;
  let readyUrl: string | undefined;

  const liveChannels = (): IpcChannel[] =>
    slots.flatMap((slot) => (slot.worker?.isConnected() && slot.channel ? [slot.channel] : []));

  const updateReadiness = (): void => {
    const ready = stopping === undefined && slots.every((slot) => slot.worker !== undefined && slot.ready);
    workersReady.set(slots.filter((slot) => slot.worker !== undefined && slot.ready).length);
    if (ready === clusterReady) return;
    clusterReady = ready;
    // Acknowledged, so that once "ready" is logged every worker already answers ready.
    const told = liveChannels().map((channel) =>
      channel.request(CLUSTER.clusterReady, { ready } satisfies ReadyNotice).catch(() => undefined),
    );
    void Promise.all(told).then(() => {
      if (!clusterReady || servedOnce) return;
      servedOnce = true;
      logger.info({ url: readyUrl, workers: options.workers }, 'ready');
    });
  };

  const control = async (request: ControlRequest): Promise<object> => {
    // Every worker applies it; the asking worker answers its client once all have.
    await Promise.all(liveChannels().map((channel) => channel.request(CLUSTER.applyControl, request)));
    if (config.model_control_mode === 'explicit') {
      if (request.op === 'load')
        loadedModels.set(request.name, loadedModels.get(request.name) ?? request.name);
      else loadedModels.delete(request.name);
    }
    return {};
  };

  // Asks every live worker; one that does not answer in time is left out of this answer, so a
  // stuck worker never holds up a scrape or the dashboard.
  const askEveryWorker = async <T>(kind: string, body?: unknown): Promise<T[]> => {
    const answers = await Promise.all(
      liveChannels().map((channel) =>
        withTimeout(channel.request<T>(kind, body), WORKER_ANSWER_TIMEOUT_MS).catch(() => undefined),
      ),
    );
    return answers.filter((answer): answer is Awaited<T> => answer !== undefined);
  };

  const metricsText = async (): Promise<string> => {
    const workers = await askEveryWorker<MetricsJson>(CLUSTER.metricsJson);
    const own = await registry.getMetricsAsJSON();
    return AggregatorRegistry.aggregate([...workers, own]).metrics();
  };

  const dashboardParts = (request: DashboardRequest): Promise<DashboardPart[]> =>
    askEveryWorker<DashboardPart>(CLUSTER.dashboardPart, request);

  const fork = (slot: Slot): void => {
    const worker = cluster.fork({
      [WORKER_ENV.index]: String(slot.index),
      [WORKER_ENV.cores]: String(options.coresPerWorker),
      [WORKER_ENV.models]: JSON.stringify([...loadedModels.values()]),
    });
    const channel = new IpcChannel({
      // A send to a worker that just died fails later, as an 'error' event; its exit says the rest.
      send: (message) => worker.send(message as object, (error) => error && channel.close(error)),
      onMessage: (listener) => worker.on('message', listener),
    });
    worker.on('error', (error) => {
      logger.debug({ worker: slot.index, err: error.message }, 'worker channel error');
      channel.close(error);
    });
    channel.handle(CLUSTER.startupFailed, (body) => {
      const failure = body as FailureNotice;
      if (servedOnce || stopping) {
        logger.error(
          { worker: slot.index, err: failure.stableId },
          `worker could not start: ${failure.message}`,
        );
        return {};
      }
      // Every worker fails alike (same models, same store): one line for the server, as with one process.
      logger.fatal({ err: failure.stableId, worker: slot.index }, failure.message);
      console.error(`berth: start-up failed: ${failure.stableId}: ${failure.message}`);
      stop('start-up failed', 1);
      return {};
    });
    channel.handle(CLUSTER.localize, (source) => options.locate(source as ModelSource));
    channel.handle(CLUSTER.control, (request) => control(request as ControlRequest));
    channel.handle(CLUSTER.metrics, () => metricsText());
    channel.handle(CLUSTER.dashboard, (request) => dashboardParts(request as DashboardRequest));
    channel.handle(CLUSTER.workerReady, (body) => {
      const notice = body as ReadyNotice;
      slot.ready = notice.ready;
      readyUrl ??= notice.url;
      if (slot.ready) slot.failures = 0;
      updateReadiness();
    });
    slot.worker = worker;
    slot.channel = channel;
    slot.ready = false;
    logger.info({ worker: slot.index, pid: worker.process.pid }, 'worker started');
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    slot.channel?.close(new BerthError('WORKER_UNAVAILABLE', `worker ${slot.index} exited`));
    slot.worker = undefined;
    slot.channel = undefined;
    slot.ready = false;
    updateReadiness();
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      logger.info({ worker: slot.index, code, signal }, 'worker exited');
      if (code !== 0) stopping = { code: 1 };
      if (slots.every((candidate) => candidate.worker === undefined)) finish();
      return;
    }
    if (!servedOnce) {
      // It died without saying why (a crash, a kill): say which worker, then stop the rest.
      const failure = new BerthError(
        'WORKER_START_FAILED',
        `worker ${slot.index} exited with ${how} before the server was ready`,
      );
      logger.fatal({ err: failure.stableId, worker: slot.index, code, signal }, failure.message);
      console.error(`berth: start-up failed: ${failure.stableId}: ${failure.message}`);
      stop('start-up failed', 1);
      return;
    }
    slot.failures += 1;
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.failures - 1));
    logger.error(
      { worker: slot.index, code, signal, restartInMs: delayMs },
      `worker exited with ${how}; restarting`,
    );
    restarts.inc({ worker: String(slot.index) });
    setTimeout(() => {
      if (!stopping && slot.worker === undefined) fork(slot);
    }, delayMs);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = { code };
    updateReadiness();
    logger.info({ reason, drainTimeoutMs: config.drain_timeout_ms }, 'stopping every worker');
    for (const channel of liveChannels()) channel.notify(CLUSTER.shutdown);
    killTimer = setTimeout(() => {
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
    }, config.drain_timeout_ms + KILL_GRACE_MS);
    if (slots.every((slot) => slot.worker === undefined)) finish();
  };
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(killTimer);
    logger.info({ code: stopping?.code ?? 0 }, 'every worker exited');
    options.exit(stopping?.code ?? 0);
  };
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));

  // Workers accept from the shared socket themselves (SCHED_NONE) rather than the primary handing
  // each connection over (round robin): a connection handed to a worker that was just killed is
  // never answered nor closed, so clients reconnecting after a crash would hang until they time out.
  // NODE_CLUSTER_SCHED_POLICY=rr, Node's own setting, still chooses round robin.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  logger.info(
    {
      workers: options.workers,
      coresPerWorker: options.coresPerWorker,
      scheduling: cluster.schedulingPolicy === cluster.SCHED_NONE ? 'none' : 'rr',
    },
    'starting serving workers',
  );
  for (const slot of slots) fork(slot);
}

/** The primary's own series, merged into every /metrics answer with the workers'. */
function primaryMetrics(registry: Registry, workers: number) {
  const registers = [registry];
  new Gauge({
    name: 'berth_workers',
    help: 'Serving worker processes configured (--workers).',
    registers,
  }).set(workers);
  return {
    workersReady: new Gauge({
      name: 'berth_workers_ready',
      help: 'Serving worker processes that are ready, of berth_workers.',
      registers,
    }),
    restarts: new Counter({
      name: 'berth_worker_restarts_total',
      help: 'Serving workers restarted after they exited unexpectedly, per worker slot.',
      labelNames: ['worker'],
      registers,
    }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(toBerthError(new Error(`no answer in ${ms} ms`), 'WORKER_UNAVAILABLE')),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
