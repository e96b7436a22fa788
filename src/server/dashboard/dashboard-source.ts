/**
 * Where `GET /api/dashboard` gets its document. Each serving process contributes a part (its model
 * rows and its seconds of traffic); one process answers with its own part, and a `--workers` worker
 * asks the primary for every worker's part. The parts are added up here, in one place, either way.
 */
import type { DataPlane } from '../../dataplane/data-plane.js';
import type { BerthMetrics } from '../../observability/metrics.js';
import type { VersionState } from '../../registry/lifecycle-events.js';
import type { DashboardModel, DashboardSnapshot, DashboardVersion } from './dashboard-snapshot.js';
import { ModelView, type VersionPart } from './model-view.js';
import { mergeSeconds, toTrafficPoint } from './traffic-merge.js';
import { sampleTraffic, TrafficRecorder, type TrafficSecond } from './traffic-recorder.js';

/** One process's contribution, as it crosses the cluster's IPC channel. */
export interface DashboardPart {
  readonly models: readonly VersionPart[];
  readonly traffic: readonly TrafficSecond[];
}

export interface DashboardSource {
  /** The document; `since` (epoch seconds) keeps only the traffic seconds after it. */
  snapshot(since?: number): Promise<DashboardSnapshot>;
}

/** What one process keeps for the dashboard, and its part. */
export interface LocalDashboard {
  /** Subscribe to the registry before any model loads. */
  readonly view: ModelView;
  part(since?: number): Promise<DashboardPart>;
  stop(): void;
}

/** Starts recording this process's traffic; the part reads the data plane's catalog when asked. */
export function createLocalDashboard(
  dataPlane: DataPlane,
  metrics: BerthMetrics,
  wallClock: () => number = Date.now,
): LocalDashboard {
  const view = new ModelView(wallClock);
  const recorder = new TrafficRecorder();
  const sampling = sampleTraffic(metrics, recorder, wallClock);
  return {
    view,
    part: async (since) => ({
      models: view.rows(await dataPlane.repositoryCatalog()),
      traffic: recorder.since(since),
    }),
    stop: () => sampling.stop(),
  };
}

export interface SnapshotContext {
  readonly name: string;
  readonly version: string;
  readonly modelControl: DashboardSnapshot['server']['modelControl'];
  readonly wallClock?: () => number;
}

/** A source over the parts `parts` fetches: the local one, or every worker's through the primary. */
export function dashboardSource(
  parts: (since?: number) => Promise<readonly DashboardPart[]>,
  context: SnapshotContext,
): DashboardSource {
  const wallClock = context.wallClock ?? Date.now;
  return {
    snapshot: async (since) => {
      const now = wallClock();
      const answered = await parts(since);
      return buildSnapshot(answered, { ...context, now });
    },
  };
}

/**
 * Adds the parts up. A second is shown once it is complete everywhere: each process records second
 * S just after S+1 begins, so the newest second shown is two behind the clock, and a poll with
 * `since` never misses a second that a slower worker adds later.
 */
export function buildSnapshot(
  parts: readonly DashboardPart[],
  context: SnapshotContext & { readonly now: number },
): DashboardSnapshot {
  const newest = Math.floor(context.now / 1000) - 2;
  const traffic = mergeSeconds(parts.map((part) => part.traffic))
    .filter((second) => second.t <= newest)
    .map(toTrafficPoint);
  return {
    server: {
      name: context.name,
      version: context.version,
      workers: Math.max(1, parts.length),
      modelControl: context.modelControl,
      now: context.now,
    },
    models: mergeModels(parts.map((part) => part.models)),
    traffic,
  };
}

/** Across workers the least advanced state shows: a version is READY only where every worker has it READY. */
const STATE_ORDER: readonly VersionState[] = [
  'FAILED',
  'UNAVAILABLE',
  'LOADING',
  'WARMING',
  'UNLOADING',
  'READY',
];

function mergeModels(parts: readonly (readonly VersionPart[])[]): DashboardModel[] {
  const models = new Map<string, Map<string, VersionPart[]>>();
  for (const row of parts.flat()) {
    const versions = models.get(row.name) ?? new Map<string, VersionPart[]>();
    versions.set(row.version, [...(versions.get(row.version) ?? []), row]);
    models.set(row.name, versions);
  }
  return [...models].map(([name, versions]) => ({
    name,
    versions: [...versions.values()]
      .map(mergeVersion)
      .sort((a, b) => Number(a.version || -1) - Number(b.version || -1)),
  }));
}

function mergeVersion(rows: readonly VersionPart[]): DashboardVersion {
  const rank = (row: VersionPart) => STATE_ORDER.indexOf(row.state);
  const least = rows.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  // Start-up figures from the slowest worker, as the load-time gauges aggregate (max).
  const startup = (row: VersionPart) => (row.downloadMs ?? 0) + (row.loadMs ?? 0) + (row.warmupMs ?? 0);
  const slowest = rows.reduce((a, b) => (startup(b) > startup(a) ? b : a));
  const since = Math.max(...rows.map((row) => row.since ?? 0));
  const { bytes, reused, downloadMs, loadMs, warmupMs, warmupRuns } = slowest;
  const timings = { bytes, reused, downloadMs, loadMs, warmupMs, warmupRuns };
  return {
    version: least.version,
    state: least.state,
    ...(least.reason ? { reason: least.reason } : {}),
    ...(since > 0 ? { since } : {}),
    source: (rows.find((row) => row.source.digest !== undefined) ?? slowest).source,
    ...Object.fromEntries(Object.entries(timings).filter(([, value]) => value !== undefined)),
    workers: { ready: rows.filter((row) => row.state === 'READY').length, total: rows.length },
  };
}
