/**
 * The model folder the pull benchmark publishes: one large file of seeded pseudo-random bytes
 * (incompressible, reproducible). It need not be a valid ONNX model: a pull only moves bytes and
 * checks them against MANIFEST.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/** Writes `data` as `<dir>/model.onnx` and returns the folder to publish. */
export async function writeModelFolder(dir: string, data: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), data);
  return dir;
}
