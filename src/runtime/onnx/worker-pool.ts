/**
 * `execution: worker`: one worker thread per instance, each owning its own InferenceSession, so a
 * run blocks that thread and never the event loop, and N instances run N requests at once.
 *
 * Dispatch: a run goes to an idle instance; when none is idle it waits in a FIFO queue here (the
 * dynamic batcher normally keeps at most `concurrency` runs in flight, so the queue stays short).
 *
 * Crashes: a worker that exits on its own fails the run it held with INFERENCE_FAILED, is logged,
 * and is restarted in place (the session is created again from the same file). An instance that
 * crashes MAX_CONSECUTIVE_CRASHES times with no completed run in between is taken out of service;
 * when every instance is out of service, runs fail fast with MODEL_NOT_READY instead of waiting.
 *
 * Idle workers do not keep the process alive (they are unref'd between runs), so a forgotten
 * `close` cannot hang the exit; a worker with a run or a load in progress does.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { BerthError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { InstancePool, RunReport, RuntimeLog, SessionSignature } from './instance-pool.js';
import type { PreparedInput } from './tensor-convert.js';
import { inputsForWorker, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

/** The worker's entry point, next to this module in whichever folder it was compiled to. */
const WORKER_SCRIPT = new URL('./onnx-worker.js', import.meta.url);

/** Creates an instance's thread. Injected so tests (or embedders) can reach the Worker objects. */
export type SpawnWorker = (script: URL, options: WorkerOptions) => Worker;

const spawnWorker: SpawnWorker = (script, options) => new Worker(script, options);

/** Crashes in a row, with no completed run between them, after which an instance is not restarted. */
export const MAX_CONSECUTIVE_CRASHES = 3;

