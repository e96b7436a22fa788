/**
 * Model outputs → output columns, and key columns carried through for the rows that were sent.
 * A [-1] or [-1, 1] output becomes a scalar column, anything wider a list column of its row width.
 */
import { BerthError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { Column } from './records.js';

/** One column per output tensor, named after it; every tensor must hold `rows` rows. */
export function outputColumns(outputs: readonly Tensor[], rows: number): Map<string, Column> {
  const columns = new Map<string, Column>();
  for (const tensor of outputs) {
    if (tensor.datatype === 'BYTES') {
      const data = tensor.data as Uint8Array[];
      columns.set(tensor.name, {
        kind: 'string',
        values: data.map((bytes) => Buffer.from(bytes).toString('utf8')),
      });
      continue;
    }
    const data = tensor.data as Exclude<Tensor['data'], Uint8Array[]>;
    if (tensor.shape[0] !== rows || (rows > 0 && data.length % rows !== 0)) {
      throw new BerthError(
        'INFERENCE_FAILED',
        `output "${tensor.name}" has shape [${tensor.shape.join(', ')}] for a batch of ${rows} rows`,
      );
    }
    const width =
      rows === 0
        ? Math.max(
            1,
            tensor.shape.slice(1).reduce((a, b) => a * b, 1),
          )
        : data.length / rows;
    columns.set(tensor.name, toColumn(tensor.datatype, data, width));
  }
  return columns;
}

function toColumn(
  datatype: Tensor['datatype'],
  data: Exclude<Tensor['data'], Uint8Array[]>,
  width: number,
): Column {
  if (width === 1) {
    if (data instanceof BigInt64Array) return { kind: 'bigint', values: data };
    if (data instanceof BigUint64Array) return { kind: 'bigint', values: BigInt64Array.from(data) };
    if (datatype === 'BOOL') return { kind: 'boolean', values: data as Uint8Array };
    if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)
      return { kind: 'number', values: data };
    return { kind: 'number', values: Float64Array.from(data as ArrayLike<number>) };
  }
  if (data instanceof Float32Array || data instanceof Float64Array)
    return { kind: 'list', values: data, width };
  const values = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = Number(data[i]);
  return { kind: 'list', values, width };
}

/** The given rows of a column, in order (key columns of the rows that were sent). */
export function gatherRows(column: Column, rows: Int32Array): Column {
  switch (column.kind) {
    case 'number': {
      const values = new (column.values.constructor as Float64ArrayConstructor)(rows.length);
      rows.forEach((row, i) => (values[i] = column.values[row]!));
      return { kind: 'number', values };
    }
    case 'bigint':
      return { kind: 'bigint', values: BigInt64Array.from(rows, (row) => column.values[row]!) };
    case 'boolean':
      return { kind: 'boolean', values: Uint8Array.from(rows, (row) => column.values[row]!) };
    case 'string':
      return { kind: 'string', values: Array.from(rows, (row) => column.values[row] ?? null) };
    case 'mixed':
      return { kind: 'mixed', values: Array.from(rows, (row) => column.values[row]) };
    case 'list': {
      const { width } = column;
      const values = new (column.values.constructor as Float64ArrayConstructor)(rows.length * width);
      rows.forEach((row, i) => values.set(column.values.subarray(row * width, (row + 1) * width), i * width));
      return { kind: 'list', values, width };
    }
  }
}

/** One cell as plain JSON-able data (rejects files name rows by their key values). */
export function cellValue(column: Column | undefined, row: number): unknown {
  if (column === undefined) return null;
  switch (column.kind) {
    case 'bigint': {
      const value = column.values[row]!;
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    }
    case 'boolean':
      return column.values[row] === 1;
    case 'list':
      return Array.from(column.values.subarray(row * column.width, (row + 1) * column.width));
    case 'mixed': {
      const value = column.values[row];
      return typeof value === 'bigint' ? value.toString() : (value ?? null);
    }
    default:
      return column.values[row] ?? null;
  }
}
