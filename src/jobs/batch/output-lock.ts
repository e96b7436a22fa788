/**
 * One run per output shard at a time: a lease file created exclusively (a store write never
 * overwrites), holding the run id and a wall-clock heartbeat. The holder renews it before each
 * part it commits, by deleting and re-creating it; a renewal that finds another run's id, or loses
 * the re-create race, means the lease was taken and the run stops before committing anything.
 * A lease whose heartbeat is older than the TTL is stale (its run died) and may be taken over.
 */
import type { Clock, Timer } from '../../core/clock.js';
import { BerthError } from '../../core/errors.js';
import type { ModelStore } from '../../storage/model-store.js';
import { readText } from './output-layout.js';

interface LeaseBody {
  readonly runId: string;
  readonly heartbeatMs: number;
  readonly pid?: number;
}

/** A held lease: renew before each commit (and on a heartbeat), release at the end. */
export interface Lease {
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface LeaseOptions {
  readonly store: ModelStore;
  readonly path: string;
  readonly runId: string;
  readonly ttlMs: number;
  /** Wall-clock ms since the epoch: heartbeats are compared across processes and machines. */
  readonly wallClock: () => number;
}

/** Takes the lease, or a stale one over; throws BATCH_OUTPUT_LOCKED while another run holds it. */
export async function acquireLease(options: LeaseOptions): Promise<Lease> {
  const { store, path, runId } = options;
  if (!(await tryCreate(options))) {
    const holder = await readHolder(store, path);
    const age = holder ? options.wallClock() - holder.heartbeatMs : Number.POSITIVE_INFINITY;
    if (holder?.runId !== runId && age <= options.ttlMs) {
      throw new BerthError(
        'BATCH_OUTPUT_LOCKED',
        `${store.uri}/${path}: held by run ${holder?.runId ?? '?'} (last heartbeat ${Math.round(age / 1000)} s ago); ` +
          `wait for it, or after --lock-ttl (${Math.round(options.ttlMs / 1000)} s) without a heartbeat it is taken over`,
      );
    }
    // Stale (or our own from an earlier attempt): replace it, and lose to whoever re-creates it first.
    await store.delete(path);
    if (!(await tryCreate(options))) throw lost(store, path, runId);
  }
  // Renewals (heartbeat timer and commits) run one at a time: two at once would race each other.
  let queue: Promise<void> = Promise.resolve();
  const renewNow = async (): Promise<void> => {
    const holder = await readHolder(store, path);
    if (holder?.runId !== runId) throw lost(store, path, runId);
    await store.delete(path);
    if (!(await tryCreate(options))) throw lost(store, path, runId);
  };
  const lease: Lease = {
    renew() {
      const next = queue.then(renewNow);
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      const holder = await readHolder(store, path);
      if (holder?.runId === runId) await store.delete(path);
    },
  };
  return lease;
}

async function tryCreate(options: LeaseOptions): Promise<boolean> {
  const body: LeaseBody = { runId: options.runId, heartbeatMs: options.wallClock(), pid: process.pid };
  try {
    await options.store.write(options.path, Buffer.from(JSON.stringify(body), 'utf8'));
    return true;
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_ALREADY_EXISTS') return false;
    throw error;
  }
}

async function readHolder(store: ModelStore, path: string): Promise<LeaseBody | undefined> {
  const text = await readText(store, path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as LeaseBody;
  } catch {
    return undefined; // unreadable: treated as stale
  }
}

function lost(store: ModelStore, path: string, runId: string): BerthError {
  return new BerthError(
    'BATCH_OUTPUT_LOCKED',
    `${store.uri}/${path}: run ${runId} lost its lease to another run; it stops without committing more parts`,
  );
}

/**
 * Renews `lease` every `everyMs` on `clock` until stopped; a failed renewal is handed to `onLost`
 * once (the runner aborts the job with it) and ends the heartbeat.
 */
export function startHeartbeat(
  lease: Lease,
  clock: Clock,
  everyMs: number,
  onLost: (error: unknown) => void,
): { stop(): void } {
  let timer: Timer | undefined;
  let stopped = false;
  const beat = (): void => {
    timer = clock.setTimer(everyMs, () => {
      lease.renew().then(
        () => {
          if (!stopped) beat();
        },
        (error: unknown) => {
          if (!stopped) onLost(error);
        },
      );
    });
  };
  beat();
  return {
    stop() {
      stopped = true;
      timer?.clear();
    },
  };
}
