/** The kinds of message the cluster primary and its workers exchange (ipc-channel.ts), and their bodies. */
export const CLUSTER = {
  /** worker → primary, request: pull a version (once for all workers); answers a LocalizedModel. */
  localize: 'localize',
  /** worker → primary, request: a repository load/unload to apply on every worker. */
  control: 'control',
  /** primary → worker, request: apply a load/unload on this worker. */
  applyControl: 'apply-control',
  /** worker → primary, request: every worker's metrics, aggregated, as Prometheus text. */
  metrics: 'metrics',
  /** primary → worker, request: this worker's metrics as prom-client JSON. */
  metricsJson: 'metrics-json',
  /** worker → primary, request: every worker's dashboard part (body: DashboardRequest). */
  dashboard: 'dashboard',
  /** primary → worker, request: this worker's dashboard part (body: DashboardRequest). */
  dashboardPart: 'dashboard-part',
  /** worker → primary, notice: this worker's own readiness changed. */
  workerReady: 'worker-ready',
  /** primary → worker, request (acknowledged): whether every worker is ready. */
  clusterReady: 'cluster-ready',
  /** worker → primary, request: this worker could not start (its error); the primary prints it once. */
  startupFailed: 'startup-failed',
  /** primary → worker, notice: drain and exit (the primary got SIGTERM). */
  shutdown: 'shutdown',
} as const;

export interface ControlRequest {
  readonly op: 'load' | 'unload';
  readonly name: string;
}

export interface DashboardRequest {
  /** Epoch seconds: only traffic seconds after it. */
  readonly since?: number;
}

export interface ReadyNotice {
  readonly ready: boolean;
  /** The HTTP address the worker listens on (worker → primary), for the primary's "ready" line. */
  readonly url?: string;
}

/** A BerthError as it crosses the IPC channel. */
export interface FailureNotice {
  readonly id: string;
  readonly stableId: string;
  readonly message: string;
}
