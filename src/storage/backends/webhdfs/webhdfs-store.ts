/**
 * The HDFS backend over WebHDFS (Hadoop's REST API, "WebHDFS REST API" in the Hadoop docs), for
 * `hdfs://`, `webhdfs://` and `swebhdfs://` URIs; see webhdfs-uri.ts and webhdfs-config.ts for how
 * the NameNode's HTTP address is found. No Hadoop client or JVM is needed.
 *
 * Writes go to a hidden temp name beside the target, then RENAME with renameoptions=NONE (the
 * rename2 semantics: atomic, and FileAlreadyExistsException instead of overwriting). HDFS's lease
 * alone would not do: a file being written is visible to GETFILESTATUS and OPEN with the blocks
 * written so far, and one whose writer died is closed by lease recovery with whatever arrived, a
 * partial file under the final name. Plain RENAME is never used: onto an existing folder it moves
 * the source *into* it (POSIX `mv`), which would bury a version inside another.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BerthError } from '../../../core/errors.js';
import { onlyTemp, TEMP_NAME_PREFIX, withoutTemp } from '../../model-store.js';
import { systemClock } from '../../../core/clock.js';
import type { ModelStore, ReadOptions, StoreEntry, StoreFactory } from '../../model-store.js';
import { settingsSection, type StoreSettings } from '../../store-settings.js';
import { checkRange, checkStorePath, compareNames, storeUriOf, throwIfCancelled } from '../../store-path.js';
import { createAuth } from './webhdfs-auth.js';
import type { WebHdfsAuth } from './webhdfs-auth.js';
import { WebHdfsClient, WebHdfsFailure } from './webhdfs-client.js';
import type { NameNodeAddresses } from './webhdfs-config.js';
import { isNotAFile, isOffsetPastEnd } from './webhdfs-errors.js';
import { bodyStream, release } from './webhdfs-http.js';
import type { HttpAnswer } from './webhdfs-http.js';
import { listStatuses, parseFileStatus, toEntry } from './webhdfs-listing.js';
import type { ListingMode } from './webhdfs-listing.js';
import { hdfsPath, parseHdfsUri } from './webhdfs-uri.js';
import type { HdfsLocation } from './webhdfs-uri.js';

/** Default bound on each wait for a NameNode or DataNode, when StoreSettings.requestTimeoutMs is not set. */
export const DEFAULT_WEBHDFS_TIMEOUT_MS = 30_000;

/**
 * Opens an `hdfs:`, `webhdfs:` or `swebhdfs:` URL as a store; nothing is sent (and no Hadoop
 * configuration is read) until the first call. `settings.webhdfs` names the NameNodes and the
 * identity (see webhdfs-config.ts and webhdfs-auth.ts); absent, the URI's host and the OS user.
 */
export const createWebHdfsStore: StoreFactory = (uri, settings) => new WebHdfsStore(uri, settings);

/** A writable ModelStore over one HDFS folder, through WebHDFS. */
export class WebHdfsStore implements ModelStore {
  readonly uri: string;
  readonly writable = true;
  readonly location: HdfsLocation;
  readonly #client: WebHdfsClient;
  readonly #listing: ListingMode = { batch: true };

