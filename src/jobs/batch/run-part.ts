/**
 * One input part → one output part. Batches stream from the source with at most `inFlight` of
 * them being predicted at once (so reading stays bounded and every model instance has work), and
 * are written in their order. The part goes to a temp name, is renamed into place when whole, and
 * its marker is written last: a kill at any point leaves either a finished part or one that the
 * next run redoes.
 */
import type { ModelStore } from '../../storage/model-store.js';
import type { Tensor } from '../../core/tensor.js';
import type { InputBinding } from './column-plan.js';
import { cellValue, gatherRows, outputColumns } from './from-tensors.js';
import type { InputPart } from './input-parts.js';
import type { RejectLimit } from './job-options.js';
import { markerPath, rejectsPath, replaceText, tempPartPath, type PartMarker } from './output-layout.js';
import { digestBatch, newDigest } from './part-digest.js';
import type { Predictor } from './predictor.js';
import type { RecordFormats } from './record-formats.js';
import type { Column, RecordBatch } from './records.js';
import { checkRejects } from './reject-limit.js';
import { toTensors, type BatchTensors } from './to-tensors.js';

/** What one part needs from the job. */
export interface PartContext {
  readonly input: ModelStore;
  readonly output: ModelStore;
  readonly formats: RecordFormats;
  readonly predictor: Predictor;
  readonly bindings: readonly InputBinding[];
  readonly columns: readonly string[];
  readonly keys: readonly string[];
  readonly batchRows: number;
  readonly inFlight: number;
  readonly allowNan: boolean;
  readonly maxRejects?: RejectLimit;
  readonly runId: string;
  readonly shard: string;
  /** Rows read and rejected by the job before this part (the limit counts the whole job). */
  readonly before: { readonly rowsIn: number; readonly rowsRejected: number };
  /** After each batch is written: this part's counts so far. */
  readonly onBatch: (counts: PartCounts) => void;
  /** Runs just before the part is renamed into place (the lease is renewed there). */
  readonly beforeCommit: () => Promise<void>;
  readonly signal?: AbortSignal;
}

export interface PartCounts {
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly rowsRejected: number;
}

interface Pending {
  readonly batch: RecordBatch;
  readonly tensors: BatchTensors;
  readonly outputs: Promise<Tensor[]> | undefined;
}

/** Runs one part to its marker; returns the marker. On failure nothing of the part is committed. */
export async function runPart(context: PartContext, part: InputPart): Promise<PartMarker> {
  const { output, predictor } = context;
  const temp = tempPartPath(context.runId, part.output);
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(context.signal?.reason);
  context.signal?.addEventListener('abort', onAbort, { once: true });
  await output.delete(temp);
  const sink = context.formats.openSink(output, temp, part.outputFormat);
  const source = context.formats.openSource(context.input, part.path, part.format);
  const rejects: string[] = [];
  const counts = { rowsIn: 0, rowsOut: 0, rowsRejected: 0 };
  const digest = newDigest();
  const window: Pending[] = [];
  let firstReason: string | undefined;

  const writeOldest = async (): Promise<void> => {
    const pending = window.shift()!;
    const { kept } = pending.tensors;
    const columns = new Map<string, Column>();
    for (const key of context.keys) {
      const column = pending.batch.columns.get(key);
      if (column !== undefined) columns.set(key, gatherRows(column, kept));
    }
    if (pending.outputs !== undefined) {
      for (const [name, column] of outputColumns(await pending.outputs, kept.length))
        columns.set(name, column);
    }
    if (kept.length > 0) {
      const batch: RecordBatch = { rows: kept.length, columns, firstRow: counts.rowsOut };
      await sink.write(batch);
      digestBatch(digest, batch);
    }
    counts.rowsOut += kept.length;
    context.onBatch({ ...counts });
  };

  try {
    try {
      for await (const batch of source.batches({
        batchRows: context.batchRows,
        columns: context.columns,
        signal: abort.signal,
      })) {
        const tensors = toTensors(batch, context.bindings, { allowNan: context.allowNan });
        counts.rowsIn += batch.rows;
        counts.rowsRejected += tensors.rejects.length;
        for (const reject of tensors.rejects) {
          firstReason ??= reject.reason;
          rejects.push(rejectLine(batch, context.keys, reject.row, reject.reason));
        }
        checkRejects(context.maxRejects, sum(context.before, counts), {
          part: part.name,
          final: false,
          ...reasonOf(firstReason),
        });
        const outputs = tensors.kept.length > 0 ? predictor.infer(tensors.inputs, abort.signal) : undefined;
        // Observed at once so a failure while an older batch is awaited is not "unhandled"; it is
        // rethrown when its turn to be written comes.
        outputs?.catch(() => undefined);
        window.push({ batch, tensors, outputs });
        if (window.length >= context.inFlight) await writeOldest();
      }
      while (window.length > 0) await writeOldest();
      checkRejects(context.maxRejects, sum(context.before, counts), {
        part: part.name,
        final: true,
        ...reasonOf(firstReason),
      });
    } finally {
      // The rejects of a failed part are kept too: they are what a user looks at after TOO_MANY_REJECTS.
      if (rejects.length > 0) await replaceText(output, rejectsPath(part.output), `${rejects.join('\n')}\n`);
      else await output.delete(rejectsPath(part.output));
    }
    const written = await sink.close();
    await context.beforeCommit();
    await output.rename(temp, part.output);
    const marker: PartMarker = {
      part: part.name,
      output: part.output,
      shard: context.shard,
      runId: context.runId,
      model: predictor.model,
      version: predictor.version,
      ...counts,
      bytes: written.bytes,
      sha256: digest.digest('hex'),
    };
    await replaceText(output, markerPath(part.output), `${JSON.stringify(marker, null, 2)}\n`);
    return marker;
  } catch (error) {
    abort.abort(error);
    await sink.abort().catch(() => undefined);
    await output.delete(temp).catch(() => undefined);
    throw error;
  } finally {
    context.signal?.removeEventListener('abort', onAbort);
  }
}

function rejectLine(batch: RecordBatch, keys: readonly string[], row: number, reason: string): string {
  const keyValues = Object.fromEntries(keys.map((key) => [key, cellValue(batch.columns.get(key), row)]));
  return JSON.stringify({ row: batch.firstRow + row, keys: keyValues, reason });
}

function sum(a: { rowsIn: number; rowsRejected: number }, b: { rowsIn: number; rowsRejected: number }) {
  return { rowsIn: a.rowsIn + b.rowsIn, rowsRejected: a.rowsRejected + b.rowsRejected };
}

function reasonOf(reason: string | undefined): { firstReason?: string } {
  return reason !== undefined ? { firstReason: reason } : {};
}
