/**
 * Request bodies for one model and row count, written once to files the load generators read: V2
 * JSON, V2 JSON + binary tensor data (Inference-Header-Content-Length), and the raw FP32 bytes of a
 * gRPC ModelInfer `raw_input_contents`. Every protocol carries the same numbers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchModel } from './models.js';

export interface Payloads {
  readonly rows: number;
  readonly shape: readonly [number, number];
  readonly values: Float32Array;
  readonly json: Buffer;
  readonly jsonFile: string;
  readonly binary: Buffer;
  readonly binaryFile: string;
  /** Bytes of the JSON header at the start of `binary`. */
  readonly binaryHeaderLength: number;
  /** Little-endian FP32 bytes of the input tensor. */
  readonly raw: Buffer;
  readonly rawFile: string;
}

export async function writePayloads(model: BenchModel, rows: number, dir: string): Promise<Payloads> {
  const shape = [rows, model.features] as const;
  // Four decimals, as features usually arrive; the FP32 copy holds the same values.
  let seed = 12345;
  const numbers: number[] = [];
  for (let i = 0; i < rows * model.features; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    numbers.push(Math.round((seed / 2 ** 32) * 10000) / 10000);
  }
  const values = Float32Array.from(numbers);
  const json = Buffer.from(
    JSON.stringify({ inputs: [{ name: model.inputName, shape, datatype: 'FP32', data: numbers }] }),
  );
  const raw = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  // Triton's binary tensor data extension: inputs carry binary_data_size, the request asks for binary outputs.
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: model.inputName, shape, datatype: 'FP32', parameters: { binary_data_size: raw.byteLength } },
      ],
      parameters: { binary_data_output: true },
    }),
  );
  const binary = Buffer.concat([header, raw]);
  const base = join(dir, `${model.name}-${rows}`);
  await writeFile(`${base}.json`, json);
  await writeFile(`${base}.bin`, binary);
  await writeFile(`${base}.raw`, raw);
  return {
    rows,
    shape,
    values,
    json,
    jsonFile: `${base}.json`,
    binary,
    binaryFile: `${base}.bin`,
    binaryHeaderLength: header.byteLength,
    raw,
    rawFile: `${base}.raw`,
  };
}
