/** What every load generator takes and returns, so cases compare across wrk, autocannon, ghz and the Node loop. */

/** Latency percentiles of the answered requests, milliseconds. */
export interface LatencyMs {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

export interface LoadResult {
  readonly tool: string;
  readonly connections: number;
  readonly durationS: number;
  /** Responses received, any status. */
  readonly responses: number;
  /** Successful responses (HTTP 2xx, gRPC OK). */
  readonly ok: number;
  /** Successful responses per second. */
  readonly reqPerS: number;
  readonly latencyMs: LatencyMs;
  /** Responses that were not successful (HTTP ≥ 400, gRPC status ≠ OK other than deadline). */
  readonly failed: number;
  /** Requests with no answer within the client timeout (HTTP) or DEADLINE_EXCEEDED (gRPC). */
  readonly timeouts: number;
  /** Connection-level errors (connect, read, write). */
  readonly socketErrors: number;
  /** Responses by status (HTTP code or gRPC code name), when the tool counted them. */
  readonly statusCounts?: Readonly<Record<string, number>>;
}

export interface HttpLoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  readonly bodyFile: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutS: number;
  /** Count responses per status code (costs the generator a little; used for the overload case). */
  readonly countStatus: boolean;
  readonly threads: number;
}

export interface GrpcLoadSpec {
  /** host:port */
  readonly address: string;
  readonly model: string;
  readonly inputName: string;
  readonly shape: readonly number[];
  readonly rawFile: string;
  readonly connections: number;
  readonly durationS: number;
  readonly timeoutS: number;
}
