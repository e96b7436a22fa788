import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { runTrainer, type TrainerSpec } from '../../../../src/jobs/train/trainer-process.js';
import { ManualClock } from '../../../support/manual-clock.js';
import { goneWithin, isAlive } from '../../../support/process-state.js';

/** Collects what is written, and resolves `waitFor(text)` once it has appeared (no polling on time). */
class Capture extends Writable {
  text = '';
  #waiters: Array<{ text: string; resolve: () => void }> = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!this.text.includes(waiter.text)) return true;
      waiter.resolve();
      return false;
    });
    callback();
  }
  waitFor(text: string): Promise<void> {
    if (this.text.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }
}

// A child that starts a grandchild in its group, says both pids, then waits for ever.
const TREE = `
import { spawn } from 'node:child_process';
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => console.log('child got SIGTERM'));
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
console.log('tree ' + process.pid + ' ' + grandchild.pid);
setInterval(() => {}, 1000);
`;

describe('runTrainer: the command in its own process group', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-trainer-'));
    await writeFile(join(base, 'tree.mjs'), TREE);
    await writeFile(
      join(base, 'talk.mjs'),
      "console.log('one'); console.error('two'); process.stdout.write('no newline');\n",
    );
  });
  after(() => rm(base, { recursive: true, force: true }));

  const spec = (command: string[], extra: Partial<TrainerSpec> = {}) => {
    const stream = new Capture();
    const clock = new ManualClock();
    const full: TrainerSpec = {
      command,
      cwd: base,
      env: { ...process.env, ...((extra.env as object) ?? {}) },
      logFile: join(base, `log-${Math.random().toString(36).slice(2)}.log`),
      stream,
      timeoutMs: 60_000,
      clock,
      graceMs: 5_000,
      ...extra,
    };
    return { stream, clock, spec: full };
  };

  const treePids = async (stream: Capture) => {
    await stream.waitFor('tree ');
    const match = /tree (\d+) (\d+)/.exec(stream.text);
    assert.ok(match);
    return { child: Number(match[1]), grandchild: Number(match[2]) };
  };

  it('streams every line with the prefix and keeps them unprefixed in the log', async () => {
    const { stream, spec: one } = spec([process.execPath, 'talk.mjs']);
    await runTrainer(one);
    const lines = stream.text.split('\n').filter(Boolean).sort();
    assert.deepEqual(lines, ['train| no newline', 'train| one', 'train| two']);
    const log = (await readFile(one.logFile, 'utf8')).split('\n').filter(Boolean).sort();
    assert.deepEqual(log, ['no newline', 'one', 'two']);
  });

  it('a non-zero exit is TRAIN_COMMAND_FAILED with the code', async () => {
    const { spec: one } = spec([process.execPath, '-e', 'process.exit(3)']);
    await assert.rejects(runTrainer(one), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'TRAIN_COMMAND_FAILED');
      assert.match(error.message, /exited with code 3; expected exit code 0/);
      return true;
    });
  });

  it('a program that does not exist is TRAIN_COMMAND_FAILED saying it could not start', async () => {
    const { spec: one } = spec(['berth-no-such-program']);
    await assert.rejects(runTrainer(one), /could not start \(ENOENT\)/);
  });

  it('on timeout the whole tree is stopped, grandchild included', async () => {
    const { stream, clock, spec: one } = spec([process.execPath, 'tree.mjs'], { timeoutMs: 7_200_000 });
    const running = runTrainer(one);
    const pids = await treePids(stream);
    assert.ok(isAlive(pids.grandchild));
    clock.advance(7_200_000);
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'TRAIN_TIMEOUT');
      assert.match(error.message, /timeout of 7200000 ms/);
      return true;
    });
    assert.ok(await goneWithin(pids.child), 'pids.child is gone');
    assert.ok(await goneWithin(pids.grandchild), 'pids.grandchild is gone');
    assert.equal(clock.pendingTimers, 0);
  });

  it('a tree that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const {
      stream,
      clock,
      spec: one,
    } = spec([process.execPath, 'tree.mjs'], {
      timeoutMs: 1_000,
      env: { ...process.env, IGNORE_TERM: '1' },
    });
    let settled = false;
    const running = runTrainer(one).finally(() => (settled = true));
    const pids = await treePids(stream);
    clock.advance(1_000);
    await stream.waitFor('child got SIGTERM');
    assert.equal(settled, false);
    assert.ok(isAlive(pids.child));
    clock.advance(5_000);
    await assert.rejects(running, /TRAIN_TIMEOUT|still running after the timeout/);
    assert.ok(await goneWithin(pids.child), 'pids.child is gone');
    assert.ok(await goneWithin(pids.grandchild), 'pids.grandchild is gone');
  });

  it('aborting (SIGINT / SIGTERM to berth) stops the tree: TRAIN_INTERRUPTED', async () => {
    const stop = new AbortController();
    const { stream, spec: one } = spec([process.execPath, 'tree.mjs'], { signal: stop.signal });
    const running = runTrainer(one);
    const pids = await treePids(stream);
    stop.abort();
    await assert.rejects(running, (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'TRAIN_INTERRUPTED');
      return true;
    });
    assert.ok(await goneWithin(pids.grandchild), 'pids.grandchild is gone');
  });
});
