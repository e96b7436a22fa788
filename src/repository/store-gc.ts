/**
 * Finds and removes what unfinished publishes left in a store (the `berth models gc` command):
 *
 * - staging folders `<model>/.staging-*` (publish.ts), whose publisher died before its rename,
 *   or after it but before removing the source (S3 renames copy);
 * - unpublished version folders `<model>/<n>/` without MANIFEST.json: a claim whose rename never
 *   finished (the file store's mkdir claim, S3's claim marker and partial copies);
 * - temp files of writes (TEMP_NAME_PREFIX, file and WebHDFS stores) in the store root and in
 *   model folders; those inside debris folders go with their folder.
 *
 * A published version (one holding MANIFEST.json) is never touched, and nor is anything younger
 * than the minimum age, judged by the newest modification time anywhere inside it, so a publish
 * still running in another process is left alone.
 */
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { joinStorePath } from '../storage/model-store.js';
import type { ModelStore, StoreEntry } from '../storage/model-store.js';
import { compareNames } from '../storage/store-path.js';
import { DEFAULT_DEBRIS_MIN_AGE_MS, isOldEnough, newestTime, wallClock } from './debris-age.js';
import { MANIFEST_FILE } from './manifest.js';
import { STAGING_PREFIX } from './publish.js';
import { isVersionName } from './versions.js';

/** What a piece of debris is: a staging folder, an unpublished version folder, a temp file. */
export type DebrisKind = 'staging' | 'unpublished' | 'temp';

/** One piece of debris found in a store. */
export interface Debris {
  /** Store path ('recommender/.staging-…'). */
  readonly path: string;
  readonly kind: DebrisKind;
  /** Bytes of every file in it. */
  readonly bytes: number;
  /** Newest modification time inside it (ms since the epoch); undefined when the store knows none. */
  readonly modifiedMs: number | undefined;
  /** Now minus modifiedMs; undefined with it. */
  readonly ageMs: number | undefined;
}

/** How old debris must be, whether to remove it, and the clock its times are aged by. */
export interface StoreGcOptions {
  /** DEFAULT_DEBRIS_MIN_AGE_MS (1 hour) when absent; 0 takes everything, of any age. */
  readonly minAgeMs?: number;
  /** Find and report, remove nothing. */
  readonly dryRun?: boolean;
  /** Ms since the epoch; wallClock when absent. */
  readonly clock?: Pick<Clock, 'now'>;
  readonly signal?: AbortSignal;
  /** Told of each piece of debris old enough, once removed (in a dry run: instead of removing it). */
  readonly onRemoved?: (debris: Debris) => void;
}

/** What a gc run found: what it removed (or would have), and what it kept for being too young. */
export interface StoreGcResult {
  readonly removed: readonly Debris[];
  readonly kept: readonly Debris[];
  readonly dryRun: boolean;
}

/**
 * Removes the debris of unfinished publishes under every model of `store` (or of the model when
 * the store URI names a model folder itself); see the file comment. Removes one at a time, in
 * path order, and stops at the first failure (the error names the path).
 */
export async function collectStoreGarbage(
  store: ModelStore,
  options: StoreGcOptions = {},
): Promise<StoreGcResult> {
  const { minAgeMs = DEFAULT_DEBRIS_MIN_AGE_MS, dryRun = false, clock = wallClock, signal } = options;
  const removed: Debris[] = [];
  const kept: Debris[] = [];
  for (const candidate of await findCandidates(store, signal)) {
    const now = clock.now();
    const debris = await measure(store, candidate, now, signal);
    if (debris === undefined) continue; // gone meanwhile
    if (!isOldEnough(debris.modifiedMs, now, minAgeMs)) {
      kept.push(debris);
      continue;
    }
    if (!dryRun) {
      // A publish may have finished since the scan: check again right before removing.
      if (debris.kind === 'unpublished' && (await isPublishedFolder(store, debris.path, signal))) continue;
      await store.delete(debris.path, signal);
    }
    removed.push(debris);
    options.onRemoved?.(debris);
  }
  return { removed, kept, dryRun };
}

