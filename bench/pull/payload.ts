/**
 * The model folder the pull benchmark publishes: one large ONNX model whose single initializer is
 * seeded pseudo-random bytes (incompressible, reproducible). A pull only moves bytes and checks
 * them against MANIFEST.json; the time-to-ready case also has `berth serve` load and warm it up.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from '../../test/fixtures/onnx/builder.js';

/** The file name inside the published version. */
export const MODEL_FILE = 'model.onnx';

/** `bytes` of xorshift32 output from `seed` (Marsaglia 2003, shifts 13/17/5); ~0.3 s per 256 MiB. */
export function xorshiftBytes(bytes: number, seed = 0x9e3779b9): Buffer {
  const buffer = Buffer.alloc(bytes);
  const words = new Uint32Array(buffer.buffer, buffer.byteOffset, Math.floor(bytes / 4));
  let state = seed >>> 0 || 1;
  for (let index = 0; index < words.length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words[index] = state;
  }
  for (let index = words.length * 4; index < bytes; index += 1) buffer[index] = index & 0xff;
  return buffer;
}

/**
 * An ONNX model of about `bytes` bytes: `index` INT64 [batch] → Gather(weights) → `value` FP32
 * [batch], the weights one FP32 initializer of xorshift bytes (some are NaN: Gather only copies
 * them). Loading it reads every byte; an inference reads a few, so warm-up stays cheap.
 */
export function onnxPayload(bytes: number): Buffer {
  const raw = xorshiftBytes(Math.floor(bytes / 4) * 4);
  const weights = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const model = new GraphBuilder('pull_bench')
    .input('index', 'INT64', [-1])
    .initializer('weights', 'FP32', [weights.length], weights)
    .node('Gather', ['weights', 'index'], ['value'], { axis: 0 })
    .output('value', 'FP32', [-1])
    .toBytes();
  return Buffer.from(model.buffer, model.byteOffset, model.byteLength);
}

/** Writes `data` as `<dir>/model.onnx` and returns the folder to publish. */
export async function writeModelFolder(dir: string, data: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), data);
  return dir;
}