  constructor(uri: URL, settings: StoreSettings = {}, auth?: WebHdfsAuth) {
    this.location = parseHdfsUri(uri);
    this.uri = this.location.uri;
    const webhdfs = settingsSection(settings.webhdfs) ?? {};
    this.#client = new WebHdfsClient({
      location: this.location,
      auth: auth ?? createAuth(webhdfs.identity),
      settings: webhdfs,
      timeoutMs: settings.requestTimeoutMs ?? DEFAULT_WEBHDFS_TIMEOUT_MS,
      clock: settings.clock ?? systemClock,
    });
  }

  /** The NameNode HTTP addresses this store talks to, and where they came from. */
  addresses(): Promise<NameNodeAddresses> {
    return this.#client.addresses();
  }

  async stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    const { clean, where, absolute } = this.#locate(path, signal);
    const body = await this.#client.json({
      op: 'GETFILESTATUS',
      method: 'GET',
      path: absolute,
      where,
      ...opt(signal),
    });
    const name =
      clean === '' ? (this.location.root.split('/').at(-1) ?? '') : (clean.split('/').at(-1) ?? clean);
    return toEntry(parseFileStatus(body, where), name);
  }

  async list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    // A temp file is never a real entry: an aborted upload's can appear after its clean-up ran
    // (the DataNode may still create it), and a killed writer leaves its own behind.
    return withoutTemp(await this.#listAll(path, signal));
  }

  async listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return onlyTemp(await this.#listAll(path, signal));
  }

  async #listAll(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    const { where, absolute } = this.#locate(path, signal);
    const statuses = await listStatuses(this.#client, this.#listing, {
      path: absolute,
      where,
      ...opt(signal),
    });
    return statuses
      .map((status) => toEntry(status, status.pathSuffix))
      .sort((a, b) => compareNames(a.name, b.name));
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset = 0, length, signal } = options;
    const { clean, where, absolute } = this.#locate(path, signal);
    checkRange(offset, length, where);
    if (length === 0) {
      if ((await this.stat(clean, signal)).type === 'directory') throw notAFile(where);
      return Readable.from([]);
    }
    const params = { offset, ...(length === undefined ? {} : { length }) };
    let answer: HttpAnswer;
    try {
      const opened = await this.#client.call(
        { op: 'OPEN', method: 'GET', path: absolute, params, where, ...opt(signal) },
        true,
      );
      // 307 to a DataNode (the NameNode); an HttpFS gateway streams the bytes itself (200).
      answer =
        opened.status === 307 || opened.status === 302
          ? await this.#client.dataNode(opened, { method: 'GET', where, ...opt(signal) }, true)
          : opened;
    } catch (error) {
      if (!(error instanceof WebHdfsFailure)) throw error;
      // "Offset=N out of the range [0, N)": a range starting at the end reads as empty, as elsewhere.
      if (error.remote !== undefined && isOffsetPastEnd(error.remote)) return Readable.from([]);
      if (error.remote !== undefined && isNotAFile(error.remote)) throw notAFile(where);
      throw error.mapped;
    }
    return bodyStream(answer);
  }

  async write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    const { clean, where, absolute } = this.#locate(path, signal);
    if (clean === '') throw new BerthError('STORE_ALREADY_EXISTS', `${where}: is the store root`);
    const folder = absolute.slice(0, absolute.lastIndexOf('/')) || '/';
    const temp = `${folder === '/' ? '' : folder}/${TEMP_NAME_PREFIX}${randomUUID()}`;
    const tempWhere = `${where} (temp file ${temp})`;
    let created = false;
    try {
      // CREATE step 1 on the NameNode (no body; createparent makes the folders), then step 2: the
      // bytes to the DataNode it names. overwrite=false: a temp name is never replaced either.
      const redirect = await this.#client.call({
        op: 'CREATE',
        method: 'PUT',
        path: temp,
        params: { overwrite: false, createparent: true },
        where: tempWhere,
        ...opt(signal),
      });
      created = true;
      const done = await this.#client.dataNode(redirect, {
        method: 'PUT',
        where: tempWhere,
        body,
        ...opt(signal),
      });
      release(done);
      await this.#renameExclusive(temp, absolute, where, signal);
      created = false;
    } finally {
      // A failed write leaves nothing under its own name, and its temp file goes too.
      if (created) {
        await this.#deletePath(temp, tempWhere).catch(() => undefined);
        // The DataNode may create the file after the delete when the upload broke early: once more, later.
        setTimeout(() => void this.#deletePath(temp, tempWhere).catch(() => undefined), 2_000).unref();
      }
    }
  }

  async rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const source = this.#locate(from, signal);
    const target = this.#locate(to);
    if (source.clean === '')
      throw new BerthError('STORE_ERROR', `${source.where}: cannot move the store root`);
    if (target.clean === '')
      throw new BerthError('STORE_ALREADY_EXISTS', `${target.where}: is the store root`);
    try {
      await this.#renameExclusive(source.absolute, target.absolute, target.where, signal);
    } catch (error) {
      if (!(error instanceof BerthError && error.id === 'STORE_NOT_FOUND')) throw error;
      // Either the source is missing or the target's parent is; only the latter is fixable.
      await this.stat(source.clean, signal);
      await this.#client.json({
        op: 'MKDIRS',
        method: 'PUT',
        path: target.absolute.slice(0, target.absolute.lastIndexOf('/')) || '/',
        where: target.where,
        ...opt(signal),
      });
      await this.#renameExclusive(source.absolute, target.absolute, target.where, signal);
    }
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    const { clean, where, absolute } = this.#locate(path, signal);
    if (clean === '') throw new BerthError('STORE_ERROR', `${where}: refusing to delete the store root`);
    await this.#deletePath(absolute, where, signal);
  }

  /**
   * RENAME with renameoptions=NONE: fails with FileAlreadyExistsException (→ STORE_ALREADY_EXISTS
   * naming `where`, the target) instead of replacing, or of moving into an existing folder. A
   * missing source or target parent is STORE_NOT_FOUND (the caller tells which).
   */
  async #renameExclusive(from: string, to: string, where: string, signal?: AbortSignal): Promise<void> {
    let body: unknown;
    try {
      body = await this.#client.json(
        {
          op: 'RENAME',
          method: 'PUT',
          path: from,
          params: { destination: to, renameoptions: 'NONE' },
          where: storeUriOf(this.uri, this.#relative(from)),
          ...opt(signal),
        },
        true,
      );
    } catch (error) {
      if (!(error instanceof WebHdfsFailure)) throw error;
      if (error.mapped.id === 'STORE_ALREADY_EXISTS')
        throw new BerthError('STORE_ALREADY_EXISTS', `${where}: already exists`);
      // "Source … and destination … must both be directories": a file onto a folder, or back.
      if (error.mapped.id === 'STORE_ERROR' && (await this.#exists(to, where, signal)))
        throw new BerthError('STORE_ALREADY_EXISTS', `${where}: already exists`, { cause: error.mapped });
      throw error.mapped;
    }
    // rename2 answers an empty 200. A {"boolean": ...} means the server ignored renameoptions and
    // ran the old rename, which moves into an existing folder: unsafe to publish with.
    if (body !== undefined) {
      throw new BerthError(
        'STORE_ERROR',
        `${where}: this WebHDFS server ignores renameoptions=NONE (answered ${JSON.stringify(body)}), ` +
          'so renames cannot be made exclusive; publishing to it is unsafe',
      );
    }
  }

  async #exists(absolute: string, where: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.#client.json({ op: 'GETFILESTATUS', method: 'GET', path: absolute, where, ...opt(signal) });
      return true;
    } catch (error) {
      if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return false;
      throw error;
    }
  }

  /** DELETE recursive=true; a missing path answers {"boolean": false}, which is fine here. */
  async #deletePath(absolute: string, where: string, signal?: AbortSignal): Promise<void> {
    await this.#client.json({
      op: 'DELETE',
      method: 'DELETE',
      path: absolute,
      params: { recursive: true },
      where,
      ...opt(signal),
    });
  }

  /** The checked store path, its hdfs:// URI for messages, and its absolute HDFS path. */
  #locate(path: string, signal?: AbortSignal): { clean: string; where: string; absolute: string } {
    const clean = checkStorePath(path, this.uri);
    const where = storeUriOf(this.uri, clean);
    throwIfCancelled(signal, where);
    return { clean, where, absolute: hdfsPath(this.location, clean) };
  }

  /** The store path of an absolute HDFS path under the root. */
  #relative(absolute: string): string {
    const root = this.location.root === '/' ? '' : this.location.root;
    return absolute.slice(root.length + 1);
  }
}

function notAFile(where: string): BerthError {
  return new BerthError('STORE_ERROR', `${where}: is a folder, not a file`);
}

function opt(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
