/**
 * What `berth models push | ls | pull | rm | gc` do, as functions over the store registry, so the CLI
 * only parses arguments. Targets are store URIs ending in a model name (`file:///models/recommender`),
 * with `@version` where one version is meant.
 */
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import { formatAge } from './debris-age.js';
import { localize } from './local-cache.js';
import type { ModelStore } from '../storage/model-store.js';
import type { TransferProgress } from './download/progress.js';
import { publishVersion } from './publish.js';
import { withRetries } from '../storage/retrying-store.js';
import type { RetryingStoreOptions } from '../storage/retrying-store.js';
import { storeUriOf } from '../storage/store-path.js';
import { collectStoreGarbage } from './store-gc.js';
import type { Debris, DebrisKind } from './store-gc.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { folderBytes, UploadMeteringStore } from './upload-progress.js';
import { listPublishedVersions, readManifest, resolveVersion } from './versions.js';

/** What a caller (the CLI) may add to a command: progress, and how store faults are retried. */
export interface StoreCommandOptions {
  /** Bytes moved so far of the total (pull: downloaded, push: uploaded), on every chunk. */
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Retry policy, clock and a logger told of each retry; DEFAULT_RETRY_POLICY when absent. */
  readonly retry?: RetryingStoreOptions;
}

/** Every command opens its store through here, so every backend gets the same retries. */
function openStore(stores: StoreRegistry, uri: string, options: StoreCommandOptions): ModelStore {
  return withRetries(stores.resolve(uri), options.retry);
}

function splitTarget(target: string) {
  const source = parseModelRef(target, undefined);
  return { ...source, uri: storeUriOf(source.storeUri.replace(/\/+$/, ''), source.name) };
}

