/**
 * The indexed form of a lookup table (`lookup.bin`), chosen so 10 M keys load in one read with no
 * per-key object: an 8-byte magic, a u32 header length, a JSON header, then 8-byte aligned sections —
 * keys sorted (a BigInt64Array, or u32 offsets + UTF-8 bytes for text keys) and each value column as
 * one contiguous typed array in key order. Loading views the file's ArrayBuffer; lookups binary search.
 */
import { BerthError } from '../../core/errors.js';

/** File name inside a lookup model's version folder. */
export const LOOKUP_FILE = 'lookup.bin';

const MAGIC = 'BERTHLKP';
const FORMAT = 1;

/** Value column datatypes a lookup table holds. */
export type LookupValueType = 'FP32' | 'FP64' | 'INT64';

/** One value column in key order; `width` 0 is a scalar per key, N a list of N per key. */
export interface LookupColumn {
  readonly name: string;
  readonly datatype: LookupValueType;
  readonly width: number;
  readonly values: Float32Array | Float64Array | BigInt64Array;
}

/** Sorted keys: signed 64-bit integers, or UTF-8 texts in byte order (`offsets` has count + 1 entries). */
export type LookupKeys =
  | { readonly kind: 'INT64'; readonly values: BigInt64Array }
  | { readonly kind: 'BYTES'; readonly offsets: Uint32Array; readonly bytes: Uint8Array };

/** A whole table: `count` keys, each with one row of every column. */
export interface LookupTable {
  readonly count: number;
  readonly keys: LookupKeys;
  readonly columns: readonly LookupColumn[];
}

interface Section {
  readonly offset: number;
  readonly length: number;
}

interface Header {
  readonly format: number;
  readonly count: number;
  readonly key: { readonly kind: LookupKeys['kind']; readonly sections: Section[] };
  readonly columns: Array<{ name: string; datatype: LookupValueType; width: number; section: Section }>;
}

const pad8 = (n: number): number => (n + 7) & ~7;
const ARRAYS = { FP32: Float32Array, FP64: Float64Array, INT64: BigInt64Array } as const;

