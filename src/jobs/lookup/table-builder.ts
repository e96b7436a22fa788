/**
 * Gathers the columns of a batch output into a lookup table: the key column becomes sorted keys,
 * every other column a value column in key order. Columns are kept as typed-array chunks, so a
 * 10 M-row source costs its values' bytes plus one u32 per row for the sort, not an object per row.
 */
import { BerthError } from '../../core/errors.js';
import type { Column, RecordBatch } from '../batch/records.js';
import {
  compareBytes,
  type LookupColumn,
  type LookupTable,
  type LookupValueType,
} from '../../runtime/lookup/lookup-file.js';

/** What a repeated key does: fail naming it, or keep the row read last. */
export type OnDuplicate = 'error' | 'last';

interface ValueChunks {
  readonly datatype: LookupValueType;
  readonly width: number;
  readonly chunks: Array<Float32Array | Float64Array | BigInt64Array>;
}

/** Adds batches (in reading order) and builds the table once. */
export class LookupTableBuilder {
  readonly #key: string;
  readonly #onDuplicate: OnDuplicate;
  #keyKind: 'INT64' | 'BYTES' | undefined;
  readonly #intKeys: BigInt64Array[] = [];
  readonly #textKeys: Uint8Array[] = [];
  #values: Map<string, ValueChunks> | undefined;
  #rows = 0;

  constructor(key: string, onDuplicate: OnDuplicate) {
    this.#key = key;
    this.#onDuplicate = onDuplicate;
  }

  /** Rows added so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Adds one batch of `part`; the first batch fixes the value columns and their datatypes. */
  add(batch: RecordBatch, part: string): void {
    const key = batch.columns.get(this.#key);
    if (key === undefined) {
      throw new BerthError(
        'LOOKUP_INVALID',
        `--key ${JSON.stringify(this.#key)}: no such column in part ${JSON.stringify(part)} (columns: ${[...batch.columns.keys()].join(', ')})`,
      );
    }
    this.#addKeys(key, part);
    this.#values ??= this.#valueColumns(batch, part);
    for (const [name, chunks] of this.#values) {
      const column = batch.columns.get(name);
      if (column === undefined) {
        throw new BerthError(
          'LOOKUP_INVALID',
          `column ${JSON.stringify(name)}: missing in part ${JSON.stringify(part)}`,
        );
      }
      chunks.chunks.push(valuesOf(column, name, part, chunks));
    }
    this.#rows += batch.rows;
  }

  /** Sorts, checks for repeated keys and lays every column out in key order. */
  build(): LookupTable {
    if (this.#rows === 0 || this.#keyKind === undefined || this.#values === undefined) {
      throw new BerthError('LOOKUP_INVALID', 'the batch output has no rows: nothing to publish');
    }
    const n = this.#rows;
    const ints = this.#keyKind === 'INT64' ? concat(BigInt64Array, this.#intKeys, n) : undefined;
    const texts = this.#textKeys;
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    // Ties sort by reading order, so the last of equal keys is the last row read.
    const compare = ints
      ? (a: number, b: number) => (ints[a]! < ints[b]! ? -1 : ints[a]! > ints[b]! ? 1 : a - b)
      : (a: number, b: number) => compareBytes(texts[a]!, 0, texts[a]!.length, texts[b]!) || a - b;
    order.sort(compare);
    const kept = this.#dedupe(order, ints, texts);
    const count = kept.length;
    const columns: LookupColumn[] = [...this.#values].map(([name, chunks]) => {
      const ctor =
        chunks.datatype === 'FP32' ? Float32Array : chunks.datatype === 'FP64' ? Float64Array : BigInt64Array;
      const all = concat(
        ctor as never,
        chunks.chunks as never,
        n * Math.max(chunks.width, 1),
      ) as LookupColumn['values'];
      const width = Math.max(chunks.width, 1);
      const out = new (ctor as new (n: number) => LookupColumn['values'])(count * width);
      for (let i = 0; i < count; i++) {
        const row = kept[i]!;
        for (let j = 0; j < width; j++)
          (out as Float64Array)[i * width + j] = (all as Float64Array)[row * width + j]!;
      }
      return { name, datatype: chunks.datatype, width: chunks.width, values: out };
    });
    if (ints) {
      return {
        count,
        keys: { kind: 'INT64', values: BigInt64Array.from(kept, (row) => ints[row]!) },
        columns,
      };
    }
    const offsets = new Uint32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      total += texts[kept[i]!]!.length;
      if (total > 0xffffffff)
        throw new BerthError('LOOKUP_INVALID', `--key ${this.#key}: keys exceed 4 GiB of text`);
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let i = 0; i < count; i++) bytes.set(texts[kept[i]!]!, offsets[i]!);
    return { count, keys: { kind: 'BYTES', offsets, bytes }, columns };
  }

  #dedupe(order: Uint32Array, ints: BigInt64Array | undefined, texts: Uint8Array[]): Uint32Array {
    const same = ints
      ? (a: number, b: number) => ints[a] === ints[b]
      : (a: number, b: number) => compareBytes(texts[a]!, 0, texts[a]!.length, texts[b]!) === 0;
    const kept = new Uint32Array(order.length);
    let count = 0;
    for (let i = 0; i < order.length; i++) {
      const row = order[i]!;
      const next = order[i + 1];
      if (next !== undefined && same(row, next)) {
        if (this.#onDuplicate === 'error') {
          const key = ints ? String(ints[row]) : JSON.stringify(new TextDecoder().decode(texts[row]));
          throw new BerthError(
            'LOOKUP_DUPLICATE_KEY',
            `--key ${JSON.stringify(this.#key)}: key ${key} appears more than once; give --on-duplicate last to keep the last row`,
          );
        }
        continue; // a later row with this key follows: it wins
      }
      kept[count++] = row;
    }
    return kept.subarray(0, count);
  }

  #addKeys(column: Column, part: string): void {
    const kind =
      column.kind === 'string'
        ? 'BYTES'
        : column.kind === 'bigint' || column.kind === 'number'
          ? 'INT64'
          : undefined;
    if (kind === undefined || (this.#keyKind !== undefined && kind !== this.#keyKind)) {
      throw new BerthError(
        'LOOKUP_INVALID',
        `--key ${JSON.stringify(this.#key)}: column is ${column.kind} in part ${JSON.stringify(part)}; expected whole numbers (INT64) or texts in every part, without nulls`,
      );
    }
    this.#keyKind = kind;
    if (column.kind === 'bigint') this.#intKeys.push(column.values);
    else if (column.kind === 'number') {
      const keys = new BigInt64Array(column.values.length);
      column.values.forEach((value, i) => {
        if (!Number.isSafeInteger(value)) {
          throw new BerthError(
            'LOOKUP_INVALID',
            `--key ${JSON.stringify(this.#key)}: value ${value} in part ${JSON.stringify(part)} is not a whole number`,
          );
        }
        keys[i] = BigInt(value);
      });
      this.#intKeys.push(keys);
    } else if (column.kind === 'string') {
      const encoder = new TextEncoder();
      for (const value of column.values) {
        if (value === null) {
          throw new BerthError(
            'LOOKUP_INVALID',
            `--key ${JSON.stringify(this.#key)}: a null key in part ${JSON.stringify(part)}`,
          );
        }
        this.#textKeys.push(encoder.encode(value));
      }
    }
  }

  #valueColumns(batch: RecordBatch, part: string): Map<string, ValueChunks> {
    const values = new Map<string, ValueChunks>();
    for (const [name, column] of batch.columns) {
      if (name === this.#key) continue;
      values.set(name, { ...valueType(column, name, part), chunks: [] });
    }
    if (values.size === 0) {
      throw new BerthError(
        'LOOKUP_INVALID',
        `--key ${JSON.stringify(this.#key)}: the output has no other column to serve`,
      );
    }
    return values;
  }
}

