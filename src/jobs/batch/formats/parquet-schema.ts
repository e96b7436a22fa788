import type { SchemaElement } from 'hyparquet-writer';
import type { Column } from '../records.js';

/** The Parquet leaf type Berth writes for a column. */
export type ParquetLeaf = 'FLOAT' | 'DOUBLE' | 'INT32' | 'INT64' | 'BOOLEAN' | 'STRING';

/** How one output column is stored: a scalar leaf, or a LIST of FLOAT / DOUBLE. */
export interface ParquetColumnType {
  readonly name: string;
  readonly leaf: ParquetLeaf;
  readonly list: boolean;
  /** No nulls: the first batch had this column as a typed array (a list's NaN is a value). */
  readonly required: boolean;
}

/** The Parquet type for a column as the first batch holds it (typed-array precision is kept). */
export function parquetTypeOf(name: string, column: Column | Column['kind']): ParquetColumnType {
  if (typeof column === 'string') {
    const leaf: Record<Column['kind'], ParquetLeaf> = {
      number: 'DOUBLE',
      bigint: 'INT64',
      boolean: 'BOOLEAN',
      string: 'STRING',
      list: 'FLOAT',
      mixed: 'STRING',
    };
    return {
      name,
      leaf: leaf[column],
      list: column === 'list',
      required: column !== 'string' && column !== 'mixed',
    };
  }
  switch (column.kind) {
    case 'number':
      return {
        name,
        leaf:
          column.values instanceof Float32Array
            ? 'FLOAT'
            : column.values instanceof Int32Array
              ? 'INT32'
              : 'DOUBLE',
        list: false,
        required: true,
      };
    case 'list':
      return {
        name,
        leaf: column.values instanceof Float32Array ? 'FLOAT' : 'DOUBLE',
        list: true,
        required: true,
      };
    case 'mixed': {
      const first = column.values.find((v) => v !== null && v !== undefined);
      const leaf: ParquetLeaf =
        typeof first === 'number'
          ? 'DOUBLE'
          : typeof first === 'bigint'
            ? 'INT64'
            : typeof first === 'boolean'
              ? 'BOOLEAN'
              : 'STRING';
      return { name, leaf, list: false, required: false };
    }
    default:
      return parquetTypeOf(name, column.kind);
  }
}

/** The flat schema hyparquet-writer takes, lists in the standard 3-level form. */
export function schemaElements(types: readonly ParquetColumnType[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: types.length }];
  for (const { name, leaf, list, required } of types) {
    const repetition_type = required ? 'REQUIRED' : 'OPTIONAL';
    const element: SchemaElement =
      leaf === 'STRING'
        ? { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type }
        : { name, type: leaf, repetition_type };
    if (!list) {
      out.push(element);
      continue;
    }
    // https://github.com/apache/parquet-format/blob/master/LogicalTypes.md#lists
    out.push(
      { name, repetition_type, converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { ...element, name: 'element', repetition_type: 'REQUIRED' },
    );
  }
  return out;
}