/** How long a closing worker may take to release its session before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000;

export interface WorkerPoolOptions {
  readonly file: string;
  readonly instances: number;
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly log: RuntimeLog;
  readonly onRun?: ((report: RunReport) => void) | undefined;
  readonly spawn?: SpawnWorker | undefined;
}

interface Job {
  readonly inputs: readonly PreparedInput[];
  readonly transfer: ArrayBuffer[];
  readonly fetches: readonly string[];
  readonly resolve: (outputs: Tensor[]) => void;
  readonly reject: (error: Error) => void;
}

type SlotState = 'starting' | 'idle' | 'busy' | 'closing' | 'closed' | 'dead';

interface Slot {
  readonly index: number;
  state: SlotState;
  worker?: Worker;
  job?: Job;
  crashes: number;
}

/** `instances` worker threads for one model file; see the module comment for dispatch and crashes. */
export class WorkerPool implements InstancePool {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  /** Runs in progress across the instances, counted by the workers themselves (RunReport.concurrent). */
  readonly #running = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  readonly #idleWaiters: Array<() => void> = [];
  #signature: SessionSignature = { inputs: [], outputs: [] };
  #closing: Promise<void> | undefined;

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: options.instances }, (_, index) => ({
      index,
      state: 'starting' as SlotState,
      crashes: 0,
    }));
  }

  /** Starts every instance, or none: if one fails to load, every worker started is terminated. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const [first, ...rest] = pool.#slots;
    try {
      // The first alone: a bad file fails in one thread, and its signature stands for all instances
      // (same file, same options). The rest load in parallel, each on its own thread.
      pool.#signature = await pool.#start(first!);
      await Promise.all(rest.map((slot) => pool.#start(slot)));
    } catch (error) {
      await pool.#terminateAll();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  get concurrency(): number {
    return this.#slots.length;
  }

  get signature(): SessionSignature {
    return this.#signature;
  }

  run(inputs: readonly PreparedInput[], fetches: readonly string[], signal?: AbortSignal): Promise<Tensor[]> {
    if (this.#closing) return Promise.reject(new Error('the sessions were released'));
    if (this.#unusable()) return Promise.reject(this.#unusableError());
    const { inputs: posted, transfer } = inputsForWorker(inputs);
    return new Promise<Tensor[]>((resolve, reject) => {
      let detach = (): void => undefined;
      const job: Job = {
        inputs: posted,
        transfer,
        fetches,
        resolve: (outputs) => (detach(), resolve(outputs)),
        reject: (error) => (detach(), reject(error)),
      };
      if (signal) {
        // A run cannot be interrupted once sent, but one still waiting for an instance can be dropped.
        const onAbort = (): void => {
          const at = this.#queue.indexOf(job);
          if (at < 0) return;
          this.#queue.splice(at, 1);
          job.reject(
            new BerthError('CANCELLED', 'the request was cancelled while it waited for an instance'),
          );
          this.#pump();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Stops new runs, lets queued and running ones finish, then releases every session and ends every thread. */
  close(): Promise<void> {
    this.#closing ??= this.#whenIdle().then(async () => {
      await Promise.all(this.#slots.map((slot) => this.#stop(slot)));
    });
    return this.#closing;
  }

  /** Spawns the slot's worker; resolves with its signature once the session is loaded. */
  #start(slot: Slot): Promise<SessionSignature> {
    const init: WorkerInit = {
      file: this.#options.file,
      options: this.#options.sessionOptions,
      running: this.#running,
    };
    const worker = (this.#options.spawn ?? spawnWorker)(WORKER_SCRIPT, { workerData: init });
    slot.worker = worker;
    slot.state = 'starting';
    let lastError: Error | undefined;
    return new Promise<SessionSignature>((resolve, reject) => {
      // Without an 'error' listener, an exception thrown in the worker would be rethrown here.
      worker.on('error', (error) => void (lastError = error));
      worker.on('messageerror', (error) => void (lastError = error));
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.state = 'idle';
          worker.unref();
          resolve({ inputs: message.inputs, outputs: message.outputs });
          this.#pump();
        } else if (message.type === 'load-failed') {
          // The thread ends by itself; 'exit' below takes the slot out of service.
          lastError = new Error(message.message);
          reject(lastError);
        } else this.#finish(slot, message);
      });
      worker.on('exit', (code) => {
        reject(lastError ?? new Error(`its worker thread exited with code ${code} before the model loaded`));
        if (slot.state === 'closing' || slot.state === 'closed') slot.state = 'closed';
        else if (slot.state === 'starting') slot.state = 'dead';
        else return this.#crashed(slot, code, lastError);
        this.#pump();
      });
    });
  }

  #dispatch(slot: Slot, job: Job): void {
    const worker = slot.worker!;
    slot.state = 'busy';
    slot.job = job;
    worker.ref();
    const message: ToWorker = { type: 'run', inputs: job.inputs, fetches: job.fetches };
    try {
      worker.postMessage(message, job.transfer);
    } catch (error) {
      slot.state = 'idle';
      slot.job = undefined;
      worker.unref();
      job.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #finish(slot: Slot, message: Extract<FromWorker, { type: 'result' | 'failed' }>): void {
    const job = slot.job;
    if (slot.state !== 'busy' || job === undefined) return;
    slot.state = 'idle';
    slot.job = undefined;
    slot.crashes = 0;
    slot.worker?.unref();
    if (message.type === 'result') {
      const { computeMs, concurrent } = message;
      try {
        this.#options.onRun?.({ instance: slot.index, computeMs, concurrent });
      } catch {
        // An observer's failure is not the run's.
      }
      job.resolve([...message.outputs]);
    } else {
      job.reject(message.id ? new BerthError(message.id, message.message) : new Error(message.message));
    }
    this.#pump();
  }

  /** A worker exited on its own: fail its run, log, restart it (or take it out of service). */
  #crashed(slot: Slot, code: number, error: Error | undefined): void {
    const job = slot.job;
    slot.job = undefined;
    slot.crashes += 1;
    const restart = this.#closing === undefined && slot.crashes <= MAX_CONSECUTIVE_CRASHES;
    const { file, log } = this.#options;
    log.error(
      {
        file,
        instance: slot.index,
        exitCode: code,
        err: error?.message,
        inFlight: job !== undefined,
        restart,
      },
      'ONNX Runtime worker exited unexpectedly',
    );
    const cause = error ? `: ${error.message}` : '';
    job?.reject(
      new BerthError(
        'INFERENCE_FAILED',
        `instance ${slot.index} of ${file} stopped during the run (worker exit code ${code}${cause}); ` +
          (restart ? 'it is being restarted' : 'it is out of service'),
      ),
    );
    if (!restart) {
      slot.state = 'dead';
      this.#pump();
      return;
    }
    this.#start(slot).then(
      () => log.info({ file, instance: slot.index }, 'ONNX Runtime worker restarted'),
      (reason: unknown) =>
        log.error(
          { file, instance: slot.index, err: (reason as Error).message },
          'ONNX Runtime worker could not be restarted; the instance is out of service',
        ),
    );
  }

  /** Sends waiting runs to idle instances; fails them when no instance is left to run them. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((candidate) => candidate.state === 'idle');
      if (slot === undefined) break;
      this.#dispatch(slot, this.#queue.shift()!);
    }
    if (this.#queue.length > 0 && this.#unusable()) {
      for (const job of this.#queue.splice(0)) job.reject(this.#unusableError());
    }
    if (this.#isIdle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #isIdle(): boolean {
    return (
      this.#queue.length === 0 &&
      this.#slots.every((slot) => slot.state !== 'busy' && slot.state !== 'starting')
    );
  }

  #whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get usable(): boolean {
    return !this.#unusable();
  }

  #unusable(): boolean {
    return this.#slots.every((slot) => slot.state === 'dead');
  }

  #unusableError(): BerthError {
    return new BerthError(
      'MODEL_NOT_READY',
      `every instance of ${this.#options.file} stopped and could not be restarted; the model must be loaded again`,
    );
  }

  /** Asks an idle worker to release its session and end; terminates it if it does not in time. */
  #stop(slot: Slot): Promise<void> {
    const worker = slot.worker;
    if (worker === undefined || slot.state !== 'idle') return Promise.resolve();
    slot.state = 'closing';
    worker.ref();
    return new Promise((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS).unref();
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'close' } satisfies ToWorker);
    });
  }

  async #terminateAll(): Promise<void> {
    this.#closing ??= Promise.resolve();
    await Promise.all(
      this.#slots.map((slot) => {
        if (slot.worker === undefined || slot.state === 'dead' || slot.state === 'closed')
          return Promise.resolve();
        slot.state = 'closing';
        return slot.worker.terminate().then(() => undefined);
      }),
    );
  }
}
