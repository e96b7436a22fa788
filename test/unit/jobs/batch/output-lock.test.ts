import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { acquireLease, startHeartbeat } from '../../../../src/jobs/batch/output-lock.js';
import { FileStore } from '../../../../src/storage/backends/file-store.js';
import { ManualClock, turnsUntil } from '../../../support/manual-clock.js';

describe('output leases', () => {
  let dir: string;
  let store: FileStore;
  let wall = 0;
  const options = (runId: string) => ({
    store,
    path: 'lock.json',
    runId,
    ttlMs: 60_000,
    wallClock: () => wall,
  });
  const held = async () =>
    JSON.parse(await readFile(join(dir, 'lock.json'), 'utf8')) as { runId: string; heartbeatMs: number };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-lease-'));
    await mkdir(dir, { recursive: true });
    store = new FileStore(pathToFileURL(dir));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is exclusive while fresh, taken over once stale, and released by its holder only', async () => {
    wall = 1_000_000;
    const first = await acquireLease(options('a'));
    wall += 60_000;
    await assert.rejects(
      acquireLease(options('b')),
      (error: unknown) => error instanceof BerthError && error.id === 'BATCH_OUTPUT_LOCKED',
    );
    wall += 1;
    const second = await acquireLease(options('b'));
    assert.equal((await held()).runId, 'b');
    await first.release(); // a's release leaves b's lease alone
    assert.equal((await held()).runId, 'b');
    await assert.rejects(first.renew(), /run a lost its lease/);
    await second.release();
    await assert.rejects(readFile(join(dir, 'lock.json')));
  });

  it('treats an unreadable lease file as stale', async () => {
    await writeFile(join(dir, 'lock.json'), '{not json');
    const lease = await acquireLease(options('c'));
    assert.equal((await held()).runId, 'c');
    await lease.release();
  });

  it('renews on the heartbeat, so a long run stays fresh, and reports a lost lease once', async () => {
    const clock = new ManualClock();
    wall = 5_000_000;
    const lease = await acquireLease(options('d'));
    const lost: unknown[] = [];
    const heartbeat = startHeartbeat(lease, clock, 20_000, (error) => lost.push(error));
    wall += 20_000;
    clock.advance(20_000);
    await turnsUntil(() => clock.pendingTimers === 1 && lost.length === 0);
    assert.deepEqual(await held(), { runId: 'd', heartbeatMs: 5_020_000, pid: process.pid });
    // Taken by another run: the next beat finds its id and reports the loss.
    await rm(join(dir, 'lock.json'));
    await writeFile(join(dir, 'lock.json'), JSON.stringify({ runId: 'e', heartbeatMs: wall }));
    clock.advance(20_000);
    await turnsUntil(() => lost.length === 1);
    assert.match(String((lost[0] as Error).message), /run d lost its lease/);
    heartbeat.stop();
    assert.equal(clock.pendingTimers, 0);
  });
});
