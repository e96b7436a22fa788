/** A sha256 over the batches written to a part, column by column, so equal runs show equal digests. */
import { createHash, type Hash } from 'node:crypto';
import type { RecordBatch } from './records.js';

/** Feeds every column of `batch` (names sorted) into `hash`. */
export function digestBatch(hash: Hash, batch: RecordBatch): void {
  for (const name of [...batch.columns.keys()].sort()) {
    const column = batch.columns.get(name)!;
    hash.update(name);
    if (column.kind === 'string' || column.kind === 'mixed') {
      hash.update(
        JSON.stringify(column.values, (_key, value: unknown) =>
          typeof value === 'bigint' ? value.toString() : value,
        ),
      );
    } else {
      hash.update(new Uint8Array(column.values.buffer, column.values.byteOffset, column.values.byteLength));
    }
  }
}

/** A new sha256. */
export const newDigest = (): Hash => createHash('sha256');
