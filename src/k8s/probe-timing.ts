/**
 * Probe and shutdown timings of a serving pod, derived from the spec so a large model on a slow
 * store is not killed while it is still downloading, and a pod is out of the Service's endpoints
 * before it starts draining. Pure arithmetic, unit-tested; docs/kubernetes.md shows the formulas.
 */

/** Seconds for the process itself to start and reach the store, before any model byte moves. */
export const PROCESS_START_SECONDS = 10;

/** Seconds between the drain's end and the SIGKILL, so logs flush and the process exits by itself. */
export const EXIT_MARGIN_SECONDS = 5;

/** What the timings are derived from (all from the spec, after defaults). */
export interface ProbeTimingInput {
  /** Bytes of one model version (model.size). */
  readonly modelBytes: number;
  /** Model versions loaded at start-up (from the version policy). */
  readonly versions: number;
  /** Assumed store download rate, bytes per second (startup.bandwidth). */
  readonly bandwidthBytesPerSecond: number;
  readonly loadSeconds: number;
  readonly warmupSeconds: number;
  /** Startup probe period (startup.periodSeconds). */
  readonly periodSeconds: number;
  /** How long in-flight requests may finish after SIGTERM (drain.seconds). */
  readonly drainSeconds: number;
  /** Sleep before SIGTERM so endpoints drop the pod first (drain.preStopSeconds). */
  readonly preStopSeconds: number;
}

/** The derived numbers the Deployment uses. */
export interface ProbeTimings {
  readonly pullSeconds: number;
  /** Start + pull + load + warm-up: the time the startup probe must allow. */
  readonly startupBudgetSeconds: number;
  readonly startup: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number };
  readonly readiness: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number };
  readonly liveness: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number };
  readonly preStopSeconds: number;
  readonly drainTimeoutMs: number;
  readonly terminationGracePeriodSeconds: number;
}

/** Derives probe and shutdown timings; failureThreshold × periodSeconds always covers the budget. */
export function deriveProbeTimings(input: ProbeTimingInput): ProbeTimings {
  const pullSeconds = Math.ceil((input.modelBytes * input.versions) / input.bandwidthBytesPerSecond);
  const startupBudgetSeconds =
    PROCESS_START_SECONDS + pullSeconds + (input.loadSeconds + input.warmupSeconds) * input.versions;
  return {
    pullSeconds,
    startupBudgetSeconds,
    startup: {
      periodSeconds: input.periodSeconds,
      // At least 3 so one slow answer alone never restarts a pod.
      failureThreshold: Math.max(3, Math.ceil(startupBudgetSeconds / input.periodSeconds)),
      timeoutSeconds: 2,
    },
    // Readiness reacts fast (10 s to leave the endpoints); liveness is lenient (30 s) because a
    // restart throws away a loaded, warm model.
    readiness: { periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
    liveness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
    preStopSeconds: input.preStopSeconds,
    drainTimeoutMs: input.drainSeconds * 1000,
    terminationGracePeriodSeconds: input.preStopSeconds + input.drainSeconds + EXIT_MARGIN_SECONDS,
  };
}
