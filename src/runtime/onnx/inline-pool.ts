/**
 * `execution: inline`: the model's sessions on the event loop, used round-robin. onnxruntime-node's
 * `session.run` is a synchronous native call deferred by one tick, so a run blocks the event loop
 * and runs serialise: more than one session only costs memory. Kept for tiny models and debugging.
 */
import { InferenceSession, type OnnxValue } from 'onnxruntime-node';
import type { Tensor } from '../../core/tensor.js';
import type { InstancePool, SessionSignature } from './instance-pool.js';
import { collectOutputs, toOrtTensor, type PreparedInput } from './tensor-convert.js';

/** `instances` sessions of one model file on the calling thread. */
export class InlinePool implements InstancePool {
  readonly concurrency = 1;
  private nextIndex = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(private readonly sessions: readonly InferenceSession[]) {}

  /** Creates every session, or none: if one fails, those already created are released. */
  static async create(
    file: string,
    instances: number,
    options: InferenceSession.SessionOptions,
  ): Promise<InlinePool> {
    const sessions: InferenceSession[] = [];
    try {
      // One at a time: each load parses the file and allocates its weights, so parallel loads only add peak memory.
      for (let i = 0; i < instances; i++) sessions.push(await InferenceSession.create(file, options));
    } catch (error) {
      await Promise.allSettled(sessions.map((session) => session.release()));
      throw error;
    }
    return new InlinePool(sessions);
  }

  get size(): number {
    return this.sessions.length;
  }

  /** Sessions on the event loop cannot crash apart from the process. */
  get usable(): boolean {
    return !this.closed;
  }

  /** The first session's signature stands for all of them (same file, same options). */
  get signature(): SessionSignature {
    const first = this.sessions[0];
    if (first === undefined) throw new Error('an inline pool always holds at least one session');
    return { inputs: first.inputMetadata, outputs: first.outputMetadata };
  }

  run(inputs: readonly PreparedInput[], fetches: readonly string[]): Promise<Tensor[]> {
    if (this.closed) return Promise.reject(new Error('the sessions were released'));
    const session = this.sessions[this.nextIndex] ?? this.sessions[0]!;
    this.nextIndex = (this.nextIndex + 1) % this.sessions.length;
    const feeds: Record<string, OnnxValue> = {};
    for (const input of inputs) feeds[input.name] = toOrtTensor(input);
    const run = session.run(feeds, fetches).then((results) => collectOutputs(results, fetches));
    this.inFlight.add(run);
    const forget = (): void => void this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Stops new runs, waits for those started (a release under a run would free memory it uses), releases all. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.sessions.map((session) => session.release()));
  }
}
