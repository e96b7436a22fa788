/**
 * What the registry tells the rest of the server about model versions: every state change, with the
 * reason of a failure and, on READY, where the time went. Metrics, logs and the dashboard subscribe;
 * the registry never calls them itself, so it knows nothing of Prometheus or pino.
 */
import type { BerthError } from '../core/errors.js';
import type { ModelState } from './model-state.js';

/** A version's state as the outside sees it: the lifecycle states, and UNAVAILABLE once unloaded. */
export type VersionState = ModelState | 'UNAVAILABLE';

/** Where a READY version's start-up time went. */
export interface LoadTimings {
  readonly bytes: number;
  readonly reused: boolean;
  readonly downloadMs: number;
  readonly loadMs: number;
  readonly warmupMs: number;
  readonly warmupRuns: number;
  /** Store URI of the version folder. */
  readonly uri: string;
  /** The verified local folder it was loaded from; its MANIFEST.json holds digest and lineage. */
  readonly dir: string;
}

export interface LifecycleEvent {
  readonly model: string;
  readonly version: string;
  readonly state: VersionState;
  /** The state before, absent for a version's first event. */
  readonly previous?: VersionState;
  /** Why a version FAILED. */
  readonly error?: BerthError;
  /** Set on READY. */
  readonly timings?: LoadTimings;
}

export type LifecycleListener = (event: LifecycleEvent) => void;

/** A plain listener list; a listener that throws is reported to `onListenerError`, never to the registry. */
export class LifecycleEmitter {
  readonly #listeners = new Set<LifecycleListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: LifecycleListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: LifecycleEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
