import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FileWriter,
  SYNC_EVERY_BYTES,
  WRITE_BATCH_BYTES,
  WRITES_IN_FLIGHT,
  WriteBatch,
} from '../../../src/repository/download/file-writer.js';
import { tempFolder } from '../../support/store-assertions.js';

/** A FileHandle stand-in whose writes wait until released, counting what is pending. */
function heldHandle(real: FileHandle): {
  handle: FileHandle;
  pending: () => number;
  release: () => void;
  syncs: () => number;
} {
  const waiting: (() => void)[] = [];
  let syncs = 0;
  const handle = {
    writev: async (chunks: Buffer[], position: number) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return real.writev(chunks, position);
    },
    write: real.write.bind(real),
    datasync: async () => {
      syncs += 1;
      return real.datasync();
    },
  } as unknown as FileHandle;
  return {
    handle,
    pending: () => waiting.length,
    release: () => {
      for (const resolve of waiting.splice(0)) resolve();
    },
    syncs: () => syncs,
  };
}

function batchOf(bytes: Buffer): WriteBatch {
  const batch = new WriteBatch();
  batch.add(bytes);
  return batch;
}

describe('FileWriter', () => {
  it('keeps several writes in flight, then waits: the caller reads on while the disk works', async () => {
    const folder = await tempFolder('file-writer');
    const real = await open(join(folder.path, 'f'), 'wx');
    try {
      const held = heldHandle(real);
      const writer = new FileWriter(held.handle);
      let done = 0;
      for (let index = 0; index < WRITES_IN_FLIGHT - 1; index += 1)
        await writer.write(batchOf(Buffer.alloc(4, index)), index * 4, (bytes) => (done += bytes));
      assert.equal(held.pending(), WRITES_IN_FLIGHT - 1, 'no write was awaited');
      let returned = false;
      const last = writer
        .write(batchOf(Buffer.alloc(4, 0xff)), (WRITES_IN_FLIGHT - 1) * 4, (bytes) => (done += bytes))
        .then(() => (returned = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(returned, false, 'the bound holds the caller back');
      held.release();
      await last;
      held.release();
      await writer.finish();
      assert.equal(done, WRITES_IN_FLIGHT * 4);
      const file = await readFile(join(folder.path, 'f'));
      assert.equal(file.length, WRITES_IN_FLIGHT * 4);
      assert.equal(file[0], 0);
      assert.equal(file[(WRITES_IN_FLIGHT - 1) * 4], 0xff, 'each batch went to its own position');
    } finally {
      await real.close();
      await folder.remove();
    }
  });

  it('syncs in the background every SYNC_EVERY_BYTES, and once more at the end', async () => {
    const folder = await tempFolder('file-writer-sync');
    const real = await open(join(folder.path, 'f'), 'wx');
    try {
      const held = heldHandle(real);
      const writer = new FileWriter(held.handle);
      const block = Buffer.alloc(WRITE_BATCH_BYTES);
      const blocks = (2 * SYNC_EVERY_BYTES) / WRITE_BATCH_BYTES;
      for (let index = 0; index < blocks; index += 1) {
        const writing = writer.write(batchOf(block), index * WRITE_BATCH_BYTES, () => undefined);
        held.release();
        await writing;
        held.release();
      }
      await writer.settle();
      assert.ok(held.syncs() >= 1, `background syncs: ${held.syncs()}`);
      const before = held.syncs();
      await writer.finish();
      assert.equal(held.syncs(), before + 1);
    } finally {
      await real.close();
      await folder.remove();
    }
  });

  it('throws a failed write to the next caller, and from finish', async () => {
    const failing = {
      writev: () => Promise.reject(new Error('EIO: disk on fire')),
      datasync: () => Promise.resolve(),
    } as unknown as FileHandle;
    const writer = new FileWriter(failing);
    await writer.write(batchOf(Buffer.from('abc')), 0, () => assert.fail('not written'));
    await writer.settle();
    await assert.rejects(
      writer.write(batchOf(Buffer.from('def')), 3, () => undefined),
      /disk on fire/,
    );
    await assert.rejects(writer.finish(), /disk on fire/);
  });

  it('fails the download when a background sync fails', async () => {
    const failing = {
      writev: (chunks: Buffer[]) =>
        Promise.resolve({ bytesWritten: chunks.reduce((sum, chunk) => sum + chunk.length, 0) }),
      datasync: () => Promise.reject(new Error('EIO: sync lost pages')),
    } as unknown as FileHandle;
    const writer = new FileWriter(failing);
    const block = Buffer.alloc(WRITE_BATCH_BYTES);
    for (let index = 0; index < SYNC_EVERY_BYTES / WRITE_BATCH_BYTES; index += 1)
      await writer.write(batchOf(block), index * WRITE_BATCH_BYTES, () => undefined);
    await writer.settle();
    await assert.rejects(writer.finish(), /sync lost pages/);
  });
});
