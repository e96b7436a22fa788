/**
 * Folder listings and file statuses (WebHDFS "FileStatus" JSON). Listings use LISTSTATUS_BATCH
 * (Hadoop ≥ 2.8, HDFS-10784): pages of dfs.ls.limit entries (1000 by default), each one NameNode
 * call with `startafter=<last name>`. Plain LISTSTATUS builds the whole listing in one response,
 * which for a folder of 100k files is a large answer and a long NameNode-side call; with BATCH a
 * model folder (a few entries) is still one request, and a huge one is bounded pages. Servers that
 * do not know BATCH (Hadoop 2.7, some gateways) get LISTSTATUS, remembered per store.
 */
import { BerthError } from '../../../core/errors.js';
import type { StoreEntry } from '../../model-store.js';
import type { WebHdfsClient } from './webhdfs-client.js';
import { WebHdfsFailure } from './webhdfs-client.js';
import { isUnknownOperation } from './webhdfs-errors.js';

/** The fields of a WebHDFS FileStatus that a StoreEntry needs. */
export interface FileStatus {
  /** Name inside the listed folder; '' for GETFILESTATUS, and for LISTSTATUS of a file. */
  readonly pathSuffix: string;
  readonly type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  readonly length: number;
  readonly modificationTime?: number;
}

/** Per-store memory of whether the server knows LISTSTATUS_BATCH. */
export interface ListingMode {
  batch: boolean;
}

/** A FileStatus as a StoreEntry named `name`. */
export function toEntry(status: FileStatus, name: string): StoreEntry {
  const directory = status.type === 'DIRECTORY';
  return {
    name,
    type: directory ? 'directory' : 'file',
    size: directory ? 0 : status.length,
    ...(typeof status.modificationTime === 'number' ? { modifiedMs: status.modificationTime } : {}),
  };
}

/** Reads `{"FileStatus": {...}}`, the answer to GETFILESTATUS. */
export function parseFileStatus(body: unknown, where: string): FileStatus {
  const status = (body as { FileStatus?: unknown } | undefined)?.FileStatus;
  if (!isFileStatus(status)) throw unexpected(where, 'GETFILESTATUS');
  return status;
}

/**
 * Every entry of the folder at `path` (absolute), in the server's order. Throws STORE_NOT_FOUND
 * for a missing path and for a file (WebHDFS lists a file as itself, a folder it is not).
 */
export async function listStatuses(
  client: WebHdfsClient,
  mode: ListingMode,
  request: { path: string; where: string; signal?: AbortSignal },
): Promise<FileStatus[]> {
  const statuses = mode.batch ? await listBatches(client, mode, request) : undefined;
  const all = statuses ?? (await listAtOnce(client, request));
  if (all.length === 1 && all[0]?.pathSuffix === '') {
    throw new BerthError('STORE_NOT_FOUND', `${request.where}: is a file, not a folder`);
  }
  return all;
}

/** LISTSTATUS_BATCH pages; undefined when the server does not know the operation. */
async function listBatches(
  client: WebHdfsClient,
  mode: ListingMode,
  request: { path: string; where: string; signal?: AbortSignal },
): Promise<FileStatus[] | undefined> {
  const statuses: FileStatus[] = [];
  let after: string | undefined;
  for (;;) {
    let body: unknown;
    try {
      body = await client.json(
        {
          op: 'LISTSTATUS_BATCH',
          method: 'GET',
          ...request,
          ...(after === undefined ? {} : { params: { startafter: after } }),
        },
        true,
      );
    } catch (error) {
      if (!(error instanceof WebHdfsFailure)) throw error;
      if (
        after === undefined &&
        error.remote !== undefined &&
        isUnknownOperation(error.remote, 'LISTSTATUS_BATCH')
      ) {
        mode.batch = false;
        return undefined;
      }
      throw error.mapped;
    }
    const listing = (body as { DirectoryListing?: { partialListing?: unknown; remainingEntries?: unknown } })
      ?.DirectoryListing;
    const page = (listing?.partialListing as { FileStatuses?: { FileStatus?: unknown } } | undefined)
      ?.FileStatuses?.FileStatus;
    const remaining = listing?.remainingEntries;
    if (!Array.isArray(page) || !page.every(isFileStatus) || typeof remaining !== 'number')
      throw unexpected(request.where, 'LISTSTATUS_BATCH');
    statuses.push(...page);
    const last = page.at(-1)?.pathSuffix;
    // A page that ends nowhere (empty, or a file's own status) is the last whatever it says.
    if (remaining <= 0 || last === undefined || last === '') return statuses;
    after = last;
  }
}

/** Plain LISTSTATUS: the whole folder in one answer. */
async function listAtOnce(
  client: WebHdfsClient,
  request: { path: string; where: string; signal?: AbortSignal },
): Promise<FileStatus[]> {
  const body = await client.json({ op: 'LISTSTATUS', method: 'GET', ...request });
  const page = (body as { FileStatuses?: { FileStatus?: unknown } } | undefined)?.FileStatuses?.FileStatus;
  if (!Array.isArray(page) || !page.every(isFileStatus)) throw unexpected(request.where, 'LISTSTATUS');
  return page;
}

function isFileStatus(value: unknown): value is FileStatus {
  const status = value as Partial<FileStatus> | null | undefined;
  return (
    typeof status === 'object' &&
    status !== null &&
    typeof status.pathSuffix === 'string' &&
    (status.type === 'FILE' || status.type === 'DIRECTORY' || status.type === 'SYMLINK') &&
    typeof status.length === 'number'
  );
}

function unexpected(where: string, op: string): BerthError {
  return new BerthError(
    'STORE_ERROR',
    `${where}: the NameNode's answer to ${op} is not the JSON WebHDFS specifies`,
  );
}
