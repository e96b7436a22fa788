/**
 * `berth batch`: this shard's input parts → predictions → output parts, in order, under a lease,
 * skipping parts a previous run finished, then `_SUCCESS` when the whole job is done.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { ModelStore } from '../../storage/model-store.js';
import { columnsRead, planInputs } from './column-plan.js';
import { commitOutput } from './commit-output.js';
import { listInputParts, partsOfShard } from './input-parts.js';
import type { FeatureGroup, RejectLimit, Shard } from './job-options.js';
import { acquireLease, startHeartbeat } from './output-lock.js';
import { finishedPart, lockPath, markerPath, rejectsPath, SUCCESS_FILE } from './output-layout.js';
import type { Predictor } from './predictor.js';
import type { RecordFormats } from './record-formats.js';
import type { RecordFormat } from './records.js';
import { runPart } from './run-part.js';

/** Everything a batch job is told; the CLI builds it from flags. */
export interface BatchJobSpec {
  /** The store holding the input: its root is the folder of parts, or the folder of `inputFile`. */
  readonly input: ModelStore;
  readonly inputFile?: string;
  readonly output: ModelStore;
  readonly format?: RecordFormat;
  readonly outputFormat?: RecordFormat;
  readonly keys: readonly string[];
  readonly features: readonly FeatureGroup[];
  readonly batchRows: number;
  /** Batches being predicted at once. */
  readonly inFlight: number;
  readonly allowNan: boolean;
  readonly maxRejects?: RejectLimit;
  readonly shard: Shard;
  readonly force: boolean;
  readonly lockTtlMs: number;
  /** A random UUID when absent. */
  readonly runId?: string;
}

/** Where a job stands, after every batch written. */
export interface BatchProgress {
  readonly parts: number;
  readonly partsDone: number;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly rowsRejected: number;
}

/** What a job did; `seconds` is measured on the injected clock. */
export interface BatchSummary extends BatchProgress {
  readonly partsSkipped: number;
  readonly seconds: number;
  readonly committed: boolean;
  readonly runId: string;
}

export interface BatchDeps {
  readonly formats: RecordFormats;
  readonly predictor: Predictor;
  readonly clock: Clock;
  /** Wall-clock ms since the epoch, for lease heartbeats across processes. */
  readonly wallClock: () => number;
  readonly logger?: Logger;
  readonly onProgress?: (progress: BatchProgress) => void;
  readonly signal?: AbortSignal;
}

/** Runs this shard of the job; throws the first failure, leaving every finished part in place. */
export async function runBatchJob(spec: BatchJobSpec, deps: BatchDeps): Promise<BatchSummary> {
  const started = deps.clock.now();
  const runId = spec.runId ?? randomUUID();
  const shardName = `${spec.shard.index}/${spec.shard.count}`;
  const bindings = planInputs(deps.predictor.inputs, spec.features);
  const columns = columnsRead(bindings, spec.keys);
  const all = await listInputParts(spec.input, {
    ...(spec.inputFile !== undefined ? { file: spec.inputFile } : {}),
    ...(spec.format ? { format: spec.format } : {}),
    ...(spec.outputFormat ? { outputFormat: spec.outputFormat } : {}),
  });
  const mine = partsOfShard(all, spec.shard);
  const lease = await acquireLease({
    store: spec.output,
    path: lockPath(spec.shard),
    runId,
    ttlMs: spec.lockTtlMs,
    wallClock: deps.wallClock,
  });
  const totals = { parts: mine.length, partsDone: 0, rowsIn: 0, rowsOut: 0, rowsRejected: 0 };
  let partsSkipped = 0;
  // A lost lease stops the job: no part is committed after another run took the output over.
  const stop = new AbortController();
  const heartbeat = startHeartbeat(lease, deps.clock, Math.max(1, spec.lockTtlMs / 3), (error) =>
    stop.abort(error),
  );
  const signal = deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal;
  try {
    const todo = [];
    for (const part of mine) {
      if (!spec.force && (await finishedPart(spec.output, part.output)) !== undefined) {
        partsSkipped += 1;
        totals.partsDone += 1;
      } else todo.push(part);
    }
    // The job is being changed: whatever _SUCCESS said no longer holds until it is written again.
    if (todo.length > 0) await spec.output.delete(SUCCESS_FILE);
    deps.logger?.info(
      { runId, shard: shardName, parts: mine.length, skipped: partsSkipped },
      'batch job started',
    );
    for (const part of todo) {
      // Marker first: from here on the part is unfinished, whatever else of it is on disk.
      await spec.output.delete(markerPath(part.output));
      await spec.output.delete(part.output);
      await spec.output.delete(rejectsPath(part.output));
      const before = { ...totals };
      const marker = await runPart(
        {
          input: spec.input,
          output: spec.output,
          formats: deps.formats,
          predictor: deps.predictor,
          bindings,
          columns,
          keys: spec.keys,
          batchRows: spec.batchRows,
          inFlight: spec.inFlight,
          allowNan: spec.allowNan,
          ...(spec.maxRejects ? { maxRejects: spec.maxRejects } : {}),
          runId,
          shard: shardName,
          before,
          onBatch: (counts) =>
            deps.onProgress?.({
              ...totals,
              rowsIn: before.rowsIn + counts.rowsIn,
              rowsOut: before.rowsOut + counts.rowsOut,
              rowsRejected: before.rowsRejected + counts.rowsRejected,
            }),
          beforeCommit: async () => {
            signal.throwIfAborted();
            await lease.renew();
          },
          signal,
        },
        part,
      );
      totals.partsDone += 1;
      totals.rowsIn += marker.rowsIn;
      totals.rowsOut += marker.rowsOut;
      totals.rowsRejected += marker.rowsRejected;
      deps.onProgress?.({ ...totals });
      deps.logger?.info(
        {
          runId,
          part: part.name,
          output: part.output,
          rowsIn: marker.rowsIn,
          rowsOut: marker.rowsOut,
          rowsRejected: marker.rowsRejected,
        },
        'batch part finished',
      );
    }
    const commit = await commitOutput(spec.output, all, { required: false });
    return {
      ...totals,
      partsSkipped,
      seconds: (deps.clock.now() - started) / 1000,
      committed: commit.committed,
      runId,
    };
  } finally {
    heartbeat.stop();
    await lease.release().catch(() => undefined);
  }
}
