/**
 * The entry point of one instance's worker thread (`execution: worker`): it owns one
 * InferenceSession, so `session.run` blocks this thread instead of the event loop. It runs one
 * request at a time, as worker-pool.ts only sends a run to an idle instance.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { InferenceSession, type OnnxValue } from 'onnxruntime-node';
import { BerthError } from '../../core/errors.js';
import { collectOutputs, toOrtTensor } from './tensor-convert.js';
import { outputTransferList, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('onnx-worker.js runs as a worker thread (see worker-pool.ts)');
const init = workerData as WorkerInit;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(message, transfer);
  } catch (error) {
    // A buffer that cannot be detached (none today) is still delivered, by copy.
    if (transfer.length === 0) throw error;
    port!.postMessage(message);
  }
}

async function run(message: Extract<ToWorker, { type: 'run' }>, session: InferenceSession): Promise<void> {
  Atomics.add(init.running, 0, 1);
  try {
    const feeds: Record<string, OnnxValue> = {};
    for (const input of message.inputs) feeds[input.name] = toOrtTensor(input);
    const started = performance.now();
    const results = await session.run(feeds, message.fetches);
    const computeMs = performance.now() - started;
    const concurrent = Atomics.load(init.running, 0);
    const outputs = collectOutputs(results, message.fetches);
    post({ type: 'result', outputs, computeMs, concurrent }, outputTransferList(outputs));
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    post({
      type: 'failed',
      message: failure.message,
      ...(error instanceof BerthError ? { id: error.id } : {}),
    });
  } finally {
    Atomics.sub(init.running, 0, 1);
  }
}

const session = await InferenceSession.create(init.file, init.options).catch((error: unknown) => {
  post({ type: 'load-failed', message: error instanceof Error ? error.message : String(error) });
  return undefined; // nothing will listen on the port, so the thread ends and the pool sees it exit
});

if (session !== undefined) {
  post({ type: 'ready', inputs: session.inputMetadata, outputs: session.outputMetadata });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'run') void run(message, session);
    else void session.release().finally(() => port.close());
  });
}
