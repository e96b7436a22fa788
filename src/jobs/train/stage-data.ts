/**
 * Stages a training job's data: each named store URI (a file or a folder) is downloaded into the
 * local cache, every file hashed (sha256) as its bytes arrive, and linked into the run's data
 * folder. Like model versions in local-cache.ts, a cached copy appears only by an atomic rename
 * once whole, keyed by the URI and the store's listing (paths, sizes, modification times), so a
 * rerun over unchanged data downloads nothing and a changed file gets a new key.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BerthError } from '../../core/errors.js';
import { hashedDownload } from '../../repository/download/stream-download.js';
import { PARTIAL_PREFIX } from '../../repository/local-cache.js';
import { joinStorePath, type ModelStore } from '../../storage/model-store.js';
import { withRetries } from '../../storage/retrying-store.js';
import { storeUriOf } from '../../storage/store-path.js';
import type { StoreRegistry } from '../../storage/store-registry.js';

/** One staged file: its path inside the data folder (its base name for a data URI that is a file). */
export interface StagedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** One staged data URI, as the lineage records it. */
export interface StagedData {
  readonly uri: string;
  readonly bytes: number;
  /** A file's sha256; for a folder, the sha256 of its `<sha256>  <path>\n` lines (sha256sum's format) in path order. */
  readonly sha256: string;
  readonly files: readonly StagedFile[];
}

/** Where staging caches and links, and how it reports. */
export interface StageDataOptions {
  /** The cache folder; staged copies go in its `data/` sub-folder. */
  readonly cacheDir: string;
  /** The run's data folder: `<dataDir>/<name>` becomes a link to the staged copy. */
  readonly dataDir: string;
  readonly signal?: AbortSignal;
  /** Told of each data name: downloaded or reused from the cache. */
  readonly onStaged?: (name: string, data: StagedData, reused: boolean) => void;
}

/** The file that describes a staged copy beside its `content`. */
const STAGED_FILE = 'STAGED.json';

/** One file the store lists under a data URI. */
interface Listed {
  readonly path: string;
  readonly size: number;
  readonly modifiedMs: number | undefined;
}

/** Stages every data URI; throws TRAIN_DATA_NOT_FOUND naming the name and URI of a missing one. */
export async function stageData(
  stores: StoreRegistry,
  data: Readonly<Record<string, string>>,
  options: StageDataOptions,
): Promise<Record<string, StagedData>> {
  await mkdir(options.dataDir, { recursive: true });
  const staged: Record<string, StagedData> = {};
  for (const [name, uri] of Object.entries(data)) {
    const { store, path } = openParent(stores, uri);
    const listing = await listData(store, path, name, uri, options.signal);
    const { dir, data: one, reused } = await cached(store, path, uri, listing, options);
    await symlink(join(dir, 'content'), join(options.dataDir, name));
    staged[name] = one;
    options.onStaged?.(name, one, reused);
  }
  return staged;
}

/** The store holding the URI's parent, and the URI's name in it ('' when the URI is a store root). */
function openParent(stores: StoreRegistry, uri: string): { store: ModelStore; path: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const parent = trimmed.slice(0, slash);
  // `hdfs://nn:8020/x` has a parent; `s3://bucket` and `/x` are (or sit at) a root.
  if (slash <= 0 || parent.endsWith('/') || parent.endsWith(':')) {
    return { store: withRetries(stores.resolve(trimmed === '' ? uri : trimmed)), path: '' };
  }
  return { store: withRetries(stores.resolve(parent)), path: trimmed.slice(slash + 1) };
}