/** The file's bytes as chunks to write in order (no copy of the arrays). */
export function encodeLookupTable(table: LookupTable): Uint8Array[] {
  const bodies: Uint8Array[] =
    table.keys.kind === 'INT64'
      ? [bytesOf(table.keys.values)]
      : [bytesOf(table.keys.offsets), table.keys.bytes];
  for (const column of table.columns) bodies.push(bytesOf(column.values));
  let offset = 0;
  const sections = bodies.map((body) => {
    const section = { offset, length: body.byteLength };
    offset = pad8(offset + body.byteLength);
    return section;
  });
  const header: Header = {
    format: FORMAT,
    count: table.count,
    key: { kind: table.keys.kind, sections: sections.slice(0, table.keys.kind === 'INT64' ? 1 : 2) },
    columns: table.columns.map((column, i) => ({
      name: column.name,
      datatype: column.datatype,
      width: column.width,
      section: sections[sections.length - table.columns.length + i]!,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = pad8(12 + json.byteLength);
  const head = new Uint8Array(start);
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(8, json.byteLength, true);
  head.set(json, 12);
  const chunks: Uint8Array[] = [head];
  bodies.forEach((body, i) => {
    chunks.push(body);
    const gap = pad8(sections[i]!.offset + body.byteLength) - (sections[i]!.offset + body.byteLength);
    if (gap > 0 && i < bodies.length - 1) chunks.push(new Uint8Array(gap));
  });
  return chunks;
}

/** Views a file's bytes as a table (no copy unless the bytes are misaligned); `where` names the file. */
export function decodeLookupTable(file: Uint8Array, where: string): LookupTable {
  const fail = (why: string): never => {
    throw new BerthError('MODEL_LOAD_FAILED', `${where}: not a lookup table (${why})`);
  };
  if (file.byteLength < 12 || new TextDecoder().decode(file.subarray(0, 8)) !== MAGIC) fail('bad magic');
  // Typed array views need their element alignment; a pooled Buffer may not give it.
  const bytes = file.byteOffset % 8 === 0 ? file : new Uint8Array(file);
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as Header;
  } catch {
    return fail('unreadable header');
  }
  if (header.format !== FORMAT) fail(`format ${header.format}, expected ${FORMAT}`);
  const start = pad8(12 + jsonLength);
  const view = <T>(ctor: new (b: ArrayBuffer, o: number, n: number) => T, s: Section, size: number): T => {
    if (start + s.offset + s.length > bytes.byteLength || s.offset % 8 !== 0) fail('truncated');
    return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + start + s.offset, s.length / size);
  };
  const { count } = header;
  const [first, second] = header.key.sections;
  const keys: LookupKeys =
    header.key.kind === 'INT64'
      ? { kind: 'INT64', values: view(BigInt64Array, first!, 8) }
      : { kind: 'BYTES', offsets: view(Uint32Array, first!, 4), bytes: view(Uint8Array, second!, 1) };
  const keyCount = keys.kind === 'INT64' ? keys.values.length : keys.offsets.length - 1;
  if (keyCount !== count) fail(`${keyCount} keys, header says ${count}`);
  const columns = header.columns.map((column) => {
    const ctor = ARRAYS[column.datatype];
    const values = view(ctor as never, column.section, ctor.BYTES_PER_ELEMENT) as LookupColumn['values'];
    if (values.length !== count * Math.max(column.width, 1))
      fail(`column ${column.name} has the wrong length`);
    return { ...column, values };
  });
  return { count, keys, columns };
}

/** The row of `key`, or -1: a binary search over the sorted keys. */
export function findRow(keys: LookupKeys, key: bigint | Uint8Array): number {
  const rows = new Int32Array(1);
  findRows(keys, typeof key === 'bigint' ? BigInt64Array.of(key) : [key], rows);
  return rows[0]!;
}

/** Writes into `rows` the row of each key, or -1 (INT64 keys for an INT64 table, bytes for BYTES). */
export function findRows(
  keys: LookupKeys,
  wanted: BigInt64Array | readonly Uint8Array[],
  rows: Int32Array,
): void {
  // A key of the other kind is never in the table (the data plane checks the datatype first).
  if (keys.kind === 'INT64') {
    if (wanted instanceof BigInt64Array) findIntRows(keys.values, wanted, rows);
    else rows.fill(-1);
    return;
  }
  for (let i = 0; i < wanted.length; i++) {
    const key = wanted[i]!;
    rows[i] = typeof key === 'bigint' ? -1 : findTextRow(keys, key);
  }
}

/**
 * Compares 64-bit keys as (signed high, unsigned low) 32-bit halves: reading a BigInt64Array
 * element allocates a BigInt, which made each of the ~24 probes of a 10 M-key search cost an allocation.
 */
function findIntRows(sorted: BigInt64Array, wanted: BigInt64Array, rows: Int32Array): void {
  const high = new Int32Array(sorted.buffer, sorted.byteOffset, sorted.length * 2);
  const low = new Uint32Array(sorted.buffer, sorted.byteOffset, sorted.length * 2);
  const wantedHigh = new Int32Array(wanted.buffer, wanted.byteOffset, wanted.length * 2);
  const wantedLow = new Uint32Array(wanted.buffer, wanted.byteOffset, wanted.length * 2);
  // Little-endian layout (every platform Node runs on): low word first.
  for (let i = 0; i < wanted.length; i++) {
    const keyHigh = wantedHigh[2 * i + 1]!;
    const keyLow = wantedLow[2 * i]!;
    let lo = 0;
    let hi = sorted.length - 1;
    rows[i] = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = high[2 * mid + 1]!;
      const l = low[2 * mid]!;
      if (h === keyHigh && l === keyLow) {
        rows[i] = mid;
        break;
      }
      if (h < keyHigh || (h === keyHigh && l < keyLow)) lo = mid + 1;
      else hi = mid - 1;
    }
  }
}

function findTextRow(keys: Extract<LookupKeys, { kind: 'BYTES' }>, key: Uint8Array): number {
  let low = 0;
  let high = keys.offsets.length - 2;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const order = compareBytes(keys.bytes, keys.offsets[mid]!, keys.offsets[mid + 1]!, key);
    if (order === 0) return mid;
    if (order < 0) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Byte order of `bytes[start, end)` against `other`, as Buffer.compare would say. */
export function compareBytes(bytes: Uint8Array, start: number, end: number, other: Uint8Array): number {
  const length = Math.min(end - start, other.length);
  for (let i = 0; i < length; i++) {
    const diff = bytes[start + i]! - other[i]!;
    if (diff !== 0) return diff;
  }
  return end - start - other.length;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
