/**
 * The S3 backend, for `s3://bucket/prefix` URIs, on AWS S3 or any S3-compatible server (endpoint
 * and path-style from the environment: see s3-options.ts). Folders are key prefixes; an empty
 * folder is kept visible by a zero-byte `<folder>/` marker object, the S3 console's convention.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { CommonPrefix, GetObjectCommandOutput, _Object } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { BerthError } from '../../../core/errors.js';
import { MANIFEST_FILE } from '../../../repository/manifest.js';
import { onlyTemp, withoutTemp } from '../../model-store.js';
import type { ModelStore, ReadOptions, StoreEntry, StoreFactory } from '../../model-store.js';
import { settingsSection, type StoreSettings } from '../../store-settings.js';
import { checkRange, checkStorePath, compareNames, storeUriOf, throwIfCancelled } from '../../store-path.js';
import { errorName, httpStatus } from './s3-errors.js';
import { wrapBody } from './s3-body.js';
import {
  deleteKeys,
  folderExists,
  folderMarker,
  hasObjectsUnder,
  headObject,
  listObjects,
  putFolderMarker,
  send,
} from './s3-objects.js';
import type { S3Context } from './s3-objects.js';
import { resolveS3Settings, toClientConfig } from './s3-options.js';
import { renameObjects } from './s3-rename.js';
import { putNewObject } from './s3-upload.js';
import { folderPrefix, objectKey, parseS3Uri } from './s3-uri.js';
import type { S3Location } from './s3-uri.js';

/**
 * Opens an `s3:` URL as a store; nothing is sent until the first call. The client follows
 * `settings.s3` (resolveS3Settings); absent, AWS S3 with the SDK's own region and credential chains.
 */
export const createS3Store: StoreFactory = (uri, settings) => new S3Store(uri, settings);

/** A writable ModelStore over one bucket and key prefix. */
export class S3Store implements ModelStore {
  readonly uri: string;
  readonly writable = true;
  readonly #context: S3Context;

  constructor(uri: URL, settings: StoreSettings = {}) {
    const location = parseS3Uri(uri);
    this.uri = location.uri;
    const s3 = settingsSection(settings.s3) ?? resolveS3Settings({}, settings.requestTimeoutMs);
    this.#context = { location, client: new S3Client(toClientConfig(s3)) };
  }

  /** Where this store lives in S3. */
  get location(): S3Location {
    return this.#context.location;
  }

