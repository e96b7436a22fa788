/**
 * The local-filesystem backend, for `file://` URIs and plain paths. Writes and renames never
 * replace an existing path: they rely on primitives that fail with EEXIST instead of overwriting
 * (link(2), mkdir(2), open with O_EXCL), so publish can claim version numbers with them.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BerthError } from '../../core/errors.js';
import { onlyTemp, TEMP_NAME_PREFIX, withoutTemp } from '../model-store.js';
import type { ModelStore, ReadOptions, StoreEntry, StoreFactory } from '../model-store.js';
import { checkRange, checkStorePath, compareNames, storeUriOf, throwIfCancelled } from '../store-path.js';

/** Opens the folder at a `file:` URL as a store; nothing is touched until the first call. */
export const createFileStore: StoreFactory = (uri) => new FileStore(uri);

/** A ModelStore over one local folder; see the file comment for the no-overwrite guarantees. */
export class FileStore implements ModelStore {
  readonly uri: string;
  readonly writable = true;
  readonly #root: string;

  constructor(uri: URL) {
    if (uri.protocol !== 'file:') {
      throw new BerthError('UNSUPPORTED_STORE_URI', `${uri.href}: the file store takes file: URIs only`);
    }
    this.#root = fileURLToPath(uri).replace(/(?<=.)\/+$/, '');
    this.uri = pathToFileURL(this.#root).href.replace(/\/+$/, '');
  }

  async stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    const { full, where } = this.#locate(path);
    throwIfCancelled(signal, where);
    try {
      return toEntry(basename(full), await stat(full));
    } catch (error) {
      throw fsError(error, where);
    }
  }

  async list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return withoutTemp(await this.#listAll(path, signal));
  }

  async listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return onlyTemp(await this.#listAll(path, signal));
  }

  async #listAll(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    const { full, where } = this.#locate(path);
    throwIfCancelled(signal, where);
    let children: Dirent[];
    try {
      children = await readdir(full, { withFileTypes: true });
    } catch (error) {
      throw fsError(error, where);
    }
    // stat (not lstat) follows symlinks, so a linked model file lists with its target's size.
    const entries = await Promise.all(
      children.map(async (child) => {
        try {
          return toEntry(child.name, await stat(join(full, child.name)));
        } catch {
          return undefined; // removed between readdir and stat, or a dangling symlink
        }
      }),
    );
    return entries.filter((entry) => entry !== undefined).sort((a, b) => compareNames(a.name, b.name));
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset = 0, length, signal } = options;
    const { full, where } = this.#locate(path);
    throwIfCancelled(signal, where);
    checkRange(offset, length, where);
    // Open before returning, so a missing file fails this call rather than the stream later.
    const handle = await open(full, 'r').catch((error: unknown) => {
      throw fsError(error, where);
    });
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new BerthError('STORE_ERROR', `${where}: is a folder, not a file`);
      if (length === 0 || offset >= info.size) {
        await handle.close();
        return Readable.from([]);
      }
      const end = length === undefined ? undefined : offset + length - 1; // end is inclusive
      const stream = handle.createReadStream({ start: offset, end });
      return signal === undefined ? stream : addAbortSignal(signal, stream);
    } catch (error) {
      await handle.close();
      throw fsError(error, where);
    }
  }

  async write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    const { full, where } = this.#locate(path);
    throwIfCancelled(signal, where);
    if (full === this.#root) throw new BerthError('STORE_ALREADY_EXISTS', `${where}: is the store root`);
    // The bytes go to a hidden temp name beside the target first, so a reader never sees a
    // half-written file; link(2) then publishes it and fails with EEXIST rather than overwrite.
    const temp = join(dirname(full), `${TEMP_NAME_PREFIX}${randomUUID()}`);
    try {
      await mkdir(dirname(full), { recursive: true });
      await writeTemp(temp, body, signal);
      await link(temp, full);
    } catch (error) {
      throw fsError(error, where);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const source = this.#locate(from);
    throwIfCancelled(signal, source.where);
    const target = this.#locate(to);
    const info = await stat(source.full).catch((error: unknown) => {
      throw fsError(error, source.where);
    });
    try {
      await mkdir(dirname(target.full), { recursive: true });
    } catch (error) {
      throw fsError(error, target.where);
    }
    if (info.isDirectory()) await renameFolder(source, target);
    else await renameFile(source, target);
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    const { full, where } = this.#locate(path);
    throwIfCancelled(signal, where);
    if (full === this.#root)
      throw new BerthError('STORE_ERROR', `${where}: refusing to delete the store root`);
    try {
      await rm(full, { recursive: true, force: true });
    } catch (error) {
      throw fsError(error, where);
    }
  }

  /** The absolute local path of a store path, and its URI for error messages. */
  #locate(path: string): { full: string; where: string } {
    const clean = checkStorePath(path, this.uri);
    return {
      full: clean.length === 0 ? this.#root : join(this.#root, clean),
      where: storeUriOf(this.uri, clean),
    };
  }
}

