/** Small helpers for storage tests: collect a stream, match a BerthError by id, make temp folders. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../src/core/errors.js';
import type { ErrorId } from '../../src/core/errors.js';

/** All bytes of a stream, as one Buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * A validator for assert.rejects: a BerthError with this id whose message contains each of
 * `mentions` (so tests also pin down that messages name the URI or the value at fault).
 */
export function berthError(id: ErrorId, ...mentions: string[]): (error: unknown) => boolean {
  return (error) => {
    if (!(error instanceof BerthError)) throw new Error(`expected BerthError ${id}, got ${String(error)}`);
    if (error.id !== id) throw new Error(`expected BerthError ${id}, got ${error.id}: ${error.message}`);
    for (const text of mentions) {
      if (!error.message.includes(text)) throw new Error(`expected "${error.message}" to mention "${text}"`);
    }
    return true;
  };
}

/** A fresh temp folder and its clean-up. */
export async function tempFolder(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `berth-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