interface Candidate {
  readonly path: string;
  readonly kind: DebrisKind;
  readonly entry: StoreEntry;
}

/** Every debris candidate, any age, sorted by path. */
async function findCandidates(store: ModelStore, signal?: AbortSignal): Promise<Candidate[]> {
  const root = await store.list('', signal);
  const candidates: Candidate[] = (await store.listTemp('', signal)).map((entry) => ({
    path: entry.name,
    kind: 'temp',
    entry,
  }));
  // A store URI naming one model folder lists versions and staging folders, not models.
  const models = root.some((entry) => entry.type === 'directory' && isModelChild(entry.name))
    ? ['']
    : root.filter((entry) => entry.type === 'directory' && !entry.name.startsWith('.')).map((e) => e.name);
  for (const model of models) {
    const children = model === '' ? root : await listOrNothing(store, model, false, signal);
    for (const entry of children) {
      if (entry.type !== 'directory') continue;
      const path = joinStorePath(model, entry.name);
      if (entry.name.startsWith(STAGING_PREFIX)) candidates.push({ path, kind: 'staging', entry });
      else if (isVersionName(entry.name) && !(await isPublishedFolder(store, path, signal)))
        candidates.push({ path, kind: 'unpublished', entry });
    }
    if (model !== '') {
      for (const entry of await listOrNothing(store, model, true, signal))
        candidates.push({ path: joinStorePath(model, entry.name), kind: 'temp', entry });
    }
  }
  return candidates.sort((a, b) => compareNames(a.path, b.path));
}

function isModelChild(name: string): boolean {
  return isVersionName(name) || name.startsWith(STAGING_PREFIX);
}

/** Size and newest time of a candidate, or undefined when it vanished meanwhile. */
async function measure(
  store: ModelStore,
  candidate: Candidate,
  nowMs: number,
  signal?: AbortSignal,
): Promise<Debris | undefined> {
  let found: { bytes: number; modifiedMs: number | undefined };
  try {
    found = await sizeAndTime(store, candidate.path, candidate.entry, signal);
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return undefined;
    throw error;
  }
  const { bytes, modifiedMs } = found;
  return {
    path: candidate.path,
    kind: candidate.kind,
    bytes,
    modifiedMs,
    ageMs: modifiedMs === undefined ? undefined : Math.max(0, nowMs - modifiedMs),
  };
}

/** Bytes of all files under `path` and the newest modification time among them and their folders. */
async function sizeAndTime(
  store: ModelStore,
  path: string,
  entry: StoreEntry,
  signal?: AbortSignal,
): Promise<{ bytes: number; modifiedMs: number | undefined }> {
  if (entry.type === 'file') return { bytes: entry.size, modifiedMs: entry.modifiedMs };
  // Folders listed without a time (S3 prefixes) may have one on stat (S3 folder markers).
  const own = entry.modifiedMs ?? (await store.stat(path, signal)).modifiedMs;
  const children = [...(await store.list(path, signal)), ...(await store.listTemp(path, signal))];
  let bytes = 0;
  const times = [own];
  for (const child of children) {
    const inner = await sizeAndTime(store, joinStorePath(path, child.name), child, signal);
    bytes += inner.bytes;
    times.push(inner.modifiedMs);
  }
  return { bytes, modifiedMs: newestTime(times) };
}

/** Whether the folder at `path` holds MANIFEST.json. */
async function isPublishedFolder(store: ModelStore, path: string, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await store.stat(joinStorePath(path, MANIFEST_FILE), signal)).type === 'file';
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return false;
    throw error;
  }
}

/** list or listTemp of a model folder; [] when it vanished meanwhile. */
async function listOrNothing(
  store: ModelStore,
  path: string,
  temp: boolean,
  signal?: AbortSignal,
): Promise<StoreEntry[]> {
  try {
    return temp ? await store.listTemp(path, signal) : await store.list(path, signal);
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return [];
    throw error;
  }
}