interface Located {
  readonly full: string;
  readonly where: string;
}

/**
 * Node has no renameat2(RENAME_NOREPLACE), and rename(2) silently replaces an existing target.
 * So the target name is claimed first with mkdir(2), which is atomic and fails with EEXIST for
 * every writer but one. On Linux (and POSIX generally) rename(2) of a folder onto an *empty*
 * folder then replaces it atomically, while a non-empty one fails with ENOTEMPTY. Readers may
 * briefly see the empty claimed folder; it has no MANIFEST.json, so it is never taken as published.
 */
async function renameFolder(source: Located, target: Located): Promise<void> {
  try {
    await mkdir(target.full);
  } catch (error) {
    throw fsError(error, target.where);
  }
  try {
    await rename(source.full, target.full);
  } catch (error) {
    await rmdir(target.full).catch(() => undefined); // give the claim back; fails if not empty
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw fsError(error, missing ? source.where : target.where);
  }
}

/** link(2) fails with EEXIST instead of replacing, which makes a file rename exclusive. */
async function renameFile(source: Located, target: Located): Promise<void> {
  try {
    await link(source.full, target.full);
  } catch (error) {
    throw fsError(error, target.where);
  }
  await unlink(source.full).catch((error: unknown) => {
    throw fsError(error, source.where);
  });
}

/** Writes the whole body to a new file ('wx': never an existing one) and syncs it to disk. */
async function writeTemp(temp: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
  const handle = await open(temp, 'wx');
  try {
    if (body instanceof Uint8Array) {
      await handle.writeFile(body, { signal });
    } else {
      for await (const chunk of body) {
        signal?.throwIfAborted(); // mapped to CANCELLED by fsError
        await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
      }
    }
    // Synced before link, so after a crash the published name never points at missing data.
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function toEntry(name: string, info: { isDirectory(): boolean; size: number; mtimeMs: number }): StoreEntry {
  const directory = info.isDirectory();
  return {
    name,
    type: directory ? 'directory' : 'file',
    size: directory ? 0 : info.size,
    modifiedMs: info.mtimeMs,
  };
}

/** Maps a Node fs error onto the store error ids, naming the path it concerns. */
function fsError(error: unknown, where: string): BerthError {
  if (error instanceof BerthError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const name = (error as Error | undefined)?.name;
  if (name === 'AbortError') return new BerthError('CANCELLED', `${where}: cancelled`, { cause: error });
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new BerthError('STORE_NOT_FOUND', `${where}: no such file or folder`, { cause: error });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new BerthError('STORE_ALREADY_EXISTS', `${where}: already exists`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new BerthError('STORE_ERROR', `${where}: permission denied (${code})`, { cause: error });
    default:
      return new BerthError('STORE_ERROR', `${where}: ${(error as Error).message}`, { cause: error });
  }
}
