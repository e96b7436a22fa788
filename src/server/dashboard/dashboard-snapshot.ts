/**
 * The dashboard's one JSON document (`GET /api/dashboard`): what the server holds and how it has been
 * doing, second by second. The browser polls it; it never parses `/metrics`. Across `--workers` the
 * primary merges every worker's part, so the numbers are the server's, not one worker's.
 */
import type { VersionState } from '../../registry/lifecycle-events.js';

/** Where a version came from, read from its MANIFEST.json once it is in the local cache. */
export interface VersionSource {
  /** Store URI of the version folder. */
  readonly uri?: string;
  /** sha256 of MANIFEST.json: the version's identity across re-publications. */
  readonly digest?: string;
  /** ISO-8601 publication time. */
  readonly createdAt?: string;
  /** Free-form lineage (git commit, data URIs, training run...). */
  readonly lineage?: Readonly<Record<string, unknown>>;
}

export interface DashboardVersion {
  readonly version: string;
  /** Across workers: the least advanced state any worker reports (FAILED wins, then LOADING...). */
  readonly state: VersionState;
  /** Why it FAILED (or is UNAVAILABLE), as the registry reported it. */
  readonly reason?: string;
  /** Epoch ms of the last state change. */
  readonly since?: number;
  readonly source: VersionSource;
  readonly bytes?: number;
  /** True when the files were already in the local cache. */
  readonly reused?: boolean;
  readonly downloadMs?: number;
  readonly loadMs?: number;
  readonly warmupMs?: number;
  readonly warmupRuns?: number;
  /** How many workers hold it READY out of how many report it. */
  readonly workers: { readonly ready: number; readonly total: number };
}

export interface DashboardModel {
  readonly name: string;
  readonly versions: readonly DashboardVersion[];
}

/** One wall-clock second of traffic, summed over workers. Latencies in milliseconds. */
export interface TrafficPoint {
  /** Epoch seconds at the start of the second. */
  readonly t: number;
  /** Requests answered in that second (every outcome). */
  readonly requests: number;
  /** Requests answered with an error (outcome other than OK). */
  readonly errors: number;
  /** End-to-end request latency quantiles; absent in a second with no requests. */
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  /** Batches run in that second, and their mean and 95th-percentile size; absent with none. */
  readonly batches: number;
  readonly batchMean?: number;
  readonly batchP95?: number;
  /** Requests waiting in batch queues and being served at the end of the second. */
  readonly queueDepth: number;
  readonly inFlight: number;
}

export interface DashboardSnapshot {
  readonly server: {
    readonly name: string;
    readonly version: string;
    /** Worker processes serving (1 without --workers). */
    readonly workers: number;
    /** 'explicit' when models are loaded and unloaded through the repository API (buttons shown). */
    readonly modelControl: 'explicit' | 'poll' | 'none';
    /** Epoch ms the document was made. */
    readonly now: number;
  };
  readonly models: readonly DashboardModel[];
  /** Oldest first, one point per second, complete seconds only (the last is at least one second old). */
  readonly traffic: readonly TrafficPoint[];
}
