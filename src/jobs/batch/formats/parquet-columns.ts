/** How hyparquet's decoded Parquet columns become Berth columns: kinds from the schema, values per row group. */
import type { parquetSchema } from 'hyparquet';
import type { Column, RowReject } from '../records.js';
import type { ColumnSpec } from './column-builder.js';

type SchemaTree = ReturnType<typeof parquetSchema>;

/** The kind and list precision Berth reads a top-level Parquet column as. */
export interface ParquetSpec extends ColumnSpec {
  readonly float32?: boolean;
}

/** Berth's kind for each top-level column of a Parquet schema. */
export function specsOf(tree: SchemaTree): ParquetSpec[] {
  return tree.children.map((node) => {
    const { element } = node;
    const name = element.name;
    const logical = element.logical_type?.type;
    const list = element.converted_type === 'LIST' || logical === 'LIST';
    if (list) {
      // 3-level form (group LIST > repeated group > leaf) or the legacy 2-level form (repeated leaf).
      const repeated = node.children[0];
      const leaf = repeated?.children.length === 1 ? repeated.children[0] : repeated;
      const type = leaf?.children.length === 0 ? leaf.element.type : undefined;
      if (type === 'FLOAT' || type === 'DOUBLE') return { name, kind: 'list', float32: type === 'FLOAT' };
      return { name, kind: 'mixed' };
    }
    if (node.children.length > 0) return { name, kind: 'mixed' };
    const annotated =
      element.converted_type !== undefined || (logical !== undefined && logical !== 'INTEGER');
    switch (element.type) {
      case 'FLOAT':
      case 'DOUBLE':
        return { name, kind: 'number' };
      case 'INT32':
        return { name, kind: annotated && element.converted_type !== 'INT_32' ? 'mixed' : 'number' };
      case 'INT64':
        return { name, kind: annotated && element.converted_type !== 'INT_64' ? 'mixed' : 'bigint' };
      case 'BOOLEAN':
        return { name, kind: 'boolean' };
      case 'BYTE_ARRAY':
      case 'FIXED_LEN_BYTE_ARRAY':
        return {
          name,
          kind:
            element.converted_type === 'UTF8' || logical === 'STRING' || logical === 'ENUM'
              ? 'string'
              : 'mixed',
        };
      default:
        return { name, kind: 'mixed' };
    }
  });
}

type Decoded = ArrayLike<unknown> & { slice(start?: number, end?: number): ArrayLike<unknown> };

/** Converts one decoded row group column; a null makes a numeric column `mixed`, as records.ts says. */
export function toColumn(
  spec: ParquetSpec,
  data: Decoded,
  rows: number,
  firstRow: number,
  rejects: RowReject[],
): Column {
  const values = data as unknown;
  switch (spec.kind) {
    case 'number':
      if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array) {
        return { kind: 'number', values };
      }
      return hasNull(data)
        ? mixed(data)
        : { kind: 'number', values: Float64Array.from(data as ArrayLike<number>) };
    case 'bigint':
      if (values instanceof BigInt64Array) return { kind: 'bigint', values };
      return hasNull(data)
        ? mixed(data)
        : { kind: 'bigint', values: BigInt64Array.from(data as ArrayLike<bigint>) };
    case 'boolean':
      return hasNull(data)
        ? mixed(data)
        : { kind: 'boolean', values: Uint8Array.from(data as ArrayLike<boolean>, Number) };
    case 'string':
      return {
        kind: 'string',
        values: Array.from(data, (v) => (v === null || v === undefined ? null : String(v))),
      };
    case 'list':
      return toList(spec, data, rows, firstRow, rejects);
    default:
      return mixed(data);
  }
}

function toList(
  spec: ParquetSpec,
  data: Decoded,
  rows: number,
  firstRow: number,
  rejects: RowReject[],
): Column {
  const first = Array.from(data).find((v) => v !== null && v !== undefined) as ArrayLike<number> | undefined;
  const width = first?.length ?? 0;
  const values = spec.float32 === true ? new Float32Array(rows * width) : new Float64Array(rows * width);
  for (let r = 0; r < rows; r += 1) {
    const row = data[r] as ArrayLike<number | null> | null | undefined;
    if (row === null || row === undefined || row.length !== width) {
      values.fill(Number.NaN, r * width, (r + 1) * width);
      rejects.push({
        row: firstRow + r,
        reason: `column ${spec.name} has ${row?.length ?? 'no'} values, expected ${width}`,
      });
      continue;
    }
    for (let i = 0; i < width; i += 1) values[r * width + i] = row[i] ?? Number.NaN;
  }
  return { kind: 'list', values, width };
}

function hasNull(data: ArrayLike<unknown>): boolean {
  for (let i = 0; i < data.length; i += 1) if (data[i] === null || data[i] === undefined) return true;
  return false;
}

function mixed(data: ArrayLike<unknown>): Column {
  return { kind: 'mixed', values: Array.from(data, (v) => (v === undefined ? null : v)) };
}

/** Rows [start, end) of a column; typed arrays are views, not copies. */
export function sliceColumn(column: Column, start: number, end: number): Column {
  if (start === 0 && end * (column.kind === 'list' ? column.width : 1) === column.values.length)
    return column;
  switch (column.kind) {
    case 'list':
      return {
        kind: 'list',
        values: column.values.subarray(start * column.width, end * column.width),
        width: column.width,
      };
    case 'number':
      return { kind: 'number', values: column.values.subarray(start, end) };
    case 'bigint':
      return { kind: 'bigint', values: column.values.subarray(start, end) };
    case 'boolean':
      return { kind: 'boolean', values: column.values.subarray(start, end) };
    case 'string':
      return { kind: 'string', values: column.values.slice(start, end) };
    case 'mixed':
      return { kind: 'mixed', values: column.values.slice(start, end) };
  }
}
