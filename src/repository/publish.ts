/**
 * Publishes a local folder as the next version of a model. Readers never see half a version:
 * everything goes to `<model>/.staging-<random>/` (not a number, so never listed as a version),
 * MANIFEST.json last, and the whole folder is then renamed onto the version number in one step.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '../core/errors.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, serializeManifest } from './manifest.js';
import type { Manifest, ManifestFile } from './manifest.js';
import { joinStorePath } from '../storage/model-store.js';
import type { ModelStore } from '../storage/model-store.js';
import { checkModelName, compareNames, storeUriOf } from '../storage/store-path.js';
import { listVersionFolders } from './versions.js';

/** What publishVersion records beside the files. */
export interface PublishOptions {
  /** Where the model came from (git commit, data URIs, run id); stored in MANIFEST.json. */
  readonly lineage: Readonly<Record<string, unknown>>;
  /** Publication time; now when absent. */
  readonly createdAt?: Date | string;
  readonly signal?: AbortSignal;
}

/** The version number publish claimed, and the manifest it wrote there. */
export interface PublishResult {
  readonly version: number;
  readonly manifest: Manifest;
}

/** Staging folders are named this plus a random UUID: never a version number, hidden by the dot. */
export const STAGING_PREFIX = '.staging-';

/** Gives up claiming a number after this many collisions: a sign of a broken rename, not a race. */
const MAX_CLAIMS = 1000;

/**
 * Uploads every file under `localDir` (an existing MANIFEST.json there is skipped) as the next version
 * of `model`. Concurrent publishes get distinct versions, since rename never overwrites. On failure
 * the staging folder is removed and no version appears.
 */
export async function publishVersion(
  store: ModelStore,
  model: string,
  localDir: string,
  options: PublishOptions,
): Promise<PublishResult> {
  const { signal } = options;
  const folder = checkModelName(model, store.uri);
  if (!store.writable) {
    throw new BerthError(
      'STORE_READ_ONLY',
      `${storeUriOf(store.uri, folder)}: cannot publish to a read-only store`,
    );
  }
  const paths = await listLocalFiles(localDir);
  const staging = joinStorePath(folder, `${STAGING_PREFIX}${randomUUID()}`);
  try {
    const files: ManifestFile[] = [];
    for (const path of paths) {
      // Hashed while uploading, so the manifest describes exactly the bytes that were sent.
      const digest = { hash: createHash('sha256'), size: 0 };
      await store.write(
        joinStorePath(staging, path),
        Readable.from(tap(join(localDir, path), digest), { objectMode: false }),
        signal,
      );
      files.push({ path, size: digest.size, sha256: digest.hash.digest('hex') });
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      createdAt: toIsoTime(options.createdAt),
      files,
      lineage: options.lineage,
    };
    await store.write(joinStorePath(staging, MANIFEST_FILE), serializeManifest(manifest), signal);
    const version = await claimVersion(store, folder, staging, signal);
    return { version, manifest };
  } catch (error) {
    await store.delete(staging).catch(() => undefined); // the original error is the one to report
    throw error;
  }
}

/** Renames staging onto the first free number past every numbered folder, counting up on a race. */
async function claimVersion(store: ModelStore, folder: string, staging: string, signal?: AbortSignal) {
  const existing = await listVersionFolders(store, folder, signal);
  let version = (existing.at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < MAX_CLAIMS; attempt += 1, version += 1) {
    try {
      await store.rename(staging, joinStorePath(folder, String(version)), signal);
      return version;
    } catch (error) {
      if (!(error instanceof BerthError && error.id === 'STORE_ALREADY_EXISTS')) throw error;
    }
  }
  throw new BerthError(
    'STORE_ERROR',
    `${storeUriOf(store.uri, folder)}: no free version number after ${MAX_CLAIMS} tries`,
  );
}

/** Files under `dir`, '/'-separated and sorted, without the top-level MANIFEST.json. */
async function listLocalFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = await readdir(join(dir, relative)).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      const id = code === 'ENOENT' || code === 'ENOTDIR' ? 'STORE_NOT_FOUND' : 'STORE_ERROR';
      throw new BerthError(id, `${join(dir, relative)}: cannot read the folder to publish (${code})`, {
        cause: error,
      });
    });
    for (const name of names.sort(compareNames)) {
      const path = relative.length === 0 ? name : `${relative}/${name}`;
      if (path === MANIFEST_FILE) continue; // the one we write replaces any stale copy
      const info = await stat(join(dir, path)); // follows symlinks: publish what they point at
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) found.push(path);
    }
  };
  await walk('');
  return found;
}

/** Streams a local file while counting and hashing its bytes into `digest`. */
async function* tap(file: string, digest: { hash: ReturnType<typeof createHash>; size: number }) {
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    digest.hash.update(bytes);
    digest.size += bytes.byteLength;
    yield bytes;
  }
}

function toIsoTime(value: Date | string | undefined): string {
  const date = value === undefined ? new Date() : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new BerthError('INVALID_REQUEST', `createdAt ${JSON.stringify(value)} is not a valid time`);
  }
  return date.toISOString();
}