  async stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    const clean = this.#check(path, signal);
    const name = clean === '' ? rootName(this.location) : (clean.split('/').at(-1) ?? clean);
    if (clean === '') {
      await folderExists(this.#context, folderPrefix(this.location, ''), clean, signal); // bucket exists?
      return { name, type: 'directory', size: 0 };
    }
    const head = await headObject(this.#context, objectKey(this.location, clean), clean, signal);
    if (head !== undefined) {
      return { name, type: 'file', size: head.ContentLength ?? 0, ...modified(head.LastModified) };
    }
    // A folder's time is its marker's, when it has one (publish's claim on a version number does).
    const marker = await folderMarker(this.#context, folderPrefix(this.location, clean), clean, signal);
    if (marker !== undefined) {
      return { name, type: 'directory', size: 0, ...modified(marker?.LastModified) };
    }
    throw this.#notFound(clean);
  }

  async list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    // S3 writes need no temp names, but the name is reserved in every store alike.
    return withoutTemp(await this.#listAll(path, signal));
  }

  async listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return onlyTemp(await this.#listAll(path, signal));
  }

  async #listAll(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    const clean = this.#check(path, signal);
    const prefix = folderPrefix(this.location, clean);
    const entries: StoreEntry[] = [];
    let found = false;
    let token: string | undefined;
    do {
      const request = {
        Bucket: this.location.bucket,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken: token,
      };
      const page = await send(this.#context, clean, signal, (client, options) =>
        client.send(new ListObjectsV2Command(request), options),
      );
      found ||= (page.KeyCount ?? 0) > 0 || (page.Contents?.length ?? 0) > 0;
      entries.push(...files(page.Contents, prefix), ...folders(page.CommonPrefixes, prefix));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    // The root always exists (its bucket answered); any other folder needs a key under it.
    if (!found && clean !== '') throw this.#notFound(clean);
    return entries.sort((a, b) => compareNames(a.name, b.name));
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset = 0, length, signal } = options;
    const clean = this.#check(path, signal);
    const where = storeUriOf(this.uri, clean);
    checkRange(offset, length, where);
    if (clean === '') throw new BerthError('STORE_ERROR', `${where}: is a folder, not a file`);
    const key = objectKey(this.location, clean);
    if (length === 0) {
      await this.stat(clean, signal); // still fail for a missing file, as the other stores do
      return Readable.from([]);
    }
    // RFC 9110 §14.1.2: `bytes=a-b` is inclusive; `bytes=a-` runs to the end.
    const ranged = offset > 0 || length !== undefined;
    const range = `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    let output: GetObjectCommandOutput;
    try {
      const request = { Bucket: this.location.bucket, Key: key, ...(ranged ? { Range: range } : {}) };
      output = await send(this.#context, clean, signal, (client, options) =>
        client.send(new GetObjectCommand(request), options),
      );
    } catch (error) {
      // 416: the range starts at or past the end, which reads as empty, as in the file store.
      if (error instanceof BerthError && isRangeNotSatisfiable(error.cause)) return Readable.from([]);
      if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND')
        await this.#folderCheck(clean, signal);
      throw error;
    }
    if (output.Body === undefined) return Readable.from([]);
    const body = output.Body as Readable;
    // Trust a ranged answer only if it starts where we asked (RFC 9110 §14.4): a server that
    // ignored Range would otherwise hand on the wrong bytes, and parallel ranges would splice them.
    if (ranged && rangeStart(output.ContentRange) !== offset) {
      body.destroy();
      throw new BerthError(
        'STORE_ERROR',
        `${where}: asked for bytes from ${offset}, the server sent ${JSON.stringify(output.ContentRange ?? 'the whole object')}`,
      );
    }
    return wrapBody(body, { where, bucket: this.location.bucket }, signal);
  }

  async write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    const clean = this.#check(path, signal);
    if (clean === '') throw new BerthError('STORE_ALREADY_EXISTS', `${this.uri}: is the store root`);
    // A key beside a folder of the same name is legal in S3 but would hide one from the other here.
    if (await folderExists(this.#context, folderPrefix(this.location, clean), clean, signal)) {
      throw new BerthError(
        'STORE_ALREADY_EXISTS',
        `${storeUriOf(this.uri, clean)}: already exists (a folder)`,
      );
    }
    await putNewObject(this.#context, objectKey(this.location, clean), clean, body, signal);
  }

  async rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const source = this.#check(from, signal);
    const target = checkStorePath(to, this.uri);
    await renameObjects(this.#context, source, target, (path) => this.delete(path), signal);
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    const clean = this.#check(path, signal);
    if (clean === '') throw new BerthError('STORE_ERROR', `${this.uri}: refusing to delete the store root`);
    const key = objectKey(this.location, clean);
    const keys: string[] = [];
    for await (const object of listObjects(this.#context, `${key}/`, clean, signal)) {
      if (object.Key !== undefined) keys.push(object.Key);
    }
    if (keys.length === 0 && (await headObject(this.#context, key, clean, signal)) === undefined) return;
    // Manifests go first, on their own: a version stops being published before its files go, so
    // a reader never takes a half-deleted version for a whole one.
    const manifests = keys.filter((candidate) => candidate.endsWith(`/${MANIFEST_FILE}`));
    if (manifests.length > 0) await deleteKeys(this.#context, manifests, clean, signal);
    await deleteKeys(this.#context, [key, ...keys], clean, signal);
    await this.#keepParent(clean, signal);
  }

  /**
   * A file system keeps a folder when its last file goes; S3 drops the prefix. So when a delete
   * empties the parent folder, its marker is put, and `list` of it still answers [].
   */
  async #keepParent(path: string, signal?: AbortSignal): Promise<void> {
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent === '') return;
    const prefix = folderPrefix(this.location, parent);
    if (!(await hasObjectsUnder(this.#context, prefix, parent, signal)))
      await putFolderMarker(this.#context, prefix, parent, signal);
  }

  /** GetObject of a folder's key is a 404; say "is a folder" as the other stores do. */
  async #folderCheck(path: string, signal?: AbortSignal): Promise<void> {
    if (
      await folderExists(this.#context, folderPrefix(this.location, path), path, signal).catch(() => false)
    ) {
      throw new BerthError('STORE_ERROR', `${storeUriOf(this.uri, path)}: is a folder, not a file`);
    }
  }

  #check(path: string, signal?: AbortSignal): string {
    const clean = checkStorePath(path, this.uri);
    throwIfCancelled(signal, storeUriOf(this.uri, clean));
    return clean;
  }

  #notFound(path: string): BerthError {
    return new BerthError('STORE_NOT_FOUND', `${storeUriOf(this.uri, path)}: no such file or folder`);
  }
}

/** Files of one listing page; the folder's own marker object is not one of its children. */
function files(contents: _Object[] | undefined, prefix: string): StoreEntry[] {
  return (contents ?? [])
    .filter((object) => object.Key !== undefined && object.Key !== prefix)
    .map((object) => ({
      name: (object.Key as string).slice(prefix.length),
      type: 'file' as const,
      size: object.Size ?? 0,
      ...modified(object.LastModified),
    }));
}

function folders(prefixes: CommonPrefix[] | undefined, prefix: string): StoreEntry[] {
  return (prefixes ?? [])
    .map((common) => common.Prefix?.slice(prefix.length).replace(/\/$/, '') ?? '')
    .filter((name) => name !== '')
    .map((name) => ({ name, type: 'directory' as const, size: 0 }));
}

function rootName(location: S3Location): string {
  return location.prefix === '' ? location.bucket : (location.prefix.split('/').at(-1) ?? location.bucket);
}

function modified(date: Date | undefined): { modifiedMs?: number } {
  const ms = date?.getTime();
  return ms === undefined || Number.isNaN(ms) ? {} : { modifiedMs: ms };
}

/** The first byte of `bytes a-b/total`, or undefined when absent or malformed. */
function rangeStart(contentRange: string | undefined): number | undefined {
  const match = /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(contentRange?.trim() ?? '');
  return match === null ? undefined : Number(match[1]);
}

function isRangeNotSatisfiable(cause: unknown): boolean {
  return errorName(cause) === 'InvalidRange' || httpStatus(cause) === 416;
}
