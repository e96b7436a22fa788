/**
 * The seam between the model adapter and where its sessions live: on the event loop
 * (inline-pool.ts) or one per worker thread (worker-pool.ts). Both take prepared inputs and
 * return core tensors, so the adapter and its tests are the same for both.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Tensor } from '../../core/tensor.js';
import type { PreparedInput } from './tensor-convert.js';

/** Inputs and outputs as ONNX Runtime reports them, read from one session of the model. */
export interface SessionSignature {
  readonly inputs: readonly InferenceSession.ValueMetadata[];
  readonly outputs: readonly InferenceSession.ValueMetadata[];
}

/** What a worker instance reports after each successful run (for metrics and tests). */
export interface RunReport {
  /** Which instance ran it, from 0. */
  readonly instance: number;
  /** Time inside `session.run`, measured in the worker. */
  readonly computeMs: number;
  /** Runs in progress on this model's instances when this one finished, itself included. */
  readonly concurrent: number;
}

/** Where crashes and restarts are reported; a pino logger fits. */
export interface RuntimeLog {
  info(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * A model's sessions. `run` goes to an idle instance or waits its turn (FIFO); it rejects with a
 * plain Error for ONNX Runtime failures and a BerthError for anything Berth already classified.
 * Input data may be read until the run settles, so callers leave it unchanged until then (as
 * ONNX Runtime itself requires). `close` lets accepted runs finish, then releases every session.
 */
export interface InstancePool {
  /** Sessions held. */
  readonly size: number;
  /** Runs that can execute at the same time. */
  readonly concurrency: number;
  readonly signature: SessionSignature;
  /** False once no instance can run again; the model must be loaded afresh. */
  readonly usable: boolean;
  run(inputs: readonly PreparedInput[], fetches: readonly string[], signal?: AbortSignal): Promise<Tensor[]>;
  close(): Promise<void>;
}