function notNumeric(name: string, part: string, kind: string): BerthError {
  return new BerthError(
    'LOOKUP_INVALID',
    `column ${JSON.stringify(name)} in part ${JSON.stringify(part)} is ${kind}; value columns must be numeric (scalars or fixed-width lists, without nulls)`,
  );
}

function valueType(column: Column, name: string, part: string): { datatype: LookupValueType; width: number } {
  switch (column.kind) {
    case 'number':
      return {
        datatype:
          column.values instanceof Float32Array
            ? 'FP32'
            : column.values instanceof Float64Array
              ? 'FP64'
              : 'INT64',
        width: 0,
      };
    case 'bigint':
      return { datatype: 'INT64', width: 0 };
    case 'list':
      return { datatype: column.values instanceof Float32Array ? 'FP32' : 'FP64', width: column.width };
    default:
      throw notNumeric(name, part, column.kind);
  }
}

/** The column's values in the datatype the first part fixed (later parts may decode wider or narrower). */
function valuesOf(
  column: Column,
  name: string,
  part: string,
  target: ValueChunks,
): Float32Array | Float64Array | BigInt64Array {
  const type = valueType(column, name, part);
  if (type.width !== target.width) {
    throw new BerthError(
      'LOOKUP_INVALID',
      `column ${JSON.stringify(name)} in part ${JSON.stringify(part)}: width ${type.width}, earlier parts have ${target.width}`,
    );
  }
  const values = column.values as Float32Array | Float64Array | Int32Array | BigInt64Array;
  if (target.datatype === 'INT64') {
    if (values instanceof BigInt64Array) return values;
    return BigInt64Array.from(values as Float64Array, (value) => BigInt(Math.trunc(value)));
  }
  if (target.datatype === 'FP32') {
    return values instanceof Float32Array ? values : Float32Array.from(values as Float64Array, Number);
  }
  return values instanceof Float64Array ? values : Float64Array.from(values as Float32Array, Number);
}

function concat<T extends { length: number; set(array: T, offset: number): void }>(
  ctor: new (n: number) => T,
  chunks: readonly T[],
  total: number,
): T {
  const out = new ctor(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
