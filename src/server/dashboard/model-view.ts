/**
 * What one serving process knows of its model versions, for the dashboard: the registry's states
 * and reasons (the repository catalog, with the models explicit mode could load), joined with what
 * the lifecycle events told: when each state began, where the start-up time went, and where the
 * version came from (its MANIFEST.json in the local cache: digest, publication time, lineage).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepositoryIndexEntry } from '../../dataplane/data-plane.js';
import type { LifecycleEvent, LoadTimings, VersionState } from '../../registry/lifecycle-events.js';
import { MANIFEST_FILE, parseManifest } from '../../repository/manifest.js';
import type { DashboardVersion, VersionSource } from './dashboard-snapshot.js';

/** One version as one process sees it; the primary adds up the workers' into DashboardVersion. */
export type VersionPart = Omit<DashboardVersion, 'workers'> & { readonly name: string };

interface Details {
  since: number;
  timings?: LoadTimings;
  source?: VersionSource;
}

const key = (model: string, version: string) => `${model}\u0000${version}`;

export class ModelView {
  readonly #details = new Map<string, Details>();

  constructor(private readonly wallClock: () => number = Date.now) {}

  /** The registry listener: subscribe it before any model loads. */
  readonly observe = (event: LifecycleEvent): void => {
    const id = key(event.model, event.version);
    if (event.state === 'UNAVAILABLE') {
      this.#details.delete(id);
      return;
    }
    // A version loaded afresh (after FAILED, or unloaded and loaded again) starts with no details.
    const details: Details =
      event.state === 'LOADING' ? { since: 0 } : (this.#details.get(id) ?? { since: 0 });
    details.since = this.wallClock();
    if (event.timings !== undefined) {
      details.timings = event.timings;
      const timings = event.timings;
      void readSource(timings).then((source) => {
        if (this.#details.get(id) === details) details.source = source;
      });
    }
    this.#details.set(id, details);
  };

  /** Every version in `catalog` (the repository index rows), with what the events added. */
  rows(catalog: readonly RepositoryIndexEntry[]): VersionPart[] {
    return catalog.map((entry) => {
      const details = this.#details.get(key(entry.name, entry.version));
      const timings = details?.timings;
      return {
        name: entry.name,
        version: entry.version,
        state: entry.state as VersionState,
        ...(entry.reason ? { reason: entry.reason } : {}),
        ...(details ? { since: details.since } : {}),
        source: details?.source ?? (timings ? { uri: timings.uri } : {}),
        ...(timings
          ? {
              bytes: timings.bytes,
              reused: timings.reused,
              downloadMs: round(timings.downloadMs),
              loadMs: round(timings.loadMs),
              warmupMs: round(timings.warmupMs),
              warmupRuns: timings.warmupRuns,
            }
          : {}),
      };
    });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The version's identity and lineage from the manifest the loader verified; the URI alone if unreadable. */
async function readSource(timings: LoadTimings): Promise<VersionSource> {
  try {
    const bytes = await readFile(join(timings.dir, MANIFEST_FILE));
    const manifest = parseManifest(bytes, timings.uri);
    return {
      uri: timings.uri,
      // The same digest the registry compares to tell a re-published version (model-repository.ts).
      digest: createHash('sha256').update(bytes).digest('hex'),
      createdAt: manifest.createdAt,
      lineage: manifest.lineage,
    };
  } catch {
    return { uri: timings.uri };
  }
}
