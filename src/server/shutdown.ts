/**
 * SIGTERM handling (Kubernetes sends it before killing a pod): readiness turns false at once, new
 * requests get 503 / UNAVAILABLE on every transport, requests already accepted finish, the listeners
 * close, the models are released, then exit 0. If draining takes longer than the timeout the process
 * exits 1 rather than hang.
 */
import type { DataPlane } from '../dataplane/data-plane.js';
import type { Logger } from '../observability/logger.js';
import type { ModelRegistry } from '../registry/model-registry.js';

/** Something that listens (HTTP, gRPC) and can stop listening once the last answer is sent. */
export interface Listener {
  close(): Promise<void>;
}

export interface ShutdownParts {
  readonly dataPlane: DataPlane;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  readonly drainTimeoutMs: number;
  /** Closed once accepted work has finished and no new request arrived for a moment. */
  readonly listeners: readonly Listener[];
  /** Stopped first, so no version starts loading while the server drains (the repository poller). */
  readonly stop?: () => Promise<void> | void;
}

/** How long no new request must arrive before the listeners close. */
const QUIET_MS = 100;

/** Drains and closes everything; resolves true when it finished within the timeout. */
export async function shutDown(parts: ShutdownParts): Promise<boolean> {
  const { dataPlane, registry, logger } = parts;
  dataPlane.startDraining();
  logger.info({ drainTimeoutMs: parts.drainTimeoutMs }, 'draining: not ready, finishing accepted requests');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), parts.drainTimeoutMs);
  });
  const drained = (async () => {
    await parts.stop?.();
    // Keep listening while accepted work finishes, so probes and late clients get a clear 503
    // instead of a refused connection; then stop listening and wait for the last responses.
    await registry.drain();
    await dataPlane.admission.quiet(QUIET_MS);
    await Promise.all(parts.listeners.map((listener) => listener.close()));
    await registry.unloadAll();
    return true as const;
  })();
  const finished = await Promise.race([drained, timedOut]);
  clearTimeout(timer);
  if (finished) logger.info('drained; exiting');
  else
    logger.error(
      { drainTimeoutMs: parts.drainTimeoutMs },
      'drain timeout passed with requests still running; exiting',
    );
  return finished;
}

/**
 * Runs shutDown once on the first SIGTERM or SIGINT, then calls `exit` with 0 or 1. The returned
 * function starts the same shutdown for another reason (a cluster worker told to stop by the primary).
 */
export function onTerminationSignal(
  parts: ShutdownParts,
  exit: (code: number) => void,
): (reason: string) => void {
  let started = false;
  const begin = (reason: string): void => {
    if (started) return;
    started = true;
    parts.logger.info({ signal: reason }, 'termination signal');
    void shutDown(parts).then((finished) => exit(finished ? 0 : 1));
  };
  process.once('SIGTERM', begin);
  process.once('SIGINT', begin);
  return begin;
}
