import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { IpcChannel } from '../../../../src/server/cluster/ipc-channel.js';

/** Two channel ends joined in memory, delivering asynchronously as IPC does (structured clone). */
function pair(): [IpcChannel, IpcChannel] {
  const listeners: Array<(message: unknown) => void> = [];
  const end = (other: number) => ({
    send: (message: unknown) => {
      const copy = structuredClone(message);
      setImmediate(() => listeners[other]!(copy));
    },
    onMessage: (listener: (message: unknown) => void) => {
      listeners[1 - other] = listener;
    },
  });
  return [new IpcChannel(end(1)), new IpcChannel(end(0))];
}

describe('IpcChannel', () => {
  it('answers a request with the handler result', async () => {
    const [primary, worker] = pair();
    primary.handle('double', (body) => (body as number) * 2);
    assert.equal(await worker.request<number>('double', 21), 42);
  });

  it('a BerthError crosses with its id, so the asking side answers with the same status', async () => {
    const [primary, worker] = pair();
    primary.handle('load', () => {
      throw new BerthError('MODEL_NOT_FOUND', 'no model "x" in file:///models');
    });
    await assert.rejects(worker.request('load'), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'MODEL_NOT_FOUND');
      assert.equal(error.message, 'no model "x" in file:///models');
      return true;
    });
  });

  it('a request nobody handles is an INTERNAL error, not a hang', async () => {
    const [, worker] = pair();
    await assert.rejects(
      worker.request('nothing'),
      (error: unknown) => (error as BerthError).id === 'INTERNAL',
    );
  });

  it('notices reach their handler without an answer', async () => {
    const [primary, worker] = pair();
    const seen = new Promise((resolve) => primary.handle('ready', resolve));
    worker.notify('ready', { ready: true });
    assert.deepEqual(await seen, { ready: true });
  });

  it('closing fails what is still waiting, and later requests at once', async () => {
    const [primary, worker] = pair();
    primary.handle('slow', () => new Promise(() => undefined));
    const waiting = worker.request('slow');
    worker.close(new BerthError('WORKER_UNAVAILABLE', 'worker 1 exited'));
    await assert.rejects(waiting, /worker 1 exited/);
    await assert.rejects(worker.request('slow'), /worker 1 exited/);
  });

  it('ignores messages that are not its own', async () => {
    const [primary, worker] = pair();
    primary.handle('ping', () => 'pong');
    (worker as unknown as { receive(message: unknown): void }).receive({ type: 'prom-client:getMetricsReq' });
    assert.equal(await worker.request('ping'), 'pong');
  });
});
