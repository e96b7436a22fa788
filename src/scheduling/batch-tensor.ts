/**
 * Concatenation of several requests' tensors on dimension 0 and the split of a batch's outputs
 * back into per-request tensors. One allocation per batched input (typed-array `set` at offsets);
 * outputs are split into `subarray` views of the batch's arrays, so splitting copies nothing.
 */
import { allocateData, type Tensor, type TensorData, type TensorSpec } from '../core/tensor.js';

/** Any fixed-width data array; `set` and `subarray` are all this file needs of it. */
type NumericData = Exclude<TensorData, Uint8Array[]>;

/**
 * Concatenates same-named tensors on dimension 0. Every part must have the same datatype and the
 * same dimensions after the first (the batcher only groups requests whose shape keys agree).
 */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0];
  if (first === undefined) throw new Error('concatRows needs at least one tensor');
  let rows = 0;
  let elements = 0;
  for (const part of parts) {
    rows += part.shape[0] ?? 0;
    elements += part.data.length;
  }
  const shape = [rows, ...first.shape.slice(1)];
  if (first.datatype === 'BYTES') {
    const data = new Array<Uint8Array>(elements);
    let index = 0;
    for (const part of parts) for (const element of part.data as Uint8Array[]) data[index++] = element;
    return { name: first.name, datatype: first.datatype, shape, data };
  }
  const data = allocateData(first.datatype, elements) as NumericData;
  let offset = 0;
  for (const part of parts) {
    // Every part holds the same array type as `data` (same datatype); the cast only picks one signature.
    (data as Float32Array).set(part.data as Float32Array, offset);
    offset += part.data.length;
  }
  return { name: first.name, datatype: first.datatype, shape, data };
}

/** Splits a tensor on dimension 0 into consecutive parts of `rowCounts` rows, as views where possible. */
export function splitRows(tensor: Tensor, rowCounts: readonly number[]): Tensor[] {
  const rowShape = tensor.shape.slice(1);
  let perRow = 1;
  for (const dim of rowShape) perRow *= dim;
  const parts: Tensor[] = [];
  let start = 0;
  for (const rows of rowCounts) {
    const end = start + rows * perRow;
    const data =
      tensor.datatype === 'BYTES'
        ? (tensor.data as Uint8Array[]).slice(start, end)
        : (tensor.data as Float32Array).subarray(start, end);
    parts.push({ name: tensor.name, datatype: tensor.datatype, shape: [rows, ...rowShape], data });
    start = end;
  }
  return parts;
}

/** Concatenates each input across requests; every request has the same input names (validated). */
export function concatInputs(requests: readonly ReadonlyMap<string, Tensor>[]): Map<string, Tensor> {
  const first = requests[0];
  if (first === undefined) throw new Error('concatInputs needs at least one request');
  const batch = new Map<string, Tensor>();
  for (const name of first.keys()) {
    batch.set(name, concatRows(requests.map((inputs) => inputs.get(name)!)));
  }
  return batch;
}

/**
 * Splits a batch's outputs back by each request's row count. An output is split only when the model
 * declares its first dimension dynamic and it has as many rows as the batch; any other output (a
 * fixed-shape or scalar-like result such as `[1]`, or one whose first dimension is not the batch)
 * cannot be attributed to rows, so every request gets it whole — as it would if it ran alone with
 * the others' rows. Models with such outputs that must not see other requests' rows should turn
 * batching off in berth.yaml (`batching.enabled: false`).
 */
export function splitOutputs(
  outputs: ReadonlyMap<string, Tensor>,
  rowCounts: readonly number[],
  specs: readonly TensorSpec[],
): Array<Map<string, Tensor>> {
  let totalRows = 0;
  for (const rows of rowCounts) totalRows += rows;
  const perRequest = rowCounts.map(() => new Map<string, Tensor>());
  for (const [name, tensor] of outputs) {
    const spec = specs.find((candidate) => candidate.name === name);
    const batched = (spec === undefined || spec.shape[0] === -1) && tensor.shape[0] === totalRows;
    const parts = batched ? splitRows(tensor, rowCounts) : undefined;
    perRequest.forEach((map, index) => map.set(name, parts?.[index] ?? tensor));
  }
  return perRequest;
}