/** Publishes `dir` as the next version of the target model. */
export async function pushModel(
  dir: string,
  target: string,
  lineage: Readonly<Record<string, unknown>>,
  stores: StoreRegistry,
  options: StoreCommandOptions = {},
): Promise<{ uri: string; version: number; files: number; bytes: number }> {
  const { name, storeUri, version: pinned } = splitTarget(target);
  if (pinned !== undefined) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${target}: push picks the next version itself; drop "@${pinned}"`,
    );
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new BerthError('INVALID_REQUEST', `${dir}: not a folder`);
  const store = openStore(stores, storeUri, options);
  const { onProgress } = options;
  let uploads = store;
  if (onProgress !== undefined) {
    const totalBytes = await folderBytes(dir).catch(() => 0); // only for the ETA; publish reports errors
    let bytes = 0;
    uploads = new UploadMeteringStore(store, (chunk) => onProgress({ bytes: (bytes += chunk), totalBytes }));
  }
  const result = await publishVersion(uploads, name, dir, { lineage });
  return {
    uri: storeUriOf(store.uri, `${name}/${result.version}`),
    version: result.version,
    files: result.manifest.files.length,
    bytes: result.manifest.files.reduce((sum, file) => sum + file.size, 0),
  };
}

/** Lines describing a store's models, or one model's published versions. */
export async function listModels(
  target: string,
  stores: StoreRegistry,
  options: StoreCommandOptions = {},
): Promise<string[]> {
  const lines: string[] = [];
  // A store root lists models; a model folder (it has numeric children) lists versions.
  const store = openStore(stores, target, options);
  const entries = await store.list('');
  const isModel = entries.some((entry) => entry.type === 'directory' && /^[1-9]\d*$/.test(entry.name));
  if (!isModel) {
    for (const entry of entries.filter(
      (candidate) => candidate.type === 'directory' && !candidate.name.startsWith('.'),
    )) {
      const versions = await listPublishedVersions(store, entry.name).catch(() => []);
      lines.push(`${entry.name}\tversions: ${versions.join(', ') || 'none published'}`);
    }
    return lines;
  }
  const { name, storeUri } = splitTarget(target);
  const parent = openStore(stores, storeUri, options);
  for (const version of await listPublishedVersions(parent, name)) {
    const manifest = await readManifest(parent, name, version);
    const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
    lines.push(`${version}\t${manifest.createdAt}\t${manifest.files.length} files\t${bytes} bytes`);
  }
  return lines;
}

/** Downloads and verifies one version (latest unless pinned) into a new local folder. */
export async function pullModel(
  source: string,
  dir: string,
  stores: StoreRegistry,
  options: StoreCommandOptions = {},
): Promise<{ uri: string; bytes: number; files: number }> {
  const { name, storeUri, version: pinned } = splitTarget(source);
  if (await stat(dir).catch(() => undefined))
    throw new BerthError('STORE_ALREADY_EXISTS', `${dir}: already exists`);
  const store = openStore(stores, storeUri, options);
  const version = await resolveVersion(store, name, pinned);
  // A private cache: the verified folder is copied out, so the pull never mutates a server's cache.
  const cacheDir = join(tmpdir(), `berth-pull-${process.pid}-${Date.now()}`);
  try {
    const result = await localize(store, name, version, {
      cacheDir,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await mkdir(dir, { recursive: true });
    await cp(result.dir, dir, { recursive: true });
    return {
      uri: storeUriOf(store.uri, `${name}/${version}`),
      bytes: result.bytes,
      files: result.manifest.files.length,
    };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** Removes one published version; the manifest goes first so readers stop seeing it at once. */
export async function removeModelVersion(
  target: string,
  stores: StoreRegistry,
  options: StoreCommandOptions = {},
): Promise<string> {
  const { name, storeUri, version } = splitTarget(target);
  if (version === undefined)
    throw new BerthError('INVALID_REQUEST', `${target}: name the version to remove (model@version)`);
  const store = openStore(stores, storeUri, options);
  const published = await listPublishedVersions(store, name);
  if (!published.includes(version)) {
    throw new BerthError(
      'NO_PUBLISHED_VERSION',
      `${storeUriOf(store.uri, `${name}/${version}`)}: no such published version`,
    );
  }
  await store.delete(`${name}/${version}/MANIFEST.json`);
  await store.delete(`${name}/${version}`);
  return storeUriOf(store.uri, `${name}/${version}`);
}

/** What `models gc` takes: the minimum age, whether to only report, and where lines go. */
export interface GcCommandOptions {
  readonly minAgeMs: number;
  readonly dryRun: boolean;
  /** Gets one line per piece of debris as it is handled. */
  readonly onLine: (line: string) => void;
  /** Ms since the epoch that modification times are aged by; the wall clock when absent. */
  readonly clock?: { now(): number };
}

const KIND_LABELS: Record<DebrisKind, string> = {
  staging: 'staging folder',
  unpublished: 'unpublished version folder',
  temp: 'temp file',
};

/**
 * Removes (or with dryRun lists) the debris of unfinished publishes older than minAgeMs under
 * every model of a store, one line each; returns the summary line.
 */
export async function gcStore(
  target: string,
  gc: GcCommandOptions,
  stores: StoreRegistry,
  options: StoreCommandOptions = {},
): Promise<{ summary: string; removed: number; kept: number }> {
  const store = openStore(stores, target, options);
  if (!store.writable && !gc.dryRun) {
    throw new BerthError(
      'STORE_READ_ONLY',
      `${store.uri}: cannot remove debris from a read-only store (--dry-run only lists it)`,
    );
  }
  const describe = (debris: Debris): string => {
    const age = debris.ageMs === undefined ? 'age unknown' : `age ${formatAge(debris.ageMs)}`;
    return `${storeUriOf(store.uri, debris.path)}\t${KIND_LABELS[debris.kind]}\t${age}\t${debris.bytes} bytes`;
  };
  const result = await collectStoreGarbage(store, {
    minAgeMs: gc.minAgeMs,
    dryRun: gc.dryRun,
    ...(gc.clock ? { clock: gc.clock } : {}),
    onRemoved: (debris) => gc.onLine(`${gc.dryRun ? 'would remove' : 'removed'}\t${describe(debris)}`),
  });
  const minAge = formatAge(gc.minAgeMs);
  for (const debris of result.kept) gc.onLine(`kept\t${describe(debris)}\t(younger than ${minAge})`);
  const bytes = result.removed.reduce((sum, debris) => sum + debris.bytes, 0);
  const done = gc.dryRun ? 'would remove' : 'removed';
  const summary =
    `${store.uri}: ${done} ${result.removed.length} (${bytes} bytes)` +
    `; kept ${result.kept.length} younger than ${minAge}${gc.dryRun ? ' (dry run: nothing removed)' : ''}`;
  return { summary, removed: result.removed.length, kept: result.kept.length };
}
