import type { Readable } from 'node:stream';
import type { StoreSettings } from './store-settings.js';

/**
 * One storage backend (file, http, webhdfs, s3). Paths are relative to the store's root, use '/'
 * and never start with '/'. Every method throws BerthError: STORE_NOT_FOUND for a missing path,
 * STORE_ALREADY_EXISTS when a write or rename would overwrite, STORE_UNREACHABLE when the backend
 * cannot be reached (retryable), STORE_READ_ONLY for writes to a read-only backend.
 */
export interface ModelStore {
  /** The root URI this store was opened with, normalised (no trailing slash). */
  readonly uri: string;
  /** False for read-only backends (http). */
  readonly writable: boolean;

  /** Size and kind of one path; throws STORE_NOT_FOUND when absent. */
  stat(path: string, signal?: AbortSignal): Promise<StoreEntry>;

  /**
   * The direct children of a folder, sorted by name; throws STORE_NOT_FOUND when absent. Temp
   * files of writes (names starting with TEMP_NAME_PREFIX) are never listed: see listTemp.
   */
  list(path: string, signal?: AbortSignal): Promise<StoreEntry[]>;

  /**
   * The temp files directly in a folder that list() hides, sorted by name: what a killed writer
   * left behind (a live write's temp file shows here too, so callers judge by `modifiedMs`).
   * Each is removed with delete(). [] where the backend has none; STORE_NOT_FOUND when the folder is absent.
   */
  listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]>;

  /** A stream of a file's bytes, or of `length` bytes from `offset` when given. */
  read(path: string, options?: ReadOptions): Promise<Readable>;

  /**
   * Writes a whole file, creating parent folders. Never overwrites: throws STORE_ALREADY_EXISTS.
   * A failed write leaves no file at `path` that readers could mistake for a whole one.
   */
  write(path: string, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void>;

  /**
   * Moves a folder or file to a path that must not exist yet (STORE_ALREADY_EXISTS otherwise).
   * Atomic where the backend allows it; publish relies on this to claim a version number.
   */
  rename(from: string, to: string, signal?: AbortSignal): Promise<void>;

  /** Removes a file or a whole folder; a missing path is not an error. */
  delete(path: string, signal?: AbortSignal): Promise<void>;
}

export interface StoreEntry {
  /** Base name of the entry. */
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Bytes for files, 0 for folders. */
  readonly size: number;
  /** Last modification, ms since the epoch, where the backend knows it. */
  readonly modifiedMs?: number;
}

export interface ReadOptions {
  readonly offset?: number;
  readonly length?: number;
  readonly signal?: AbortSignal;
}

/**
 * Every backend that writes through a temp name beside the target uses this prefix, so the name
 * is never a version number, never MANIFEST.json, and is told apart from real entries everywhere.
 */
export const TEMP_NAME_PREFIX = '.berth-tmp-';

/** True for the base name of a write's temp file. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_NAME_PREFIX);
}

/** A folder listing as `list` answers it: temp files of writes are never real entries. */
export function withoutTemp(entries: readonly StoreEntry[]): StoreEntry[] {
  return entries.filter((entry) => !isTempName(entry.name));
}

/** A folder listing as `listTemp` answers it: only the temp files of writes. */
export function onlyTemp(entries: readonly StoreEntry[]): StoreEntry[] {
  return entries.filter((entry) => entry.type === 'file' && isTempName(entry.name));
}

/** Opens a store for a URI of one scheme; registered in the StoreRegistry by scheme. */
export type StoreFactory = (uri: URL, settings: StoreSettings) => ModelStore;

/** Joins store path segments with '/', dropping empty ones. */
export function joinStorePath(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');
}
