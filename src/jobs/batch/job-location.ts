/**
 * Where a batch job reads and writes: a URI of a part file opens the store of its folder (the part
 * is a path in it), any other URI is the folder (prefix) of parts itself.
 */
import type { ModelStore } from '../../storage/model-store.js';
import type { StoreRegistry } from '../../storage/store-registry.js';
import { formatOfName } from './record-formats.js';

/** The input's store and, for a single-file input, the file's name in it. */
export function openInput(
  stores: StoreRegistry,
  uri: string,
  format: string | undefined,
): { readonly store: ModelStore; readonly file?: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  // With --format, a name with any extension may be one file; without it, only a known one is.
  const isFile = formatOfName(name) !== undefined || (format !== undefined && /\.[^.]+$/.test(name));
  if (!isFile) return { store: stores.resolve(trimmed) };
  const folder = slash > 0 ? trimmed.slice(0, slash) : slash === 0 ? '/' : '.';
  // `file:///x.jsonl` leaves `file://`: the root of the scheme, which needs its last slash back.
  const root = /^[a-z][a-z0-9+.-]*:\/*$/i.test(folder) ? `${folder}/` : folder;
  return { store: stores.resolve(root), file: name };
}
