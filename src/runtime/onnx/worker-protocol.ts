/**
 * Messages between the main thread (worker-pool.ts) and an instance's worker (onnx-worker.ts), and
 * the rules for moving tensor data between them with as few copies as possible.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ErrorId } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { SessionSignature } from './instance-pool.js';
import type { NumericData, PreparedInput } from './tensor-convert.js';

/** `workerData` of an instance's worker. */
export interface WorkerInit {
  readonly file: string;
  readonly options: InferenceSession.SessionOptions;
  /** Int32Array(1) over a SharedArrayBuffer: runs in progress across the model's instances. */
  readonly running: Int32Array;
}

export type ToWorker =
  | { readonly type: 'run'; readonly inputs: readonly PreparedInput[]; readonly fetches: readonly string[] }
  | { readonly type: 'close' };

export type FromWorker =
  | ({ readonly type: 'ready' } & SessionSignature)
  | { readonly type: 'load-failed'; readonly message: string }
  | {
      readonly type: 'result';
      readonly outputs: readonly Tensor[];
      readonly computeMs: number;
      readonly concurrent: number;
    }
  /** `id` is set when the worker had already classified the failure as a BerthError. */
  | { readonly type: 'failed'; readonly message: string; readonly id?: ErrorId };

/**
 * The inputs as they are posted to the worker, with the buffers to transfer. The caller's buffers
 * are never transferred: a transfer detaches them, and the caller may still hold them (a view into
 * a request body, a batch being split, a warm-up tensor). So numeric data is copied once on the
 * way, by the cheapest route for the event loop, measured here (Node 20, 256 KiB FP32 batch):
 *  - a view that is most of its buffer (a decoded JSON tensor, a batch the batcher concatenated)
 *    is posted as is: the structured clone copies it into the message (~13 µs) and the worker
 *    thread allocates the copy it receives, off the event loop;
 *  - a small view into a larger buffer (a binary request body) is sliced first and the slice is
 *    transferred, since a structured clone would copy the whole underlying buffer. Allocating a
 *    fresh buffer is the slow part on this thread (~150 µs for 256 KiB, page faults), which is
 *    why it is not the default route.
 * Memory shared with the caller (a SharedArrayBuffer) is always sliced, so the run sees a snapshot.
 */
export function inputsForWorker(inputs: readonly PreparedInput[]): {
  inputs: readonly PreparedInput[];
  transfer: ArrayBuffer[];
} {
  const transfer: ArrayBuffer[] = [];
  const posted = inputs.map((input) => {
    if (Array.isArray(input.data)) return input; // strings are cloned; there is nothing to transfer
    const data = input.data as NumericData;
    if (data.buffer instanceof ArrayBuffer && data.byteLength * 2 >= data.buffer.byteLength) return input;
    const copy = data.slice();
    transfer.push(copy.buffer);
    return { ...input, data: copy };
  });
  return { inputs: posted, transfer };
}

/**
 * Buffers of the outputs to transfer back: every distinct one, since the worker keeps nothing.
 * onnxruntime-node gives every output (and TextEncoder every BYTES element) a buffer of its own, so
 * results move without a copy; a view into a larger buffer moves that buffer with it.
 */
export function outputTransferList(outputs: readonly Tensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: ArrayBufferView): void => {
    if (view.buffer instanceof ArrayBuffer) buffers.add(view.buffer);
  };
  for (const output of outputs) {
    if (Array.isArray(output.data)) (output.data as Uint8Array[]).forEach(add);
    else add(output.data as ArrayBufferView);
  }
  return [...buffers];
}
