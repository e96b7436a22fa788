/**
 * Checks on store-relative paths shared by every backend, so a path is validated (and named in
 * errors) the same way whichever store it is sent to.
 */
import { BerthError } from '../core/errors.js';
import { joinStorePath } from './model-store.js';

/**
 * Normalises a store-relative path ('' is the root); throws STORE_ERROR for '..' segments, which
 * could escape the store's root.
 */
export function checkStorePath(path: string, storeUri: string): string {
  const segments = path.split('/');
  if (segments.includes('..')) {
    throw new BerthError('STORE_ERROR', `${storeUri}: path ${JSON.stringify(path)} must not contain ".."`);
  }
  // '.' segments are harmless but would make two spellings of one path; drop them with empty ones.
  return joinStorePath(...segments.filter((segment) => segment !== '.'));
}

/** The URI of one path inside a store, for error messages: `<store uri>/<path>`. */
export function storeUriOf(storeUri: string, path: string): string {
  return path.length === 0 ? storeUri : `${storeUri}/${path}`;
}

/** Checks a model name used as a folder of the store root: non-empty, no '..'. */
export function checkModelName(model: string, storeUri: string): string {
  const normalised = checkStorePath(model, storeUri);
  if (normalised.length === 0) {
    throw new BerthError('STORE_ERROR', `${storeUri}: model name must not be empty`);
  }
  return normalised;
}

/** Code-unit order, the same on every machine (localeCompare depends on the locale). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throws STORE_ERROR unless offset and length are non-negative integers. */
export function checkRange(offset: number, length: number | undefined, where: string): void {
  if (
    !Number.isSafeInteger(offset) ||
    offset < 0 ||
    (length !== undefined && (!Number.isSafeInteger(length) || length < 0))
  ) {
    throw new BerthError('STORE_ERROR', `${where}: offset and length must be non-negative integers`);
  }
}

/** Throws CANCELLED (a BerthError, like every store failure) when the caller already gave up. */
export function throwIfCancelled(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new BerthError('CANCELLED', `${where}: cancelled`, { cause: signal.reason });
}
