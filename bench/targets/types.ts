/** A server the bench loads: the HTTP floor, a Berth variant or a Python peer. */
import type { BenchConfig, ModelName } from '../config.js';
import type { ManagedProcess } from '../lib/child.js';
import type { Tools } from '../lib/tools.js';
import type { BenchModel, BenchStore } from '../models.js';
import type { Payloads } from '../payloads.js';

export type Protocol = 'json' | 'binary' | 'grpc';
export type Group = 'floor' | 'berth' | 'peer';

export interface TargetContext {
  readonly config: BenchConfig;
  readonly store: BenchStore;
  readonly model: BenchModel;
  readonly payloads: Payloads;
  readonly workDir: string;
  readonly logDir: string;
  readonly tools: Tools;
}

export interface RunningTarget {
  readonly process: ManagedProcess;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:41234 */
  readonly httpUrl: string;
  /** host:port of the gRPC server, for gRPC targets. */
  readonly grpcAddress?: string;
  /** What the start-up found worth knowing (e.g. a feature that answered differently than asked). */
  readonly notes: string[];
  /** Prometheus text from the server's /metrics, for servers that have one. */
  readonly scrapeMetrics?: () => Promise<string | undefined>;
}

export interface Target {
  readonly id: string;
  readonly label: string;
  readonly group: Group;
  readonly protocol: Protocol;
  /** Models it runs on (all when absent). */
  readonly models?: readonly ModelName[];
  /** Why it cannot run here, found before starting anything. */
  readonly unavailable?: (ctx: TargetContext) => string | undefined;
  /** Starts it and resolves once it answers a real request correctly; throws TargetUnavailable if it cannot. */
  readonly start: (ctx: TargetContext) => Promise<RunningTarget>;
}

/** The target cannot be measured here; `message` says why (recorded as "unavailable"). */
export class TargetUnavailable extends Error {}
