/**
 * Writes `_SUCCESS` once every expected part of a job is finished (has a marker of the right
 * size), whichever shard gets there last or an explicit `berth batch --commit`. `_SUCCESS` holds
 * the per-part counts, so a reader checks one file for the job's totals.
 */
import { BerthError } from '../../core/errors.js';
import type { ModelStore } from '../../storage/model-store.js';
import type { InputPart } from './input-parts.js';
import { finishedPart, SUCCESS_FILE, TEMPORARY_FOLDER, type PartMarker } from './output-layout.js';

/** The content of `_SUCCESS`. */
export interface SuccessFile {
  readonly parts: ReadonlyArray<{
    readonly part: string;
    readonly output: string;
    readonly shard: string;
    readonly rowsIn: number;
    readonly rowsOut: number;
    readonly rowsRejected: number;
    readonly sha256: string;
  }>;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly rowsRejected: number;
}

/** Whether `_SUCCESS` now exists, and the parts still missing when it does not. */
export interface CommitResult {
  readonly committed: boolean;
  readonly missing: readonly string[];
}

/**
 * Writes `_SUCCESS` when every part is finished; with `required`, missing parts throw
 * BATCH_INCOMPLETE naming them. `shards`, when given, must match what each marker records.
 */
export async function commitOutput(
  output: ModelStore,
  parts: readonly InputPart[],
  options: { readonly required: boolean; readonly shards?: number },
): Promise<CommitResult> {
  const markers: PartMarker[] = [];
  const missing: string[] = [];
  for (const part of parts) {
    const marker = await finishedPart(output, part.output);
    if (marker === undefined) missing.push(part.output);
    else markers.push(marker);
    if (marker && options.shards !== undefined && !marker.shard.endsWith(`/${options.shards}`)) {
      throw new BerthError(
        'BATCH_INCOMPLETE',
        `${output.uri}/${part.output} was written by shard ${marker.shard}, not by a job of --shards ${options.shards}`,
      );
    }
  }
  if (missing.length > 0) {
    if (!options.required) return { committed: false, missing };
    const shown = missing.slice(0, 10).join(', ');
    throw new BerthError(
      'BATCH_INCOMPLETE',
      `${output.uri}: ${missing.length} of ${parts.length} parts are not finished (${shown}${missing.length > 10 ? ', ...' : ''}); run the shards that own them, then commit again`,
    );
  }
  const success: SuccessFile = {
    parts: markers.map((marker) => ({
      part: marker.part,
      output: marker.output,
      shard: marker.shard,
      rowsIn: marker.rowsIn,
      rowsOut: marker.rowsOut,
      rowsRejected: marker.rowsRejected,
      sha256: marker.sha256,
    })),
    rowsIn: markers.reduce((total, marker) => total + marker.rowsIn, 0),
    rowsOut: markers.reduce((total, marker) => total + marker.rowsOut, 0),
    rowsRejected: markers.reduce((total, marker) => total + marker.rowsRejected, 0),
  };
  try {
    await output.write(SUCCESS_FILE, Buffer.from(`${JSON.stringify(success, null, 2)}\n`, 'utf8'));
  } catch (error) {
    // Two last shards may commit at once; the markers are the same, so either _SUCCESS is right.
    if (!(error instanceof BerthError && error.id === 'STORE_ALREADY_EXISTS')) throw error;
  }
  // Temp parts of killed runs are debris once the job is whole (Hadoop's committer does the same).
  await output.delete(TEMPORARY_FOLDER);
  return { committed: true, missing: [] };
}
