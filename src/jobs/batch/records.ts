/**
 * The seams of `berth batch`: a RecordSource yields column batches of one input part, a RecordSink
 * writes the batches of one output part. Columnar, so a batch of a million-row Parquet file becomes
 * model tensors without a per-row object, and bounded: a source yields batches of at most the size
 * asked for, never a whole file.
 */

/** One column of a batch. Numeric columns are typed arrays; a list column is flat values + a width. */
export type Column =
  | { readonly kind: 'number'; readonly values: Float64Array | Float32Array | Int32Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'boolean'; readonly values: Uint8Array }
  | { readonly kind: 'string'; readonly values: readonly (string | null)[] }
  /** Fixed-width lists (a feature vector per row): `values.length === rows * width`; nulls are NaN. */
  | { readonly kind: 'list'; readonly values: Float32Array | Float64Array; readonly width: number }
  /** Rows whose value is missing (null) in a numeric or boolean column, when any are. */
  | { readonly kind: 'mixed'; readonly values: readonly unknown[] };

/**
 * A row a source could not read (a bad number, a malformed JSON line, a wrong field count). The row
 * stays in the batch at its place, so row numbers stay contiguous, with a placeholder in every
 * column (NaN, 0, 0n or null); the job runner must skip it and report it, never predict on it.
 */
export interface RowReject {
  /** Row number inside the part, from 0 (the same numbering as `firstRow`). */
  readonly row: number;
  /** 1-based line of the file where the row starts, for text formats. */
  readonly line?: number;
  /** What was wrong, naming the column and the value where there is one. */
  readonly reason: string;
}

/** Rows of one part, column by column; every column has `rows` entries. */
export interface RecordBatch {
  readonly rows: number;
  readonly columns: ReadonlyMap<string, Column>;
  /** Row number of the first row inside its part, from 0 (for rejects and ordering). */
  readonly firstRow: number;
  /** Rows of this batch that hold placeholders instead of data, in row order; absent when none. */
  readonly rejects?: readonly RowReject[];
}

/** Reads one input part in batches of at most `batchRows`; `columns` limits what is decoded. */
export interface RecordSource {
  /** Column names and kinds as the file declares them. */
  schema(): Promise<ReadonlyMap<string, Column['kind']>>;
  batches(options: {
    readonly batchRows: number;
    readonly columns?: readonly string[];
    readonly signal?: AbortSignal;
  }): AsyncIterable<RecordBatch>;
}

/** Writes one output part; `close` flushes and finishes the file, `abort` discards it. */
export interface RecordSink {
  write(batch: RecordBatch): Promise<void>;
  close(): Promise<{ readonly rows: number; readonly bytes: number }>;
  abort(): Promise<void>;
}

/** File formats `berth batch` reads and writes, chosen by extension or `--format`. */
export type RecordFormat = 'parquet' | 'csv' | 'jsonl';
