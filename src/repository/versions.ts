/**
 * Version resolution over the repository layout `<model>/<version>/`: a version is a folder named by
 * a positive integer, and it is published only once its MANIFEST.json exists (written last).
 */
import { BerthError } from '../core/errors.js';
import { parseManifest, MANIFEST_FILE } from './manifest.js';
import type { Manifest } from './manifest.js';
import { joinStorePath } from '../storage/model-store.js';
import type { ModelStore } from '../storage/model-store.js';
import { checkModelName, storeUriOf } from '../storage/store-path.js';

/** True for a positive integer written without sign or leading zeros, as version folders are. */
export function isVersionName(name: string): boolean {
  return /^[1-9][0-9]*$/.test(name) && Number.isSafeInteger(Number(name));
}

/**
 * Every numbered folder under `<model>/`, published or not, ascending; publish numbers past all of
 * them. Throws STORE_NOT_FOUND naming the model folder's URI when it is absent.
 */
export async function listVersionFolders(
  store: ModelStore,
  model: string,
  signal?: AbortSignal,
): Promise<number[]> {
  const folder = checkModelName(model, store.uri);
  try {
    const entries = await store.list(folder, signal);
    return entries
      .filter((entry) => entry.type === 'directory' && isVersionName(entry.name))
      .map((entry) => Number(entry.name))
      .sort((a, b) => a - b);
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') {
      const where = storeUriOf(store.uri, folder);
      throw new BerthError('STORE_NOT_FOUND', `${where}: model folder not found`, { cause: error });
    }
    throw error;
  }
}

/** The published versions of a model (folders holding MANIFEST.json), ascending. */
export async function listPublishedVersions(
  store: ModelStore,
  model: string,
  signal?: AbortSignal,
): Promise<number[]> {
  const folders = await listVersionFolders(store, model, signal);
  const published = await Promise.all(folders.map((version) => isPublished(store, model, version, signal)));
  return folders.filter((_, index) => published[index]);
}

/**
 * The version to serve: `pinned` when given and published, else the highest published one.
 * Throws STORE_NOT_FOUND (no model folder) or NO_PUBLISHED_VERSION, each naming the URI.
 */
export async function resolveVersion(
  store: ModelStore,
  model: string,
  pinned?: number,
  signal?: AbortSignal,
): Promise<number> {
  const where = storeUriOf(store.uri, checkModelName(model, store.uri));
  if (pinned !== undefined) {
    if (!Number.isSafeInteger(pinned) || pinned < 1) {
      throw new BerthError('NO_PUBLISHED_VERSION', `${where}: version ${pinned} is not a positive integer`);
    }
    if (await isPublished(store, model, pinned, signal)) return pinned;
    await store.stat(model, signal).catch((error: unknown) => {
      throw error instanceof BerthError && error.id === 'STORE_NOT_FOUND'
        ? new BerthError('STORE_NOT_FOUND', `${where}: model folder not found`, { cause: error })
        : error;
    });
    throw new BerthError(
      'NO_PUBLISHED_VERSION',
      `${where}/${pinned}: version ${pinned} is not published (no ${MANIFEST_FILE})`,
    );
  }
  // Newest first, stopping at the first published one: one stat in the usual case, which matters
  // on remote stores where each stat is a request.
  const folders = await listVersionFolders(store, model, signal);
  for (const version of folders.reverse()) {
    if (await isPublished(store, model, version, signal)) return version;
  }
  throw new BerthError(
    'NO_PUBLISHED_VERSION',
    `${where}: no published version (no numbered folder holds ${MANIFEST_FILE})`,
  );
}

/** Reads and checks `<model>/<version>/MANIFEST.json`. */
export async function readManifest(
  store: ModelStore,
  model: string,
  version: number,
  signal?: AbortSignal,
): Promise<Manifest> {
  return (await readManifestBytes(store, model, version, signal)).manifest;
}

/** Like readManifest, also returning the exact bytes (the cache keys on them). */
export async function readManifestBytes(
  store: ModelStore,
  model: string,
  version: number,
  signal?: AbortSignal,
): Promise<{ manifest: Manifest; bytes: Uint8Array }> {
  const path = joinStorePath(checkModelName(model, store.uri), String(version), MANIFEST_FILE);
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(path, { signal })) chunks.push(Buffer.from(chunk as Uint8Array));
  const bytes = Buffer.concat(chunks);
  return { manifest: parseManifest(bytes, storeUriOf(store.uri, path)), bytes };
}

/** Whether `<model>/<version>/MANIFEST.json` exists. */
async function isPublished(
  store: ModelStore,
  model: string,
  version: number,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const entry = await store.stat(joinStorePath(model, String(version), MANIFEST_FILE), signal);
    return entry.type === 'file';
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return false;
    throw error;
  }
}
