/**
 * One RecordBatch → model input tensors. A row that cannot become a tensor (missing column or
 * value, wrong type, NaN, a list of the wrong length, a fraction for an integer input) is set
 * aside with its reason and never sent; the others are packed, in order, one typed array per input.
 */
import type { DataType, Tensor, TensorData } from '../../core/tensor.js';
import type { InputBinding } from './column-plan.js';
import type { Column, RecordBatch } from './records.js';

/** A row of a batch that was set aside; `row` is its index inside the batch. */
export interface RowReject {
  readonly row: number;
  readonly reason: string;
}

/** The tensors for the kept rows, which rows those are (batch indices, ascending), and the rest. */
export interface BatchTensors {
  readonly inputs: Tensor[];
  readonly kept: Int32Array;
  readonly rejects: RowReject[];
}

/** Builds the input tensors of one batch; `allowNan` lets NaN through to float inputs. */
export function toTensors(
  batch: RecordBatch,
  bindings: readonly InputBinding[],
  options: { readonly allowNan: boolean },
): BatchTensors {
  const reasons: Array<string | undefined> = new Array<string | undefined>(batch.rows);
  // Rows the reader could not parse hold placeholders: they are rejected with the reader's reason.
  for (const reject of batch.rejects ?? []) {
    const line = reject.line !== undefined ? ` (line ${reject.line})` : '';
    reasons[reject.row - batch.firstRow] ??= `${reject.reason}${line}`;
  }
  // Values are staged as float64 first: the reasons of every input are known before packing.
  const staged = bindings.map((binding) => {
    const values = new Float64Array(batch.rows * binding.width);
    const integer = !binding.spec.datatype.startsWith('FP');
    const check = (value: number, where: string): string | undefined => {
      if (Number.isNaN(value)) return integer || !options.allowNan ? `${where} is NaN` : undefined;
      if (integer && binding.spec.datatype !== 'BOOL' && !Number.isInteger(value))
        return `${where} = ${value} is not an integer (input "${binding.spec.name}" is ${binding.spec.datatype})`;
      return undefined;
    };
    for (let row = 0; row < batch.rows; row++) {
      if (reasons[row] !== undefined) continue;
      reasons[row] = fillRow(batch, binding, row, values, check);
    }
    return values;
  });
  const keptRows: number[] = [];
  const rejects: RowReject[] = [];
  for (let row = 0; row < batch.rows; row++) {
    const reason = reasons[row];
    if (reason === undefined) keptRows.push(row);
    else rejects.push({ row, reason });
  }
  const kept = Int32Array.from(keptRows);
  const inputs = bindings.map((binding, index) => {
    const data = pack(binding.spec.datatype, staged[index]!, kept, binding.width);
    const shape =
      binding.spec.shape.length === 1 ? [kept.length] : [kept.length, ...binding.spec.shape.slice(1)];
    return { name: binding.spec.name, datatype: binding.spec.datatype, shape, data };
  });
  return { inputs, kept, rejects };
}

type Check = (value: number, where: string) => string | undefined;

/** Writes one row's values for one input into `out`; returns why it cannot, if so. */
function fillRow(
  batch: RecordBatch,
  binding: InputBinding,
  row: number,
  out: Float64Array,
  check: Check,
): string | undefined {
  const base = row * binding.width;
  if (binding.kind === 'gather') {
    for (let i = 0; i < binding.columns.length; i++) {
      const name = binding.columns[i]!;
      const value = scalarAt(batch.columns.get(name), name, row);
      if (typeof value === 'string') return value;
      const bad = check(value, `column "${name}"`);
      if (bad !== undefined) return bad;
      out[base + i] = value;
    }
    return undefined;
  }
  const name = binding.column;
  const column = batch.columns.get(name);
  if (binding.width === 1 && column?.kind !== 'list') {
    const value = scalarAt(column, name, row);
    if (typeof value === 'string') return value;
    const bad = check(value, `column "${name}"`);
    if (bad === undefined) out[base] = value;
    return bad;
  }
  return listAt(column, name, row, binding.width, out, base, check);
}

/** A scalar cell as a number, or the reason it is not one. */
function scalarAt(column: Column | undefined, name: string, row: number): number | string {
  if (column === undefined) return `column "${name}" is missing`;
  switch (column.kind) {
    case 'number':
      return column.values[row]!;
    case 'bigint':
      return Number(column.values[row]!);
    case 'boolean':
      return column.values[row]!;
    case 'string':
      return `column "${name}" holds text, expected a number`;
    case 'list':
      return `column "${name}" holds lists, expected a single number`;
    case 'mixed':
      return fromUnknown(column.values[row], `column "${name}"`);
  }
}

function fromUnknown(value: unknown, where: string): number | string {
  if (value === null || value === undefined) return `${where} is null`;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return `${where} holds a list, expected a single number`;
  return `${where} holds ${typeof value === 'string' ? 'text' : typeof value}, expected a number`;
}

function listAt(
  column: Column | undefined,
  name: string,
  row: number,
  width: number,
  out: Float64Array,
  base: number,
  check: Check,
): string | undefined {
  const where = `column "${name}"`;
  if (column === undefined) return `${where} is missing`;
  if (column.kind === 'list') {
    if (column.width !== width) return `${where} holds lists of ${column.width} values, expected ${width}`;
    for (let i = 0; i < width; i++) {
      const value = column.values[row * width + i]!;
      const bad = check(value, `${where}[${i}]`);
      if (bad !== undefined) return bad;
      out[base + i] = value;
    }
    return undefined;
  }
  if (column.kind !== 'mixed') return `${where} holds single values, expected lists of ${width}`;
  const cell = column.values[row];
  if (cell === null || cell === undefined) return `${where} is null`;
  if (!Array.isArray(cell)) return `${where} holds a single value, expected a list of ${width}`;
  if (cell.length !== width) return `${where} holds a list of ${cell.length} values, expected ${width}`;
  for (let i = 0; i < width; i++) {
    const value = fromUnknown(cell[i], `${where}[${i}]`);
    if (typeof value === 'string') return value;
    const bad = check(value, `${where}[${i}]`);
    if (bad !== undefined) return bad;
    out[base + i] = value;
  }
  return undefined;
}

/** The kept rows' staged values in the input's own array type: one allocation per input. */
function pack(datatype: DataType, staged: Float64Array, kept: Int32Array, width: number): TensorData {
  const length = kept.length * width;
  const out = allocate(datatype, length);
  for (let k = 0; k < kept.length; k++) {
    const from = kept[k]! * width;
    for (let i = 0; i < width; i++) {
      const value = staged[from + i]!;
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) out[k * width + i] = BigInt(value);
      else if (datatype === 'BOOL') (out as Uint8Array)[k * width + i] = value !== 0 ? 1 : 0;
      else (out as Float64Array)[k * width + i] = value;
    }
  }
  return out;
}

function allocate(datatype: DataType, length: number): Exclude<TensorData, Uint8Array[]> {
  switch (datatype) {
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'UINT16':
      return new Uint16Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    default:
      return new Uint8Array(length); // BOOL, UINT8
  }
}
