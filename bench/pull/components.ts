/**
 * The local parts of a pull, timed alone on this machine: sha256 over bytes in memory, and writing
 * a file as a download does (64 KiB positional writes, the size node:http hands over, then
 * fdatasync). With the network floor they bound what `localize` can reach. (Isolated write
 * timings depend heavily on what the file system did just before; the pulls themselves are the
 * measurement that counts.)
 */
import { createHash } from 'node:crypto';
import { FileWriter, WriteBatch } from '../../src/repository/download/file-writer.js';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** One timing of one local part. */
export interface ComponentSample {
  readonly component: 'sha256' | 'disk-write';
  readonly repeat: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly mbps: number;
  /** CPU seconds of this process, all threads (the thread pool's write calls count). */
  readonly cpuS: number;
}

const CHUNK = 64 * 1024;

/** sha256 over `data` in 1 MiB updates (the size of RangeHasher's read-back buffer). */
export function timeSha256(data: Buffer, repeat: number): ComponentSample {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const hash = createHash('sha256');
  for (let at = 0; at < data.byteLength; at += 1024 * 1024)
    hash.update(data.subarray(at, Math.min(data.byteLength, at + 1024 * 1024)));
  hash.digest();
  return sample('sha256', repeat, data.byteLength, started, cpu);
}

/**
 * Writes `data` to a new file under `dir` as a download does (FileWriter: 1 MiB batches of 64 KiB
 * chunks, several positional writes in flight, background fdatasync), then removes it.
 */
export async function timeDiskWrite(data: Buffer, dir: string, repeat: number): Promise<ComponentSample> {
  const path = join(dir, `disk-write-${repeat}.bin`);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const handle = await open(path, 'wx');
  const writer = new FileWriter(handle);
  const batch = new WriteBatch();
  try {
    let position = 0;
    for (let at = 0; at < data.byteLength; at += CHUNK) {
      if (!batch.add(data.subarray(at, Math.min(data.byteLength, at + CHUNK)))) continue;
      const from = position;
      position += batch.bytes;
      await writer.write(batch, from, () => undefined);
    }
    await writer.write(batch, position, () => undefined);
    await writer.finish();
  } finally {
    await writer.settle();
    await handle.close();
  }
  const result = sample('disk-write', repeat, data.byteLength, started, cpu);
  await rm(path, { force: true });
  return result;
}

function sample(
  component: ComponentSample['component'],
  repeat: number,
  bytes: number,
  started: number,
  cpu: NodeJS.CpuUsage,
): ComponentSample {
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    component,
    repeat,
    bytes,
    seconds,
    mbps: bytes / 1e6 / seconds,
    cpuS: (used.user + used.system) / 1e6,
  };
}