/** Every file under `path`, recursively, or the one file it is. */
async function listData(
  store: ModelStore,
  path: string,
  name: string,
  uri: string,
  signal?: AbortSignal,
): Promise<Listed[]> {
  let entry;
  try {
    entry = path === '' ? { type: 'directory' as const, size: 0 } : await store.stat(path, signal);
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') {
      throw new BerthError(
        'TRAIN_DATA_NOT_FOUND',
        `data ${name}: ${uri} does not exist; expected a file or folder in the store`,
        { cause: error },
      );
    }
    throw error;
  }
  if (entry.type === 'file') return [{ path: '', size: entry.size, modifiedMs: entry.modifiedMs }];
  const files: Listed[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const child of await store.list(joinStorePath(path, relative), signal)) {
      const inner = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.type === 'directory') await walk(inner);
      else files.push({ path: inner, size: child.size, modifiedMs: child.modifiedMs });
    }
  };
  await walk('');
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The cached copy for this listing, downloading it when absent. */
async function cached(
  store: ModelStore,
  path: string,
  uri: string,
  listing: readonly Listed[],
  options: StageDataOptions,
): Promise<{ dir: string; data: StagedData; reused: boolean }> {
  const root = join(options.cacheDir, 'data');
  const dir = join(root, listingKey(uri, listing));
  const known = await readStaged(dir);
  if (known !== undefined) return { dir, data: known, reused: true };
  const partial = join(root, `${PARTIAL_PREFIX}${randomUUID()}`);
  try {
    await mkdir(partial, { recursive: true });
    const isFile = listing.length === 1 && listing[0]?.path === '';
    const files: StagedFile[] = [];
    for (const file of listing) {
      const target = isFile ? join(partial, 'content') : join(partial, 'content', ...file.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const got = await download(store, joinStorePath(path, file.path), file, target, options.signal);
      // A data URI that is a file lists as its own base name.
      files.push(isFile ? { ...got, path: basename(path) || basename(uri) } : got);
    }
    if (!isFile) await mkdir(join(partial, 'content'), { recursive: true }); // an empty folder stays a folder
    const data: StagedData = {
      uri,
      bytes: files.reduce((sum, file) => sum + file.size, 0),
      sha256: isFile ? (files[0]?.sha256 ?? '') : folderDigest(files),
      files,
    };
    await writeFile(join(partial, STAGED_FILE), `${JSON.stringify(data, null, 2)}\n`);
    try {
      await rename(partial, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await rm(partial, { recursive: true, force: true }); // a concurrent run staged the same listing
    }
    return { dir, data, reused: false };
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** Downloads one file to `target`, hashing it (hashedDownload); DIGEST_MISMATCH when its size differs from the listing's. */
async function download(
  store: ModelStore,
  source: string,
  file: Listed,
  target: string,
  signal?: AbortSignal,
): Promise<StagedFile> {
  const changed = (read: string): BerthError =>
    // The file changed while it was read: what the trainer would get matches no listing.
    new BerthError(
      'DIGEST_MISMATCH',
      `${storeUriOf(store.uri, source)}: listed as ${file.size} bytes, read ${read}; the data changed while staging, run again`,
    );
  const { size, sha256 } = await hashedDownload(store, source, target, {
    ...(signal ? { signal } : {}),
    progress: () => {},
    limit: { bytes: file.size, error: () => changed('more') },
  });
  if (size !== file.size) throw changed(String(size));
  // Staged data is shared by every run that reuses it: read-only keeps one trainer from changing another's input.
  await chmod(target, 0o444);
  return { path: file.path, size, sha256 };
}

/**
 * The cache key of a listing. A listing without modification times (some http indexes) cannot
 * tell an unchanged file from a rewritten one of the same size, so it gets a fresh key each run.
 */
function listingKey(uri: string, listing: readonly Listed[]): string {
  const hash = createHash('sha256').update(`${uri}\n`);
  for (const file of listing) {
    if (file.modifiedMs === undefined) hash.update(randomUUID());
    hash.update(`${file.path}\t${file.size}\t${file.modifiedMs ?? ''}\n`);
  }
  return hash.digest('hex').slice(0, 64);
}

/** The digest of a folder: sha256 over `sha256sum`-style lines, so `sha256sum` can reproduce it. */
export function folderDigest(files: readonly StagedFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.sha256}  ${file.path}\n`);
  return hash.digest('hex');
}

/** A staged copy's description, when the copy is whole (its files there with their sizes). */
async function readStaged(dir: string): Promise<StagedData | undefined> {
  try {
    const data = JSON.parse(await readFile(join(dir, STAGED_FILE), 'utf8')) as StagedData;
    const isFile = (await stat(join(dir, 'content'))).isFile();
    for (const file of data.files) {
      const local = isFile ? join(dir, 'content') : join(dir, 'content', ...file.path.split('/'));
      if ((await stat(local)).size !== file.size) return undefined;
    }
    return data;
  } catch {
    return undefined;
  }
}
