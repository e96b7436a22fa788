/**
 * `berth lookup publish`: reads every part of a batch output, builds the lookup table and
 * publishes it, with a berth.yaml `runtime: lookup`, as the next version of a model.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../core/errors.js';
import { parseModelRef } from '../../core/model-ref.js';
import { publishVersion } from '../../repository/publish.js';
import { encodeLookupTable, LOOKUP_FILE, type LookupTable } from '../../runtime/lookup/lookup-file.js';
import { withRetries } from '../../storage/retrying-store.js';
import { storeUriOf } from '../../storage/store-path.js';
import type { StoreRegistry } from '../../storage/store-registry.js';
import { formatOfName, type RecordFormats } from '../batch/record-formats.js';
import { LookupTableBuilder, type OnDuplicate } from './table-builder.js';

/** What to publish and from where. */
export interface PublishLookupSpec {
  /** The batch output folder (any store). */
  readonly source: string;
  /** `<store>/<model>`: the model to publish the next version of. */
  readonly target: string;
  readonly key: string;
  readonly allowIncomplete: boolean;
  readonly onDuplicate: OnDuplicate;
  /** Rows decoded per batch while reading (default 65,536). */
  readonly batchRows?: number;
}

/** The version published and what went into it. */
export interface PublishLookupResult {
  readonly uri: string;
  readonly version: number;
  readonly parts: number;
  readonly rows: number;
  readonly keys: number;
}

/** The marker `berth batch --commit` writes once every part is there. */
export const SUCCESS_MARKER = '_SUCCESS';

/** Reads, builds and publishes; nothing is published when any step fails. */
export async function publishLookup(
  spec: PublishLookupSpec,
  deps: { readonly stores: StoreRegistry; readonly formats: RecordFormats },
): Promise<PublishLookupResult> {
  const target = parseModelRef(spec.target, undefined);
  if (target.version !== undefined || target.policy !== undefined) {
    throw new BerthError(
      'LOOKUP_INVALID',
      `${spec.target}: publish picks the next version itself; drop the "@..."`,
    );
  }
  const source = withRetries(deps.stores.resolve(spec.source.replace(/\/+$/, '')));
  const entries = await source.list('');
  if (!spec.allowIncomplete && !entries.some((entry) => entry.name === SUCCESS_MARKER)) {
    throw new BerthError(
      'LOOKUP_SOURCE_INCOMPLETE',
      `${spec.source}: no ${SUCCESS_MARKER} marker, so the batch output may be partial; give --allow-incomplete to publish it anyway`,
    );
  }
  const parts = entries.filter((entry) => entry.type === 'file' && !/^[_.]/.test(entry.name));
  if (parts.length === 0) throw new BerthError('LOOKUP_INVALID', `${spec.source}: holds no part files`);
  const builder = new LookupTableBuilder(spec.key, spec.onDuplicate);
  for (const part of parts) {
    const format = formatOfName(part.name);
    if (format === undefined) {
      throw new BerthError(
        'LOOKUP_INVALID',
        `part ${JSON.stringify(part.name)}: unknown extension; expected .parquet, .csv or .jsonl`,
      );
    }
    const reader = deps.formats.openSource(source, part.name, format);
    for await (const batch of reader.batches({ batchRows: spec.batchRows ?? 65_536 })) {
      builder.add(batch, part.name);
    }
  }
  const table = builder.build();
  const dir = await mkdtemp(join(tmpdir(), 'berth-lookup-'));
  try {
    await writeLookupFolder(dir, table);
    const store = withRetries(deps.stores.resolve(target.storeUri));
    const result = await publishVersion(store, target.name, dir, {
      lineage: {
        source: spec.source,
        key: spec.key,
        parts: parts.length,
        rows: builder.rows,
        keys: table.count,
      },
    });
    return {
      uri: storeUriOf(store.uri, `${target.name}/${result.version}`),
      version: result.version,
      parts: parts.length,
      rows: builder.rows,
      keys: table.count,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes lookup.bin and its berth.yaml into `dir`. */
export async function writeLookupFolder(dir: string, table: LookupTable): Promise<void> {
  const handle = await open(join(dir, LOOKUP_FILE), 'w');
  try {
    for (const chunk of encodeLookupTable(table)) {
      // write() may take less than asked for a large chunk; the rest goes on the next call.
      for (let done = 0; done < chunk.byteLength;) {
        done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
  // Lookups take microseconds per row, so large batches are cheap; the batcher still bounds them.
  await writeFile(
    join(dir, 'berth.yaml'),
    `runtime: lookup\nmodel_file: ${LOOKUP_FILE}\nmax_batch_size: 1024\n`,
  );
}
