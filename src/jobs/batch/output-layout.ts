/**
 * The files of a batch output folder besides the parts, after Hadoop's output committer:
 *
 *   <part>.<ext>               an output part, renamed into place from _temporary/ when whole
 *   _parts/<base>.json         its marker, written after the rename: a part counts as finished only
 *                              with a marker whose size matches (the commit point of a part)
 *   _rejects/<base>.jsonl      the rows of that part that were not sent, with their reasons
 *   _temporary/<run-id>/       parts being written by a run
 *   _locks/<i>-of-<n>.json     the lease of the run that owns shard i of n
 *   _SUCCESS                   written last, when every expected part has a marker
 */
import { BerthError } from '../../core/errors.js';
import type { ModelStore } from '../../storage/model-store.js';

export const SUCCESS_FILE = '_SUCCESS';
export const TEMPORARY_FOLDER = '_temporary';

/** What `_parts/<base>.json` records about one finished part. */
export interface PartMarker {
  readonly part: string;
  readonly output: string;
  /** `i/n`: the shard that wrote it. */
  readonly shard: string;
  readonly runId: string;
  readonly model: string;
  readonly version: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly rowsRejected: number;
  readonly bytes: number;
  /** sha256 over the columns the sink was given, in order: equal runs give equal digests. */
  readonly sha256: string;
}

/** `part-0001.parquet` → `part-0001`. */
export function baseName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export const markerPath = (output: string): string => `_parts/${baseName(output)}.json`;
export const rejectsPath = (output: string): string => `_rejects/${baseName(output)}.jsonl`;
export const tempPartPath = (runId: string, output: string): string =>
  `${TEMPORARY_FOLDER}/${runId}/${output}`;
export const lockPath = (shard: { index: number; count: number }): string =>
  `_locks/${shard.index}-of-${shard.count}.json`;

/** A whole small file's bytes as text; undefined when it does not exist. */
export async function readText(store: ModelStore, path: string): Promise<string | undefined> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The marker of a finished part, or undefined when the part is not finished: no marker, an
 * unreadable one, or an output file that is missing or not the size the marker recorded.
 */
export async function finishedPart(store: ModelStore, output: string): Promise<PartMarker | undefined> {
  const text = await readText(store, markerPath(output));
  if (text === undefined) return undefined;
  let marker: PartMarker;
  try {
    marker = JSON.parse(text) as PartMarker;
  } catch {
    return undefined;
  }
  try {
    const entry = await store.stat(output);
    return entry.type === 'file' && entry.size === marker.bytes ? marker : undefined;
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Writes a small file, replacing any older copy (callers hold the shard's lease). */
export async function replaceText(store: ModelStore, path: string, text: string): Promise<void> {
  await store.delete(path);
  await store.write(path, Buffer.from(text, 'utf8'));
}
