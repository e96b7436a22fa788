/**
 * The ONNX Runtime sessions of one loaded model, used round-robin. Kept apart from the model
 * adapter so that moving runs onto worker threads later only replaces this class.
 */
import { InferenceSession } from 'onnxruntime-node';

/** `instances` sessions of one model file; `run` picks the next, `close` waits for runs then releases. */
export class SessionPool {
  private nextIndex = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(private readonly sessions: readonly InferenceSession[]) {}

  /** Creates every session, or none: if one fails, those already created are released. */
  static async create(
    file: string,
    instances: number,
    options: InferenceSession.SessionOptions,
  ): Promise<SessionPool> {
    const sessions: InferenceSession[] = [];
    try {
      // One at a time: each load parses the file and allocates its weights, so parallel loads only add peak memory.
      for (let i = 0; i < instances; i++) sessions.push(await InferenceSession.create(file, options));
    } catch (error) {
      await Promise.allSettled(sessions.map((session) => session.release()));
      throw error;
    }
    return new SessionPool(sessions);
  }

  /** The first session, whose signature stands for all of them (same file, same options). */
  get first(): InferenceSession {
    const session = this.sessions[0];
    if (session === undefined) throw new Error('a session pool always holds at least one session');
    return session;
  }

  /** Number of sessions. */
  get size(): number {
    return this.sessions.length;
  }

  /** Runs on the next session in turn. */
  run(feeds: InferenceSession.FeedsType, fetches: readonly string[]): Promise<InferenceSession.ReturnType> {
    if (this.closed) return Promise.reject(new Error('the sessions were released'));
    const session = this.sessions[this.nextIndex] ?? this.first;
    this.nextIndex = (this.nextIndex + 1) % this.sessions.length;
    const run = session.run(feeds, fetches);
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
